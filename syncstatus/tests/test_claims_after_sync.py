"""After the daily sync: the NBP rates the active cases need are fetched and the stored claims refreshed;
an NBP outage is recorded on the run and never fails the sync. InFakt and NBP answer through `responses`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import responses
from django.urls import reverse

from cases.claim_selectors import case_claims
from cases.models import Case
from claims.models import CommercialRate, ExchangeRate
from infakt.client import InfaktAPI
from infakt.tests import client_entity, invoice_entity
from syncstatus.models import SyncRun
from syncstatus.services import sync_run

from .test_sync_unit import BASE, OTHER_ENDPOINTS, envelope

NBP = "https://nbp.test/api"
OCTOBER = f"{NBP}/exchangerates/rates/a/eur/2026-10-01/2026-10-31/"
D = date(2026, 11, 25)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return InfaktAPI("test-key", BASE, sleep=lambda s: None, max_retries=2)


@pytest.fixture
def infakt(settings):
    """One unpaid 123,00 zł invoice due Sun 15.11.2026 (moved to Mon 16.11, art. 115 k.c.) of a business."""
    settings.NBP_API_URL = NBP
    settings.INITIAL_BACKFILL_DAYS = 30
    CommercialRate.objects.create(
        valid_from=date(2026, 7, 1), valid_to=date(2026, 12, 31), rate_bp=1375, medical_rate_bp=1175, source="test"
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(OTHER_ENDPOINTS, json=envelope([]))
        mock.get(f"{BASE}/invoices.json", json=envelope([invoice_entity(1, payment_date="2026-11-15")]))
        mock.get(f"{BASE}/clients.json", json=envelope([client_entity(7)]))
        mock.get(f"{BASE}/clients/7.json", json=client_entity(7))
        yield mock


def test_a_daily_sync_fetches_the_missing_eur_rate_and_stores_the_claims(api, infakt):
    october = infakt.get(
        OCTOBER, json={"rates": [{"no": "211/A/NBP/2026", "effectiveDate": "2026-10-30", "mid": 4.25}]}
    )

    run = sync_run(target_date=D, api=api)

    assert run.status == SyncRun.Status.SUCCESS
    assert run.claims_refresh["fetched"] == ["EUR 2026-10"]
    assert (run.claims_refresh["failed"], run.claims_refresh["refreshed"]) == ([], 1)
    assert ExchangeRate.objects.get(month=date(2026, 10, 1)).rate == Decimal("4.2500")
    case = Case.objects.select_related("invoice__client").get()
    # 40 EUR (123,00 zł is up to 5 000 zł) at 4,2500 = 170,00 zł; interest 17.11–25.11: 9 days at 13,75 %
    # on 123,00 zł = 0,417 zł -> 0,42 zł.
    assert (case.claim_interest, case.claim_compensation, case.claim_total, case.claim_as_of) == (
        42,
        17_000,
        12_300 + 42 + 17_000,
        D,
    )
    live = case_claims(cases=[case], day=D)[case.pk]
    assert (live.interest, live.compensation, live.total) == (42, 17_000, case.claim_total)

    sync_run(target_date=D, api=api)
    assert october.call_count == 1  # stored: never asked again


def test_an_nbp_outage_is_recorded_and_does_not_fail_the_sync(api, infakt, staff_client):
    infakt.get(OCTOBER, status=503)

    run = sync_run(target_date=D, api=api)

    assert run.status == SyncRun.Status.SUCCESS
    ((failed),) = run.claims_refresh["failed"]
    assert (failed["currency"], failed["month"]) == ("EUR", "2026-10")
    assert "503" in failed["error"]
    case = Case.objects.get()
    assert (case.claim_interest, case.claim_compensation, case.claim_total) == (42, None, None)
    html = staff_client.get(f"/cases/{case.pk}/").content.decode()
    assert "kurs EUR do uzupełnienia" in html
    page = staff_client.get(reverse("syncstatus:run", args=[run.pk])).content.decode()
    assert 'id="nbp-failed-list"' in page
    assert "EUR 2026-10" in page


def test_a_dry_run_stores_no_claim(api, infakt):
    run = sync_run(target_date=D, api=api, dry_run=True)

    assert run.claims_refresh == {}
    assert not Case.objects.exists()
