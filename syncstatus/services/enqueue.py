""" "Run now" from the panel: today's daily sync queued as a django-q2 task once the caller's transaction
commits, unless one runs or already waits for a worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from common.calendar import business_today

from ..models import SyncRun
from ..selectors import PANEL_SYNC_GROUP, panel_sync_queued_at, sync_run_running
from .runs import sync_run_is_stalled


@dataclass(frozen=True)
class SyncEnqueued:
    """What `sync_run_enqueue` did: queued the sync for `day`, or refused because one is running
    (`running`) or already waits for a worker (`waiting_since`)."""

    queued: bool
    day: date
    running: SyncRun | None = None
    waiting_since: datetime | None = None


def sync_run_enqueue(*, user=None, now: datetime | None = None) -> SyncEnqueued:
    """Queue today's daily sync as a django-q2 task ("run now" of the panel, trigger PANEL), once the
    caller's transaction commits; refuse while another one runs (a stalled row does not count) or
    waits for a worker."""
    from django_q.tasks import async_task  # django_q reads Q_CLUSTER at import

    now = now or timezone.now()
    day = business_today(now)
    running = sync_run_running()
    if running is not None and not sync_run_is_stalled(running, now=now):
        return SyncEnqueued(False, day, running=running)
    waiting_since = panel_sync_queued_at()
    if waiting_since is not None:
        return SyncEnqueued(False, day, waiting_since=waiting_since)
    user_id = user.pk if user is not None else None
    transaction.on_commit(
        lambda: async_task(
            "syncstatus.tasks.panel_sync",
            user_id=user_id,
            group=PANEL_SYNC_GROUP,
            task_name=f"panel-sync-{now:%Y%m%d-%H%M%S}-{user_id}",
        )
    )
    return SyncEnqueued(True, day)
