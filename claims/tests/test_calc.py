"""Interest and compensation against hand-computed examples (tables of inputs and expected grosze).

The rates below are inputs of the examples (they mirror the seeded official values for the
periods used); the exchange rates are example inputs too. Every expected figure is worked out
in the comment beside it: amount × rate × days / 365, rounded half up to the grosz.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claims.calc import (
    CONSUMER,
    MEDICAL,
    ClaimInput,
    FxRate,
    Period,
    RateTables,
    claim_for,
    compensation_eur_for,
    interest_note_amount,
    moved_due_date,
)

COMMERCIAL = [
    Period(date(2024, 1, 1), date(2024, 6, 30), 1575),
    Period(date(2024, 7, 1), date(2024, 12, 31), 1575),
    Period(date(2025, 1, 1), date(2025, 6, 30), 1575),
    Period(date(2025, 7, 1), date(2025, 12, 31), 1525),
    Period(date(2026, 1, 1), date(2026, 6, 30), 1400),
]
MEDICAL_RATES = [Period(p.start, p.end, p.bp - 200) for p in COMMERCIAL]
STATUTORY = [
    Period(date(2025, 7, 3), date(2025, 9, 3), 1050),
    Period(date(2025, 9, 4), date(2025, 10, 8), 1025),
]
FX = {
    ("EUR", date(2024, 2, 1)): FxRate(Decimal("4.3191"), date(2024, 2, 29)),
    ("EUR", date(2024, 8, 1)): FxRate(Decimal("4.2846"), date(2024, 8, 30)),
    ("EUR", date(2024, 12, 1)): FxRate(Decimal("4.2730"), date(2024, 12, 31)),
    ("EUR", date(2025, 5, 1)): FxRate(Decimal("4.2500"), date(2025, 5, 30)),
    ("EUR", date(2025, 8, 1)): FxRate(Decimal("4.3000"), date(2025, 8, 29)),
    ("USD", date(2025, 8, 1)): FxRate(Decimal("4.0000"), date(2025, 8, 29)),
}
TABLES = RateTables(commercial=COMMERCIAL, medical=MEDICAL_RATES, statutory=STATUTORY, fx=FX)

# name, input, day, expected (left_to_pay, interest, compensation in the invoice currency, compensation PLN)
EXAMPLES = [
    (
        # Due Saturday 30.03.2024, Easter Sunday and Monday follow: moved to Tuesday 2.04, interest from 3.04.
        # 10 000,00 × 15,75 % × 28 days (3.04–30.04) / 365 = 120,82; 10 000,00 PLN → 70 EUR × 4,3191 = 302,34.
        "saturday before a holiday",
        ClaimInput(principal=1_000_000, currency="PLN", due_date=date(2024, 3, 30)),
        date(2024, 4, 30),
        (1_000_000, 12_082, 30_234, 30_234),
    ),
    (
        # 5 000,00 due Mon 30.09.2024; 2 000,00 paid 15.10: 15 days on 5 000,00 (1.10–15.10) + 16 days on
        # 3 000,00 (16.10–31.10) at 15,75 % = 32,363 + 20,712 = 53,08.
        # Gross exactly 5 000,00 → 40 EUR × 4,2846 = 171,38.
        "partial payment mid-period",
        ClaimInput(
            principal=500_000, currency="PLN", due_date=date(2024, 9, 30), payments=((date(2024, 10, 15), 200_000),)
        ),
        date(2024, 10, 31),
        (300_000, 5_308, 17_138, 17_138),
    ),
    (
        # 20 000,00 due Fri 20.06.2025: 10 days (21–30.06) at 15,75 % + 10 days (1–10.07) at 15,25 %
        # = 20 000,00 × 3,10 / 365 = 169,86. 20 000,00 → 70 EUR × 4,2500 = 297,50.
        "rate change on 1 July",
        ClaimInput(principal=2_000_000, currency="PLN", due_date=date(2025, 6, 20)),
        date(2025, 7, 10),
        (2_000_000, 16_986, 29_750, 29_750),
    ),
    (
        # A public medical entity: the same period at 13,75 % / 13,25 %: 20 000,00 × 2,70 / 365 = 147,95.
        "public medical entity",
        ClaimInput(principal=2_000_000, currency="PLN", due_date=date(2025, 6, 20), debtor=MEDICAL),
        date(2025, 7, 10),
        (2_000_000, 14_795, 29_750, 29_750),
    ),
    (
        # Consumer, 1 000,00 due Mon 1.09.2025: 2 days at 10,50 % (ref 5,00 + 5,5) and 27 days at 10,25 %
        # (ref 4,75 from 4.09) = 1 000,00 × (0,21 + 2,7675) / 365 = 8,16. No compensation.
        "consumer",
        ClaimInput(principal=100_000, currency="PLN", due_date=date(2025, 9, 1), debtor=CONSUMER),
        date(2025, 9, 30),
        (100_000, 816, 0, 0),
    ),
    (
        # 2 000,00 EUR due Wed 15.01.2025: 30 days (16.01–14.02) at 15,75 % = 25,89 EUR.
        # 2 000,00 EUR × 4,2730 = 8 546,00 PLN → 70 EUR = 70,00 EUR (299,11 PLN).
        "EUR invoice",
        ClaimInput(principal=200_000, currency="EUR", due_date=date(2025, 1, 15)),
        date(2025, 2, 14),
        (200_000, 2_589, 7_000, 29_911),
    ),
    (
        # 1 000,00 USD due Mon 15.09.2025, USD 4,0000 → 4 000,00 PLN → 40 EUR × 4,3000 = 172,00 PLN → 43,00 USD.
        # Interest: 15 days (16–30.09) at 15,25 % = 6,27 USD.
        "USD invoice, compensation through PLN",
        ClaimInput(principal=100_000, currency="USD", due_date=date(2025, 9, 15)),
        date(2025, 9, 30),
        (100_000, 627, 4_300, 17_200),
    ),
]


@pytest.mark.parametrize(("name", "data", "day", "expected"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_hand_computed_examples(name, data, day, expected):
    claim = claim_for(data, day=day, tables=TABLES)
    assert (claim.left_to_pay, claim.interest, claim.compensation, claim.compensation_pln) == expected
    assert claim.total == expected[0] + expected[1] + expected[2]


# gross PLN grosze -> EUR
THRESHOLDS = [
    (1, 40),
    (499_999, 40),
    (500_000, 40),  # 5 000,00: "up to 5 000" includes the edge
    (500_001, 70),
    (4_999_999, 70),
    (5_000_000, 100),  # 50 000,00: "from 50 000" includes the edge
    (12_345_678, 100),
]


@pytest.mark.parametrize(("gross", "euros"), THRESHOLDS)
def test_compensation_threshold_edges(gross, euros):
    assert compensation_eur_for(gross) == euros
    claim = claim_for(
        ClaimInput(principal=gross, currency="PLN", due_date=date(2024, 9, 30)), day=date(2024, 10, 1), tables=TABLES
    )
    assert claim.compensation_eur == euros
    assert claim.compensation == round(euros * 100 * Decimal("4.2846"))


def test_art_115_moves_weekends_and_holidays():
    assert moved_due_date(date(2024, 3, 30)) == date(2024, 4, 2)  # Sat, Easter Sun, Easter Mon
    assert moved_due_date(date(2025, 11, 1)) == date(2025, 11, 3)  # All Saints' Day on a Saturday
    assert moved_due_date(date(2025, 12, 24)) == date(2025, 12, 29)  # 24–26.12 holidays from 2025, then the weekend
    assert moved_due_date(date(2025, 6, 20)) == date(2025, 6, 20)  # a plain Friday stays


def test_first_day_of_interest_is_the_day_after_the_moved_due_date():
    data = ClaimInput(principal=1_000_000, currency="PLN", due_date=date(2024, 3, 30))
    assert claim_for(data, day=date(2024, 4, 2), tables=TABLES).interest == 0  # still the (moved) due date
    assert claim_for(data, day=date(2024, 4, 2), tables=TABLES).compensation == 0
    # One day: 10 000,00 × 15,75 % / 365 = 4,32
    assert claim_for(data, day=date(2024, 4, 3), tables=TABLES).interest == 432


def test_no_due_date_or_future_due_date_has_no_claim():
    none = claim_for(ClaimInput(principal=100_000, currency="PLN", due_date=None), day=date(2025, 1, 1), tables=TABLES)
    future = claim_for(
        ClaimInput(principal=100_000, currency="PLN", due_date=date(2025, 2, 1)), day=date(2025, 1, 1), tables=TABLES
    )
    for claim in (none, future):
        assert (claim.interest, claim.compensation, claim.total) == (0, 0, 100_000)


def test_missing_rate_gives_no_amount_never_zero():
    # 2026 H2 is not in the table: interest for 21.06–10.07.2026 cannot be computed.
    data = ClaimInput(principal=2_000_000, currency="PLN", due_date=date(2026, 6, 19))
    claim = claim_for(data, day=date(2026, 7, 10), tables=TABLES)
    assert claim.interest is None
    assert claim.missing_rate
    assert claim.total is None


def test_missing_eur_rate_gives_no_compensation():
    data = ClaimInput(principal=100_000, currency="PLN", due_date=date(2025, 3, 14))
    claim = claim_for(data, day=date(2025, 3, 20), tables=TABLES)
    assert claim.compensation is None
    assert claim.missing_fx == "EUR"
    assert claim.compensation_eur == 40
    assert claim.interest == 259  # 1 000,00 × 15,75 % × 6 / 365 = 2,59: interest still shown


def test_waivers():
    data = ClaimInput(
        principal=2_000_000, currency="PLN", due_date=date(2025, 6, 20), waive_interest=True, waive_compensation=True
    )
    claim = claim_for(data, day=date(2025, 7, 10), tables=TABLES)
    assert (claim.interest, claim.compensation, claim.total) == (0, 0, 2_000_000)
    assert claim.interest_waived
    assert claim.compensation_waived


def test_interest_note_runs_to_the_payment_day():
    # 20 000,00 due 20.06.2025 paid 10.07.2025: the same 20 days as above = 169,86, whatever the later day.
    data = ClaimInput(principal=2_000_000, currency="PLN", due_date=date(2025, 6, 20), paid_date=date(2025, 7, 10))
    assert interest_note_amount(data, tables=TABLES) == 16_986
    assert claim_for(data, day=date(2025, 12, 1), tables=TABLES).interest == 16_986
    on_time = ClaimInput(principal=2_000_000, currency="PLN", due_date=date(2025, 6, 20), paid_date=date(2025, 6, 20))
    assert interest_note_amount(on_time, tables=TABLES) == 0


def test_payment_before_the_due_date_lowers_the_principal():
    data = ClaimInput(
        principal=1_000_000,
        currency="PLN",
        due_date=date(2024, 3, 30),
        payments=((date(2024, 3, 25), 500_000),),
    )
    # 5 000,00 × 15,75 % × 28 / 365 = 60,41
    assert claim_for(data, day=date(2024, 4, 30), tables=TABLES).interest == 6_041
