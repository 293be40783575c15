"""django-q2 entry points: fetch arguments, call the service, nothing else."""

from __future__ import annotations

import logging

from django.conf import settings

from cases.calendar import business_today
from syncstatus.models import SyncRun
from syncstatus.services import SyncAlreadyRunning, sync_run

log = logging.getLogger("invoicetracker.tasks")


def daily_sync() -> int | None:
    """The scheduled morning run: the daily sync (a full one on FULL_SYNC_WEEKDAY)."""
    today = business_today()
    kind = SyncRun.Kind.FULL if today.weekday() == settings.FULL_SYNC_WEEKDAY else SyncRun.Kind.DAILY
    try:
        run = sync_run(target_date=today, kind=kind, trigger=SyncRun.Trigger.SCHEDULE)
    except SyncAlreadyRunning as exc:
        log.warning("scheduled sync skipped: %s", exc)
        return None
    return run.pk
