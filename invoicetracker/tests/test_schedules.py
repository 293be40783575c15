"""The schedules declared in code: the next run in Warsaw time, and what applying them does."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from common.calendar import WARSAW
from invoicetracker.schedules import ensure_schedules, next_occurrence

pytestmark = pytest.mark.django_db


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
