"""Screens a person looks at (Chromium): a case with its claims, the rates admin, the interest notes page.

Screenshots go to test-artifacts/screenshots/ (claims-*.png); the PDFs are rendered to PNG elsewhere.
"""

from __future__ import annotations

import importlib
from datetime import datetime

import pytest
import time_machine
from django.contrib.auth.models import User

from claims.models import CommercialRate
from tests.browser_support import PASSWORD, log_in

from .conftest import WARSAW, paid_late_case

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}, "locale": "pl-PL"}


def _seeded_rates() -> None:
    """The rates the claims migration seeds: a transactional test run earlier may have flushed them."""
    from django.apps import apps

    seed = importlib.import_module("claims.migrations.0002_h12_seed_rates").seed
    if not CommercialRate.objects.exists():
        seed(apps, None)


@pytest.fixture
def office(transactional_db, live_server):
    _seeded_rates()
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=True):
        User.objects.create_superuser("anna", email="", password=PASSWORD)
        yield


def test_a_case_shows_its_claim_and_the_rates_admin_warns(page, live_server, office, three_invoices, zolw, shot):
    case = three_invoices[2]
    paid_late_case(zolw, number="FV/9/2026")
    log_in(page, live_server, f"/cases/{case.pk}/")
    page.wait_for_load_state()
    claim = page.locator("#claim")
    assert "1 553,94 zł" in claim.inner_text()
    assert "426,00 zł" in claim.inner_text()
    assert "100 EUR × 4,2600 (28.08.2026)" in claim.inner_text()
    assert "56 979,94 zł" in claim.locator(".claim-total").inner_text()  # 55 000,00 + 1 553,94 + 426,00
    shot("claims-case")
    page.goto(f"{live_server.url}/admin/claims/referencerate/")
    assert "nie obejmuje dzisiejszej daty" in page.inner_text(".messagelist")
    shot("claims-rates-admin")
    page.goto(f"{live_server.url}/admin/claims/commercialrate/")
    assert "M.P. 2016 poz. 43" in page.inner_text("body")
    shot("claims-commercial-rates-admin")
    page.goto(f"{live_server.url}/documents/interest-notes/")
    assert "113,01 zł" in page.inner_text("table.candidates")
    page.click("table.candidates button")
    page.wait_for_load_state()
    assert "NO/1/2026" in page.inner_text("table.notes")
    shot("claims-interest-notes")
