"""NBP table-A client: the mean rate of the last business day of a month, fetched once and stored.

Base address: the `NBP_API_URL` setting (default https://api.nbp.pl/api). One GET per month and
currency, ever: a stored row (fetched or entered by hand in the admin) is never asked for again.
When NBP cannot be reached the month stays missing: claims read "kurs EUR do uzupełnienia".
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import requests
from django.conf import settings

from .models import ExchangeRate

log = logging.getLogger("invoicetracker.claims")


class NbpUnavailable(Exception):
    """NBP did not answer with a usable rate (network, HTTP error, no table in the month, bad data)."""


@dataclass(frozen=True)
class FetchReport:
    fetched: list[tuple[str, date]]
    failed: list[tuple[str, date, str]]
    already: int


def _month_url(currency: str, month: date) -> str:
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return f"{settings.NBP_API_URL}/exchangerates/rates/a/{currency.lower()}/{month:%Y-%m-%d}/{last:%Y-%m-%d}/"


def fetch_month_rate(*, currency: str, month: date, session: requests.Session | None = None) -> ExchangeRate:
    """GET the month's table-A rates and store the last one as the month's row (idempotent)."""
    month = month.replace(day=1)
    url = _month_url(currency, month)
    try:
        response = (session or requests).get(
            url, params={"format": "json"}, headers={"Accept": "application/json"}, timeout=settings.NBP_TIMEOUT
        )
    except requests.RequestException as exc:
        raise NbpUnavailable(f"{url}: {exc.__class__.__name__}") from exc
    if response.status_code == 404:
        raise NbpUnavailable(f"{url}: no table A in {month:%Y-%m}")
    if response.status_code != 200:
        raise NbpUnavailable(f"{url}: HTTP {response.status_code}")
    try:
        rates = response.json()["rates"]
        last = max(rates, key=lambda row: row["effectiveDate"])
        effective = date.fromisoformat(last["effectiveDate"])
        mid = Decimal(str(last["mid"]))
        table_no = str(last.get("no", ""))
    except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise NbpUnavailable(f"{url}: unexpected answer ({exc.__class__.__name__})") from exc
    if mid <= 0 or (effective.year, effective.month) != (month.year, month.month):
        raise NbpUnavailable(f"{url}: unexpected rate {mid} of {effective}")
    row, _created = ExchangeRate.objects.update_or_create(
        currency=currency.upper(),
        month=month,
        defaults={
            "effective_date": effective,
            "rate": mid,
            "table_no": table_no,
            "origin": ExchangeRate.Origin.NBP_API,
            "source": f"NBP, tabela A nr {table_no} z {effective:%d.%m.%Y}",
        },
    )
    return row


def exchange_rates_fetch_missing(*, keys: Iterable[tuple[str, date]], today: date) -> FetchReport:
    """Fetch the (currency, month) rates not stored yet, for months already over on `today`.

    A month still running has no final "last business day" rate: it is skipped until it ends.
    Errors are collected, never raised: the sync goes on and the cases say what is missing.
    """
    wanted = {(currency.upper(), month.replace(day=1)) for currency, month in keys}
    wanted = {(c, m) for c, m in wanted if c != "PLN" and m < today.replace(day=1)}
    stored = set()
    if wanted:
        stored = set(
            ExchangeRate.objects.filter(
                currency__in={c for c, _m in wanted}, month__in={m for _c, m in wanted}
            ).values_list("currency", "month")
        )
    fetched, failed = [], []
    with requests.Session() as session:
        for currency, month in sorted(wanted - stored, key=lambda key: (key[1], key[0])):
            try:
                fetch_month_rate(currency=currency, month=month, session=session)
            except NbpUnavailable as exc:
                log.warning("NBP rate %s %s not fetched: %s", currency, f"{month:%Y-%m}", exc)
                failed.append((currency, month, str(exc)))
            else:
                fetched.append((currency, month))
    return FetchReport(fetched=fetched, failed=failed, already=len(wanted & stored))


def eur_rates_fetch_missing(*, months: Iterable[date], today: date) -> FetchReport:
    """The EUR rates of the given months (first days) not stored yet."""
    return exchange_rates_fetch_missing(keys=(("EUR", month) for month in months), today=today)
