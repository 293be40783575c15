"""The django-q2 schedules, declared in code and applied by `manage.py setup_schedules`.

Applying is idempotent: schedules are matched by name, updated in place, and
schedules with names not declared here are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django_q.models import Schedule

from common.calendar import WARSAW


@dataclass(frozen=True)
class Declared:
    name: str
    func: str
    at: str  # HH:MM Europe/Warsaw, every day


def declared_schedules() -> list[Declared]:
    return [
        # Every day at SYNC_TIME: the InFakt sync (full on FULL_SYNC_WEEKDAY), then the reminders.
        Declared(name="infakt-daily-sync", func="syncstatus.tasks.daily_sync", at=settings.SYNC_TIME),
        # Every day at DAILY_SUMMARY_TIME: the managers' summary of the previous day (unless switched off).
        *(
            [Declared(name="daily-summary", func="panel.tasks.daily_summary", at=settings.DAILY_SUMMARY_TIME)]
            if settings.DAILY_SUMMARY_ENABLED
            else []
        ),
    ]


def next_occurrence(at: str, *, now: datetime | None = None) -> datetime:
    now = (now or timezone.now()).astimezone(WARSAW)
    hour, minute = (int(part) for part in at.split(":"))
    candidate = datetime.combine(now.date(), time(hour, minute), tzinfo=WARSAW)
    if candidate <= now:
        candidate = datetime.combine(now.date() + timedelta(days=1), time(hour, minute), tzinfo=WARSAW)
    return candidate


def ensure_schedules(*, now: datetime | None = None) -> list[str]:
    """Create or update every declared schedule; delete undeclared ones. Returns what it did."""
    done: list[str] = []
    declared = declared_schedules()
    for item in declared:
        _obj, created = Schedule.objects.update_or_create(
            name=item.name,
            defaults={
                "func": item.func,
                "schedule_type": Schedule.DAILY,
                "repeats": -1,
                "next_run": next_occurrence(item.at, now=now),
            },
        )
        done.append(f"{'created' if created else 'updated'} {item.name} at {item.at} Europe/Warsaw")
    stale = Schedule.objects.exclude(name__in=[d.name for d in declared])
    for name in stale.values_list("name", flat=True):
        done.append(f"deleted {name}")
    stale.delete()
    return done
