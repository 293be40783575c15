"""django-q2 entry points: parse arguments, call the service, nothing else."""

from __future__ import annotations

from datetime import date

from common.calendar import business_today

from . import services
from .models import ReminderRun


def reminders_send_due(day: str | None = None) -> dict[str, int]:
    """Send the reminders due today (Europe/Warsaw), or on `day` (YYYY-MM-DD). Returns the counts.

    Called by `syncstatus.tasks.daily_sync` right after the sync; the service itself holds
    the sends (and records why) unless that day's sync succeeded.
    """
    target = date.fromisoformat(day) if day else business_today()
    report = services.reminders_send_due(day=target, trigger=ReminderRun.Trigger.SCHEDULE)
    return report.counts()
