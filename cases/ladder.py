"""The letter ladder's date rules, as written in section 1 of `dunning-policy.md`.

Pure functions (no database, no settings read unless `business_days` is left None), so that a
reader can check them against the policy line by line, and so that `cases.services`
(the cached `Case.next_reminder_date`) and `notifications` (the daily run, manual sends)
use the very same rules.

Words used here, as in the policy:
- a *rung* is a stage, known by its offset in days from the due date (−1, +7, +14, +21, +30);
- a *before-due* rung has a negative offset, the others are *overdue* rungs;
- a case has *handled* every rung up to `handled` (sent or skipped): rungs only move forward;
- `previous` is the previous overdue letter that went out for the case (automatic or manual):
  the day it went (L) and its offset (offset_prev).

"Paused" is not decided here: callers ask `Case.is_paused_on(day)` / `case_paused_q(day)` and
pass the answer in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from common.calendar import is_business_day

# Why a rung was recorded as skipped (stored on the reminder log; see notifications.models).
NOT_APPLICABLE_AFTER_PLANNED_DAY = "before_due_late"
STAFF_CHOICE = "staff_choice"


@dataclass(frozen=True)
class Letter:
    """A letter that went out: on `day`, for the rung `offset`."""

    day: date
    offset: int


def _business_days(business_days: bool | None) -> bool:
    if business_days is None:
        from django.conf import settings

        return settings.REMINDER_BUSINESS_DAYS
    return business_days


def is_sending_day(day: date, *, business_days: bool | None = None) -> bool:
    """ "No letter goes out on a day that is not a business day" (every day is one with the setting off)."""
    return is_business_day(day) if _business_days(business_days) else True


def first_business_day_on_or_after(day: date, *, business_days: bool | None = None) -> date:
    """The day itself when it is a business day, else the next business day."""
    if not _business_days(business_days):
        return day
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def demand_deadline(day: date, *, days: int | None = None) -> date:
    """The formal demand's payment deadline (policy section 3): `days` (default `REMINDER_DEMAND_DAYS`)
    from the day it is sent, moved to a business day. The letter and its PDF both state this one date."""
    if days is None:
        from django.conf import settings

        days = settings.REMINDER_DEMAND_DAYS
    return first_business_day_on_or_after(day + timedelta(days=days))


def last_business_day_before(day: date) -> date:
    day -= timedelta(days=1)
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


# --- Before-due rung ------------------------------------------------------------------


def before_due_planned_day(*, due: date, offset: int, business_days: bool | None = None) -> date:
    """ "Planned day P = due + o; with business days on, P moves to the next business day, and if
    that reaches the due date it moves back instead to the last business day before the due date."""
    planned = due + timedelta(days=offset)
    if not _business_days(business_days):
        return planned
    moved = first_business_day_on_or_after(planned, business_days=True)
    if moved >= due:
        moved = last_business_day_before(due)
    return moved


# --- Overdue rungs --------------------------------------------------------------------


def overdue_due_day(*, due: date, offset: int, previous: Letter | None, business_days: bool | None = None) -> date:
    """ "Due on the first business day on or after max(due + offset_k, L + (offset_k − offset_prev))";
    "with no previous overdue letter, the first term alone"."""
    earliest = due + timedelta(days=offset)
    if previous is not None:
        earliest = max(earliest, previous.day + timedelta(days=offset - previous.offset))
    return first_business_day_on_or_after(earliest, business_days=business_days)


# --- One case on one day -------------------------------------------------------------


def unhandled(offsets: Sequence[int], handled: int | None) -> list[int]:
    """The rungs not yet sent or skipped, lowest first (rungs only move forward)."""
    return sorted(o for o in offsets if handled is None or o > handled)


@dataclass(frozen=True)
class NextRung:
    offset: int
    day: date  # when it falls due (a before-due rung: its planned day, which may have passed)


def next_rung(
    *, due: date, offsets: Sequence[int], handled: int | None, previous: Letter | None, business_days=None
) -> NextRung | None:
    """The lowest rung not yet sent or skipped, and the day it falls due; None at the end of the ladder."""
    for offset in unhandled(offsets, handled):
        if offset < 0:
            return NextRung(offset, before_due_planned_day(due=due, offset=offset, business_days=business_days))
        return NextRung(offset, overdue_due_day(due=due, offset=offset, previous=previous, business_days=business_days))
    return None


@dataclass(frozen=True)
class Decision:
    """What `day` means for one case: the rung to send (or None) and the rungs to record as skipped."""

    send: int | None = None
    skip: tuple[tuple[int, str], ...] = field(default_factory=tuple)

    @property
    def handled_after(self) -> int | None:
        """The highest rung handled once this decision is carried out (None: nothing changes)."""
        offsets = [o for o, _reason in self.skip] + ([self.send] if self.send is not None else [])
        return max(offsets) if offsets else None


def decide(
    *,
    day: date,
    due: date,
    offsets: Sequence[int],
    handled: int | None,
    previous: Letter | None,
    paused: bool,
    business_days: bool | None = None,
) -> Decision:
    """The policy for one case on `day`.

    - "A paused case receives nothing while paused" (and nothing is recorded meanwhile).
    - "No letter goes out on a day that is not a business day."
    - Before-due rung: "sent on P only"; "never sent on or after the due date, and never late":
      once P has passed it is recorded as skipped ("not applicable after the planned day").
    - Overdue rungs: "one rung at a time and never jumps over one"; "at most one rung per case per day".
    """
    if paused or not is_sending_day(day, business_days=business_days):
        return Decision()
    skipped: list[tuple[int, str]] = []
    for offset in unhandled(offsets, handled):
        if offset < 0:
            planned = before_due_planned_day(due=due, offset=offset, business_days=business_days)
            if day < planned:
                break
            if day == planned and day < due:
                return Decision(send=offset, skip=tuple(skipped))
            skipped.append((offset, NOT_APPLICABLE_AFTER_PLANNED_DAY))
            continue
        if day >= overdue_due_day(due=due, offset=offset, previous=previous, business_days=business_days):
            return Decision(send=offset, skip=tuple(skipped))
        break
    return Decision(skip=tuple(skipped))


def manual_skips(*, offsets: Sequence[int], handled: int | None, offset: int) -> list[int]:
    """ "A manual send of rung k counts as rung k's letter (lower unsent rungs are recorded as skipped
    by staff choice)"."""
    return [o for o in unhandled(offsets, handled) if o < offset]


def letter_counts_as_previous(offset: int) -> bool:
    """Only overdue letters time the next rung (L and offset_prev)."""
    return offset >= 0
