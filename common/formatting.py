"""Display formats for the staff UI: money from integer grosze, dates as 31.12.2026.

Business formats do not depend on the UI language: an invoice for 1 234,56 zł due
31.12.2026 reads the same in the English UI.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from .calendar import WARSAW

CURRENCY_SYMBOLS = {"PLN": "zł"}


def money_amount(grosze: int | None) -> str:
    """1234567 -> "12 345,67" (plain spaces as thousands separators, comma decimal)."""
    if grosze is None:
        return ""
    sign = "-" if grosze < 0 else ""
    whole, cents = divmod(abs(int(grosze)), 100)
    return f"{sign}{whole:,}".replace(",", " ") + f",{cents:02d}"


def format_money(grosze: int | None, currency: str = "PLN") -> str:
    """123456, "PLN" -> "1 234,56 zł"; other currencies keep their code: "1 234,56 EUR"."""
    if grosze is None:
        return ""
    return f"{money_amount(grosze)} {CURRENCY_SYMBOLS.get(currency or 'PLN', currency)}"


def money_decimal(grosze: int | None) -> Decimal | None:
    """Grosze as a Decimal of the main unit, for exports (123456 -> Decimal("1234.56"))."""
    if grosze is None:
        return None
    return Decimal(int(grosze)) / 100


def warsaw_date(value: datetime) -> date:
    """The calendar day of a moment in Warsaw (naive datetimes are taken as they are)."""
    return value.astimezone(WARSAW).date() if value.tzinfo else value.date()


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = warsaw_date(value)
    return f"{value:%d.%m.%Y}"


def format_datetime(value: datetime | None) -> str:
    """Aware datetimes in Warsaw time: "31.12.2026 14:05"."""
    if value is None:
        return ""
    if value.tzinfo:
        value = value.astimezone(WARSAW)
    return f"{value:%d.%m.%Y %H:%M}"
