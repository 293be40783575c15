"""Reads of the rate tables, as the plain data the calculations take (`claims.calc`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .calc import FxRate, Period, RateTables
from .models import CommercialRate, ExchangeRate, StatutoryRate


def rate_tables(*, fx_keys: Iterable[tuple[str, date]] = ()) -> RateTables:
    """The commercial and statutory tables (a few dozen rows each) and the exchange rates asked for: 3 queries."""
    commercial = list(
        CommercialRate.objects.order_by("valid_from").values_list(
            "valid_from", "valid_to", "rate_bp", "medical_rate_bp"
        )
    )
    tables = RateTables(
        commercial=[Period(start, end, bp) for start, end, bp, _m in commercial],
        medical=[Period(start, end, medical) for start, end, _bp, medical in commercial],
        statutory=[
            Period(start, end, bp)
            for start, end, bp in StatutoryRate.objects.order_by("valid_from").values_list(
                "valid_from", "valid_to", "rate_bp"
            )
        ],
    )
    keys = set(fx_keys)
    if keys:
        currencies = {currency for currency, _month in keys}
        months = {month for _currency, month in keys}
        rows = ExchangeRate.objects.filter(currency__in=currencies, month__in=months).values_list(
            "currency", "month", "rate", "effective_date"
        )
        tables.fx = {(c, m): FxRate(rate, effective) for c, m, rate, effective in rows if (c, m) in keys}
    return tables
