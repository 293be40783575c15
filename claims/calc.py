"""Pure claim arithmetic: interest for delay and the recovery-cost compensation (no database, no Django models).

The rules (issue 12, the Act of 8 March 2013 and the Civil Code):

* interest runs from the day after the due date, moved by art. 115 of the Civil Code off a
  Saturday, a Sunday or a public holiday to the next business day;
* it is simple, day by day on the amount left to pay that day, on a 365-day year (also in leap
  years), with the rate in force that day; each day counts once, the day of a payment included
  (a payment lowers the balance from the next day: "do dnia zapłaty");
* business debtors: the commercial-transactions rate of the half-year (public medical entities:
  their own rate); consumers: the statutory rate for delay;
* business debtors also owe 40 / 70 / 100 EUR per invoice by the gross amount in PLN (up to
  5,000.00 PLN / above 5,000.00 and below 50,000.00 / from 50,000.00), converted at the NBP mean
  EUR rate of the last business day of the month before the month of the (invoice's own) due
  date; consumers owe none;
* foreign-currency invoices: interest in their currency; the gross amount is converted to PLN
  at that currency's NBP rate of the same day for the thresholds, and the compensation goes
  EUR → PLN → the invoice currency at those same rates (an EUR invoice: exactly 40/70/100 EUR).

A day with no rate gives no amount (`None`, "stawka do uzupełnienia"); a missing exchange rate
gives no compensation (`None`, "kurs EUR do uzupełnienia"). Never a zero in their place.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import holidays

DAYS_IN_YEAR = 365

BUSINESS = "business"
MEDICAL = "medical"  # a public entity that is a medical entity (business rules, its own rate)
CONSUMER = "consumer"

# Gross PLN grosze edges of the compensation (art. 10 ust. 1 of the Act of 8 March 2013).
COMPENSATION_LOW_EDGE = 500_000  # up to and including 5,000.00 PLN: 40 EUR
COMPENSATION_HIGH_EDGE = 5_000_000  # from 50,000.00 PLN: 100 EUR; in between: 70 EUR


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Poland(years=year).keys())


def is_working_day(day: date) -> bool:
    """Not a Saturday, not a Sunday, not a Polish public holiday."""
    return day.weekday() < 5 and day not in _holidays(day.year)


@lru_cache(maxsize=4096)
def moved_due_date(due_date: date) -> date:
    """Art. 115 of the Civil Code: a term ending on a Saturday or a day off moves to the next working day."""
    day = due_date
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_month(day: date) -> date:
    """First day of the month before `day`'s month."""
    first = day.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero (both non-negative here)."""
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class Period:
    """A rate in force from `start` to `end` inclusive (`end` None: until further notice)."""

    start: date
    end: date | None
    bp: int

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class FxRate:
    rate: Decimal  # PLN for one unit of the currency
    effective_date: date


@dataclass
class RateTables:
    commercial: list[Period] = field(default_factory=list)
    medical: list[Period] = field(default_factory=list)
    statutory: list[Period] = field(default_factory=list)
    # (currency, first day of month) -> the last NBP table-A rate published in that month
    fx: dict[tuple[str, date], FxRate] = field(default_factory=dict)

    def periods_for(self, debtor: str) -> list[Period]:
        if debtor == CONSUMER:
            return self.statutory
        if debtor == MEDICAL:
            return self.medical
        return self.commercial


@dataclass(frozen=True)
class ClaimInput:
    principal: int  # gross, in minor units of `currency`
    currency: str
    due_date: date | None
    debtor: str = BUSINESS
    # Payments made after the due date: (day, amount); earlier payments are not listed, they only lower `principal`.
    payments: tuple[tuple[date, int], ...] = ()
    paid_date: date | None = None  # the day the invoice was paid in full
    waive_interest: bool = False
    waive_compensation: bool = False


@dataclass(frozen=True)
class Claim:
    left_to_pay: int
    interest: int | None  # None: a rate is missing for part of the period
    compensation: int | None  # case currency; None: an exchange rate is missing
    compensation_pln: int | None
    compensation_eur: int  # 0, 40, 70 or 100
    eur_rate: Decimal | None = None
    eur_rate_date: date | None = None
    interest_from: date | None = None
    interest_to: date | None = None
    missing_rate: bool = False
    missing_fx: str = ""  # the currency whose rate is missing ("EUR")
    interest_waived: bool = False
    compensation_waived: bool = False

    @property
    def total(self) -> int | None:
        """Left to pay + interest + compensation; None when a part cannot be computed."""
        if self.interest is None or self.compensation is None:
            return None
        return self.left_to_pay + self.interest + self.compensation

    @property
    def is_complete(self) -> bool:
        return self.total is not None


def interest_amount(
    *,
    principal: int,
    start: date,
    end: date,
    periods: list[Period],
    payments: tuple[tuple[date, int], ...] = (),
) -> int | None:
    """Interest for the days `start`..`end` inclusive on `principal` less the payments made before each day.

    None when a day of the range has no rate.
    """
    if end < start or principal <= 0:
        return 0
    # Balance changes the day after each payment.
    changes: dict[date, int] = {}
    for day, amount in payments:
        if amount:
            changes[day + timedelta(days=1)] = changes.get(day + timedelta(days=1), 0) + amount
    balance = principal - sum(amount for day, amount in changes.items() if day <= start)
    boundaries = {d for d in changes if start < d <= end}
    relevant = [p for p in periods if p.start <= end and (p.end is None or p.end >= start)]
    for p in relevant:
        if start < p.start <= end:
            boundaries.add(p.start)
        if p.end is not None and start <= p.end < end:
            boundaries.add(p.end + timedelta(days=1))
    edges = [start, *sorted(boundaries), end + timedelta(days=1)]
    numerator = 0
    for seg_start, seg_next in itertools.pairwise(edges):
        if seg_start != start and seg_start in changes:
            balance -= changes[seg_start]
        rate = next((p.bp for p in relevant if p.covers(seg_start)), None)
        if rate is None:
            return None
        days = (seg_next - seg_start).days
        numerator += days * max(balance, 0) * rate
    return round_half_up(numerator, DAYS_IN_YEAR * 10_000)


def compensation_eur_for(gross_pln: int) -> int:
    """40, 70 or 100 (EUR) by the gross amount in PLN grosze."""
    if gross_pln <= COMPENSATION_LOW_EDGE:
        return 40
    if gross_pln < COMPENSATION_HIGH_EDGE:
        return 70
    return 100


def _to_minor(amount: Decimal) -> int:
    return int(amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@lru_cache(maxsize=4096)
def _euros_to_pln(euros: int, rate: Decimal) -> int:
    """40/70/100 EUR at `rate`, in grosze (the same few pairs recur across thousands of cases)."""
    return _to_minor(Decimal(euros * 100) * rate)


def claim_for(data: ClaimInput, *, day: date, tables: RateTables) -> Claim:
    """What the creditor may claim for one invoice as of `day` (interest counted up to `day` inclusive)."""
    paid_total = sum(amount for _d, amount in data.payments)
    left = 0 if data.paid_date else max(data.principal - paid_total, 0)
    if data.due_date is None:
        return Claim(left_to_pay=left, interest=0, compensation=0, compensation_pln=0, compensation_eur=0)
    moved = moved_due_date(data.due_date)
    start = moved + timedelta(days=1)
    end = day
    if data.paid_date is not None:
        end = min(end, data.paid_date)
    late = end >= start
    if not late:
        return Claim(left_to_pay=left, interest=0, compensation=0, compensation_pln=0, compensation_eur=0)

    # Payments on or before the (moved) due date lower the principal; a final payment
    # on `paid_date` settles the rest.
    principal = data.principal - sum(a for d, a in data.payments if d <= moved)
    later = tuple((d, a) for d, a in data.payments if d > moved)
    interest: int | None
    if data.waive_interest:
        interest = 0
    else:
        interest = interest_amount(
            principal=principal, start=start, end=end, periods=tables.periods_for(data.debtor), payments=later
        )

    if data.debtor == CONSUMER:
        return Claim(
            left_to_pay=left,
            interest=interest,
            compensation=0,
            compensation_pln=0,
            compensation_eur=0,
            interest_from=start,
            interest_to=end,
            missing_rate=interest is None,
            interest_waived=data.waive_interest,
        )

    month = previous_month(data.due_date)
    eur = tables.fx.get(("EUR", month))
    own = eur if data.currency == "EUR" else tables.fx.get((data.currency, month))
    common = {
        "left_to_pay": left,
        "interest": interest,
        "interest_from": start,
        "interest_to": end,
        "missing_rate": interest is None,
        "interest_waived": data.waive_interest,
        "eur_rate": eur.rate if eur else None,
        "eur_rate_date": eur.effective_date if eur else None,
    }
    if data.waive_compensation:
        return Claim(**common, compensation=0, compensation_pln=0, compensation_eur=0, compensation_waived=True)
    if data.currency == "PLN":
        gross_pln = data.principal
    elif own is not None:
        gross_pln = _to_minor(Decimal(data.principal) * own.rate)
    else:
        return Claim(**common, compensation=None, compensation_pln=None, compensation_eur=0, missing_fx=data.currency)
    euros = compensation_eur_for(gross_pln)
    if eur is None:
        return Claim(**common, compensation=None, compensation_pln=None, compensation_eur=euros, missing_fx="EUR")
    comp_pln = _euros_to_pln(euros, eur.rate)
    if data.currency == "PLN":
        comp = comp_pln
    elif data.currency == "EUR":
        comp = euros * 100
    else:
        comp = _to_minor(Decimal(comp_pln) / own.rate)
    return Claim(**common, compensation=comp, compensation_pln=comp_pln, compensation_eur=euros)


def interest_note_amount(data: ClaimInput, *, tables: RateTables) -> int | None:
    """Interest for an invoice paid late: from the day after the moved due date to the payment day."""
    if data.paid_date is None or data.due_date is None:
        return 0
    claim = claim_for(data, day=data.paid_date, tables=tables)
    return claim.interest
