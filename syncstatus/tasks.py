"""django-q2 entry points: fetch arguments, call the service, nothing else."""

from __future__ import annotations

import logging

from django.conf import settings

from common.calendar import business_today
from notifications.tasks import reminders_send_due
from syncstatus.models import SyncRun
from syncstatus.services.errors import SyncAlreadyRunning, SyncFailed
from syncstatus.services.run import sync_run

log = logging.getLogger("invoicetracker.tasks")


def daily_sync() -> int | None:
    """The scheduled morning run: the daily sync (a full one on FULL_SYNC_WEEKDAY), then the reminders.

    The reminders go out only on the strength of that sync; when it failed (or another
    run is still going) `reminders_send_due` holds them and records why for the panel.
    """
    today = business_today()
    kind = SyncRun.Kind.FULL if today.weekday() == settings.FULL_SYNC_WEEKDAY else SyncRun.Kind.DAILY
    try:
        run = sync_run(target_date=today, kind=kind, trigger=SyncRun.Trigger.SCHEDULE)
    except SyncAlreadyRunning as exc:
        log.warning("scheduled sync skipped: %s", exc)
        reminders_send_due(today.isoformat())
        return None
    except SyncFailed:
        reminders_send_due(today.isoformat())
        raise
    reminders_send_due(today.isoformat())
    return run.pk


def panel_sync(*, user_id: int | None = None) -> int | None:
    """The status panel's "run sync now": today's daily sync, triggered by the user.

    When this morning's reminders were held (the scheduled sync failed), a
    successful sync from the panel releases them: the sending is exactly-once
    by construction, so whatever already went out is not sent again.
    """
    from django.contrib.auth import get_user_model

    from notifications.models import ReminderRun

    today = business_today()
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        run = sync_run(target_date=today, kind=SyncRun.Kind.DAILY, trigger=SyncRun.Trigger.PANEL, user=user)
    except SyncAlreadyRunning as exc:
        log.warning("panel sync skipped: %s", exc)
        return None
    latest_send = ReminderRun.objects.filter(day=today).order_by("-started_at").first()
    if latest_send is not None and latest_send.held_reason:
        reminders_send_due(today.isoformat())
    return run.pk
