"""Refreshing chosen cases from InFakt now, or at the next sync when one is running.

The decision the admin action used to take (the case admin), for any page to call:
`sync_refresh_cases_or_mark` runs a REFRESH sync of the active cases chosen; when another sync holds
the lock it marks them instead (`refresh_requested_at`), and the next sync refreshes them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cases.models import Case
from cases.services import case_request_refresh

from ..models import SyncRun
from .errors import SyncAlreadyRunning, SyncFailed
from .run import sync_run

# A refresh asks InFakt about every case chosen: keep it to about a page.
REFRESH_MAX_CASES = 100


class RefreshResult(enum.Enum):
    NONE_ACTIVE = "none_active"  # no chosen case is active: nothing to ask InFakt
    TOO_MANY = "too_many"  # more than REFRESH_MAX_CASES active cases chosen: nothing done
    REFRESHED = "refreshed"  # the REFRESH sync ran to the end (`run`: success or partial)
    MARKED = "marked"  # a sync is running: `marked` cases wait for the next one (`why`)
    FAILED = "failed"  # the REFRESH sync failed (`run` holds the error)


@dataclass(frozen=True)
class RefreshOutcome:
    result: RefreshResult
    run: SyncRun | None = None
    marked: int = 0
    why: str = ""


def sync_refresh_cases_or_mark(*, cases, user=None, trigger: str = SyncRun.Trigger.ADMIN) -> RefreshOutcome:
    """Refresh the active ones of `cases` (a queryset of cases, or of their ids) from InFakt now, or mark
    them for the next sync when a sync is running. At most REFRESH_MAX_CASES cases at once."""
    chosen = Case.objects.filter(pk__in=cases.values("pk") if hasattr(cases, "values") else cases)
    ids = list(
        chosen.filter(status=Case.Status.ACTIVE).order_by("pk").values_list("pk", flat=True)[: REFRESH_MAX_CASES + 1]
    )
    if not ids:
        return RefreshOutcome(RefreshResult.NONE_ACTIVE)
    if len(ids) > REFRESH_MAX_CASES:
        return RefreshOutcome(RefreshResult.TOO_MANY)
    try:
        run = sync_run(kind=SyncRun.Kind.REFRESH, trigger=trigger, case_ids=ids, user=user)
    except SyncAlreadyRunning as exc:
        marked = case_request_refresh(cases=Case.objects.filter(pk__in=ids))
        return RefreshOutcome(RefreshResult.MARKED, marked=marked, why=str(exc))
    except SyncFailed as exc:
        return RefreshOutcome(RefreshResult.FAILED, run=exc.run)
    return RefreshOutcome(RefreshResult.REFRESHED, run=run)
