"""The schedules declared in invoicetracker/schedules.py and the command that applies them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from common.calendar import WARSAW
from invoicetracker.schedules import ensure_schedules, next_occurrence

pytestmark = pytest.mark.django_db


def test_setup_schedules_is_idempotent_and_removes_unknown_schedules(settings):
    settings.SYNC_TIME = "05:30"
    Schedule.objects.create(name="leftover", func="os.getcwd", schedule_type=Schedule.DAILY)
    call_command("setup_schedules")
    call_command("setup_schedules")
    assert sorted(Schedule.objects.values_list("name", flat=True)) == ["daily-summary", "infakt-daily-sync"]
    schedule = Schedule.objects.get(name="infakt-daily-sync")
    assert schedule.func == "syncstatus.tasks.daily_sync"
    local = schedule.next_run.astimezone(WARSAW)
    assert (local.hour, local.minute) == (5, 30)


def test_next_occurrence_is_in_warsaw_time_across_dst():
    before_change = datetime(2026, 10, 24, 12, 0, tzinfo=WARSAW)  # the day before CEST ends
    after = next_occurrence("06:00", now=before_change)
    assert after == datetime(2026, 10, 25, 6, 0, tzinfo=WARSAW)
    assert after.utcoffset() == timedelta(hours=1)
    assert next_occurrence("06:00", now=datetime(2026, 10, 25, 5, 59, tzinfo=WARSAW)).date() == date(2026, 10, 25)
    assert ensure_schedules() == [
        "created infakt-daily-sync at 06:00 Europe/Warsaw",
        "created daily-summary at 07:30 Europe/Warsaw",
    ]


def test_setup_schedules_prints_what_it_did(capsys):
    call_command("setup_schedules")
    assert capsys.readouterr().out.splitlines() == [
        "created infakt-daily-sync at 06:00 Europe/Warsaw",
        "created daily-summary at 07:30 Europe/Warsaw",
        "Schedules are up to date.",
    ]
