"""The ladder's date rules (cases/ladder.py) on real 2026 dates, business days on and off.

Stages -1, +7, +14, +21, +30. Polish holidays used: Easter Monday 6.04.2026, 24-26.12.2026,
1.01.2027 and 6.01.2027 (Epiphany).
"""

from __future__ import annotations

from datetime import date

import pytest

from cases import ladder
from cases.ladder import NOT_APPLICABLE_AFTER_PLANNED_DAY as LATE
from cases.ladder import Decision, Letter

OFFSETS = [-1, 7, 14, 21, 30]


def decide(day, due, handled=None, previous=None, paused=False, business_days=True):
    return ladder.decide(
        day=day,
        due=due,
        offsets=OFFSETS,
        handled=handled,
        previous=previous,
        paused=paused,
        business_days=business_days,
    )


@pytest.mark.parametrize(
    ("due", "business_days", "planned"),
    [
        (date(2026, 11, 17), True, date(2026, 11, 16)),  # Tue due: Mon
        (date(2026, 11, 16), True, date(2026, 11, 13)),  # Mon due: Sun -> next is the due date -> back to Fri
        (date(2026, 11, 16), False, date(2026, 11, 15)),  # every day is a business day
        (date(2026, 12, 28), True, date(2026, 12, 23)),  # Mon 28.12: Sun 27 -> 28 (= due) -> back past 24-26.12
        (date(2026, 4, 7), True, date(2026, 4, 3)),  # Tue after Easter Monday: back to Fri 3.04
        (date(2027, 1, 4), True, date(2026, 12, 31)),  # Mon 4.01.2027: Sun 3 -> back past Sat 2 and 1.01
    ],
)
def test_the_before_due_planned_day(due, business_days, planned):
    assert ladder.before_due_planned_day(due=due, offset=-1, business_days=business_days) == planned


@pytest.mark.parametrize(
    ("due", "offset", "previous", "business_days", "day"),
    [
        (date(2026, 11, 9), 7, None, True, date(2026, 11, 16)),  # Mon + 7 = Mon
        (date(2026, 11, 7), 7, None, True, date(2026, 11, 16)),  # Sat 14.11 -> Mon 16.11
        (date(2026, 11, 7), 7, None, False, date(2026, 11, 14)),  # business days off: Saturday itself
        (date(2026, 12, 17), 7, None, True, date(2026, 12, 28)),  # 24.12 -> past 25-27.12 -> Mon 28.12
        (date(2026, 12, 3), 21, Letter(date(2026, 12, 17), 14), True, date(2026, 12, 28)),
        # +30 after +21 went on 28.12: max(2.01.2027, 28.12 + 9 = 6.01 Epiphany) -> Thu 7.01.2027
        (date(2026, 12, 3), 30, Letter(date(2026, 12, 28), 21), True, date(2027, 1, 7)),
        # an outage: +7 went late on 25.11 (due 2.11): +14 keeps the spacing, 2.12, not 16.11
        (date(2026, 11, 2), 14, Letter(date(2026, 11, 25), 7), True, date(2026, 12, 2)),
        # a manual +14 sent early on Fri 20.11 (due 9.11): +21 = max(30.11, 20.11 + 7) = Mon 30.11
        (date(2026, 11, 9), 21, Letter(date(2026, 11, 20), 14), True, date(2026, 11, 30)),
        # a manual +14 sent late on Mon 30.11 (due 2.11): +21 = max(23.11, 30.11 + 7) = Mon 7.12
        (date(2026, 11, 2), 21, Letter(date(2026, 11, 30), 14), True, date(2026, 12, 7)),
        # Easter: +7 of a due date of Mon 30.03.2026 is Mon 6.04 (Easter Monday) -> Tue 7.04
        (date(2026, 3, 30), 7, None, True, date(2026, 4, 7)),
    ],
)
def test_the_overdue_rung_due_day(due, offset, previous, business_days, day):
    assert ladder.overdue_due_day(due=due, offset=offset, previous=previous, business_days=business_days) == day


