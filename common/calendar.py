"""Business dates for the dunning ladder (Europe/Warsaw, Polish public holidays)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.utils import timezone

WARSAW = ZoneInfo("Europe/Warsaw")


def business_today(now: datetime | None = None) -> date:
    """Today's date in Warsaw, whatever the server's clock zone."""
    return (now or timezone.now()).astimezone(WARSAW).date()


@lru_cache(maxsize=64)
def _polish_holidays(year: int) -> frozenset[date]:
    # holidays>=0.80 includes 24 December from 2025 on, as the law does.
    return frozenset(holidays.Poland(years=year).keys())


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _polish_holidays(day.year)


def next_business_day(day: date) -> date:
    """`day` itself when it is a business day, else the next one."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def stage_send_date(due_date: date, offset_days: int, *, business_days: bool | None = None) -> date:
    """When a stage `offset_days` from `due_date` goes out.

    With business days on, a date on a weekend or holiday moves to the next
    business day. A stage before the due date never moves onto or past it;
    it moves back to the last business day before the due date instead.
    """
    if business_days is None:
        business_days = settings.REMINDER_BUSINESS_DAYS
    day = due_date + timedelta(days=offset_days)
    if not business_days:
        return day
    moved = next_business_day(day)
    if offset_days < 0 and moved >= due_date:
        moved = day
        while not is_business_day(moved) and moved > due_date - timedelta(days=14):
            moved -= timedelta(days=1)
    return moved
