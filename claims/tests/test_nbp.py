"""The NBP table-A client: one GET per month, stored; an unreachable NBP leaves the month missing (no network)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import requests
import responses
from django.test import override_settings

from claims.models import ExchangeRate
from claims.nbp import NbpUnavailable, eur_rates_fetch_missing, fetch_month_rate

BASE = "https://nbp.test/api"
FEBRUARY = f"{BASE}/exchangerates/rates/a/eur/2024-02-01/2024-02-29/"


def table(*rows):
    return {
        "table": "A",
        "currency": "euro",
        "code": "EUR",
        "rates": [{"no": no, "effectiveDate": day, "mid": mid} for no, day, mid in rows],
    }


@pytest.fixture(autouse=True)
def nbp_url():
    with override_settings(NBP_API_URL=BASE):
        yield


@responses.activate
def test_the_last_rate_of_the_month_is_stored_once(db):
    responses.get(
        FEBRUARY,
        json=table(("040/A/NBP/2024", "2024-02-27", 4.3300), ("042/A/NBP/2024", "2024-02-29", 4.3191)),
    )
    report = eur_rates_fetch_missing(months=[date(2024, 2, 1), date(2024, 2, 1)], today=date(2024, 3, 10))
    assert report.fetched == [("EUR", date(2024, 2, 1))]
    row = ExchangeRate.objects.get(currency="EUR", month=date(2024, 2, 1))
    assert (row.rate, row.effective_date, row.table_no) == (Decimal("4.3191"), date(2024, 2, 29), "042/A/NBP/2024")
    assert row.origin == ExchangeRate.Origin.NBP_API
    # Asked again: nothing fetched, no request made.
    again = eur_rates_fetch_missing(months=[date(2024, 2, 1)], today=date(2024, 3, 11))
    assert (again.fetched, again.already) == ([], 1)
    assert len(responses.calls) == 1
    assert responses.calls[0].request.url.startswith(FEBRUARY)


@responses.activate
def test_a_month_still_running_is_not_fetched(db):
    report = eur_rates_fetch_missing(months=[date(2024, 3, 1)], today=date(2024, 3, 10))
    assert report.fetched == report.failed == []
    assert len(responses.calls) == 0


@responses.activate
@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.ConnectionError("down")},
        {"status": 500, "body": "oops"},
        {"status": 404, "body": "404 NotFound - Not Found - Brak danych"},
        {"json": {"rates": []}},
        {"body": "not json"},
    ],
    ids=["unreachable", "server-error", "no-data", "empty", "garbage"],
)
def test_nbp_failures_leave_the_month_missing(db, answer):
    responses.get(FEBRUARY, **answer)
    report = eur_rates_fetch_missing(months=[date(2024, 2, 1)], today=date(2024, 3, 10))
    assert report.fetched == []
    assert len(report.failed) == 1
    assert not ExchangeRate.objects.exists()
    with pytest.raises(NbpUnavailable):
        fetch_month_rate(currency="EUR", month=date(2024, 2, 1))


@responses.activate
def test_a_rate_entered_by_hand_is_never_overwritten_by_a_fetch(db):
    ExchangeRate.objects.create(
        currency="EUR",
        month=date(2024, 2, 1),
        effective_date=date(2024, 2, 29),
        rate=Decimal("4.3191"),
        origin=ExchangeRate.Origin.MANUAL,
    )
    report = eur_rates_fetch_missing(months=[date(2024, 2, 1)], today=date(2024, 4, 1))
    assert report.already == 1
    assert len(responses.calls) == 0