def test_the_before_due_rung_goes_on_its_planned_day_only():
    due = date(2026, 11, 17)
    assert decide(date(2026, 11, 13), due) == Decision()  # before P: nothing yet
    assert decide(date(2026, 11, 16), due) == Decision(send=-1)
    # Missed P (an outage, or the case opened late): skipped, never late; +7 is not due yet.
    assert decide(date(2026, 11, 17), due) == Decision(skip=((-1, LATE),))


def test_backfill_of_a_case_74_days_overdue_starts_at_the_first_overdue_rung():
    due = date(2026, 9, 17)
    day = date(2026, 11, 30)  # Mon, 74 days after the due date
    assert decide(day, due) == Decision(send=7, skip=((-1, LATE),))
    # and the next rung keeps the spacing from that day: Mon 7.12, not at once
    assert decide(date(2026, 12, 1), due, handled=7, previous=Letter(day, 7)) == Decision()
    assert decide(date(2026, 12, 7), due, handled=7, previous=Letter(day, 7)) == Decision(send=14)


def test_at_most_one_rung_a_day_and_never_a_jump():
    due = date(2026, 10, 1)
    day = date(2026, 11, 30)  # every overdue rung's own date has passed
    assert decide(day, due, handled=-1).send == 7
    assert decide(day, due, handled=7, previous=Letter(day, 7)) == Decision()  # not twice the same day
    assert decide(date(2026, 12, 7), due, handled=7, previous=Letter(day, 7)).send == 14


@pytest.mark.parametrize("business_days", [True, False])
def test_no_letter_on_a_day_that_is_not_a_business_day_unless_business_days_are_off(business_days):
    due = date(2026, 12, 17)
    christmas_eve = date(2026, 12, 24)
    expected = Decision() if business_days else Decision(send=7)
    assert decide(christmas_eve, due, handled=-1, business_days=business_days) == expected


def test_an_outage_the_next_rung_goes_on_return_and_the_ones_after_are_retimed():
    due = date(2026, 11, 2)
    # The app was down from 9.11 to 24.11; +7 (9.11) and +14 (16.11) both passed.
    assert decide(date(2026, 11, 25), due, handled=-1).send == 7
    after = Letter(date(2026, 11, 25), 7)
    assert ladder.next_rung(due=due, offsets=OFFSETS, handled=7, previous=after, business_days=True) == (
        ladder.NextRung(14, date(2026, 12, 2))
    )


def test_a_manual_send_counts_as_the_rung_and_skips_the_lower_ones():
    assert ladder.manual_skips(offsets=OFFSETS, handled=-1, offset=21) == [7, 14]
    due = date(2026, 11, 9)
    manual = Letter(date(2026, 11, 20), 21)
    # +30 = max(due + 30 = 9.12, manual day + 9 = 29.11) = Wed 9.12
    assert ladder.next_rung(due=due, offsets=OFFSETS, handled=21, previous=manual, business_days=True) == (
        ladder.NextRung(30, date(2026, 12, 9))
    )


def test_a_paused_case_gets_nothing_and_afterwards_its_next_rung_by_the_rule():
    due = date(2026, 11, 2)
    assert decide(date(2026, 11, 16), due, handled=7, previous=Letter(date(2026, 11, 9), 7), paused=True) == Decision()
    # the pause ended: +14 (due 16.11) goes on the first day the case is no longer paused
    assert decide(date(2026, 11, 23), due, handled=7, previous=Letter(date(2026, 11, 9), 7)).send == 14


def test_the_end_of_the_ladder():
    due = date(2026, 9, 1)
    assert ladder.next_rung(due=due, offsets=OFFSETS, handled=30, previous=Letter(date(2026, 10, 1), 30)) is None
    assert decide(date(2026, 11, 30), due, handled=30, previous=Letter(date(2026, 10, 1), 30)) == Decision()
