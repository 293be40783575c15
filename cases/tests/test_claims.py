"""Claims on cases (issue 12): the page, the list, the admin, the exports, waivers, consumers, payments.

The clock is fixed on Monday 30.11.2026 (Warsaw). The seeded official rates end before the second
half of 2026, so tests that need a rate for "today" enter it as staff would, in the admin tables.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import responses
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as DjangoClient
from django.urls import reverse

from cases.claim_selectors import CLAIM_FIELDS, KIND, case_claims, case_is_consumer, row_is_consumer
from cases.models import Case, CaseEvent, Client, Invoice
from claims.models import CommercialRate, ExchangeRate

from .conftest import make_case

WARSAW = ZoneInfo("Europe/Warsaw")
TODAY = date(2026, 11, 30)
CHANGELIST = reverse("admin:cases_case_changelist")


@pytest.fixture
def fixed_today():
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=False):
        yield TODAY


@pytest.fixture
def rates_for_today(db):
    """A staff member enters the 2026 H2 commercial rate and the EUR rate of October 2026 (example values)."""
    CommercialRate.objects.create(
        valid_from=date(2026, 7, 1), valid_to=date(2026, 12, 31), rate_bp=1375, medical_rate_bp=1175, source="test"
    )
    ExchangeRate.objects.create(
        currency="EUR", month=date(2026, 10, 1), effective_date=date(2026, 10, 30), rate=Decimal("4.2500")
    )


def test_case_page_says_what_is_missing_rather_than_a_zero(staff_client, stages, kowalski, fixed_today):
    case = make_case(client=kowalski, gross=123456, days_past_due=10)
    html = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "stawka do uzupełnienia" in html
    assert "kurs EUR do uzupełnienia" in html


def test_case_page_shows_interest_compensation_and_total(staff_client, stages, kowalski, fixed_today, rates_for_today):
    # Due Fri 20.11.2026; 10 days (21–30.11) × 1 234,56 × 13,75 % / 365 = 4,65;
    # 1 234,56 PLN → 40 EUR × 4,2500 = 170,00; total 1 234,56 + 4,65 + 170,00 = 1 409,21.
    case = make_case(client=kowalski, gross=123456, days_past_due=10)
    html = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "4,65 zł" in html
    assert "170,00 zł" in html
    assert "40 EUR × 4,2500 (30.10.2026)" in html
    assert "1 409,21 zł" in html


def test_a_consumer_owes_statutory_interest_only(staff_client, stages, fixed_today, rates_for_today):
    person = Client.objects.create(
        infakt_id=777, first_name="Jan", last_name="Konsument", business_activity_kind="private_person"
    )
    case = make_case(client=person, gross=123456, days_past_due=10)
    claim = case_claims(cases=[Case.objects.select_related("invoice__client").get(pk=case.pk)], day=TODAY)[case.pk]
    assert claim.compensation == 0
    assert claim.interest is None  # the statutory table was not extended past March 2026: no amount, no zero
    html = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Konsument: tylko odsetki ustawowe" in html
    assert "Rekompensata za koszty" not in html


@pytest.mark.parametrize(
    ("invoice_kind", "invoice_nip", "client_kind", "client_nip", "consumer"),
    [
        ("private_person", "", "other_business", "5261040828", True),  # the invoice's snapshot wins
        ("self_employed", "", "private_person", "", False),
        ("other_business", "", "", "", False),
        ("", "", "private_person", "5261040828", True),  # then the client's kind
        ("", "", "self_employed", "", False),
        ("", "", "", "5261040828", False),  # then a NIP means a business
        ("", "5261040828", "", "", False),  # the NIP on the invoice counts too
        ("", "", "", "", True),
        (None, None, None, None, True),  # no client record at all
    ],
)
def test_one_consumer_rule_for_the_letters_and_the_claims(
    db, invoice_kind, invoice_nip, client_kind, client_nip, consumer
):
    """`Invoice.buyer_is_consumer` (the letters' wording) and the claims (consumer: statutory interest,
    no compensation) read the same rule, from the same invoice."""
    client = None
    if client_kind is not None:
        client = Client.objects.create(
            infakt_id=4242, company_name="Nabywca", business_activity_kind=client_kind, nip=client_nip
        )  # nip_normalized is left empty, as for a client the sync has not normalised
    raw = {}
    if invoice_kind:
        raw["client_business_activity_kind"] = invoice_kind
    if invoice_nip:
        raw["client_tax_code"] = invoice_nip
    case = make_case(client=client, gross=123456, days_past_due=10)
    Invoice.objects.filter(pk=case.invoice_id).update(raw=raw)
    case = Case.objects.select_related("invoice__client").get(pk=case.pk)

    assert case.invoice.buyer_is_consumer is consumer
    assert case_is_consumer(case) is consumer
    row = Case.objects.filter(pk=case.pk).values(*CLAIM_FIELDS).get()
    assert (
        row_is_consumer(row, invoice_kind=row[KIND] or "", invoice_tax_code=row["invoice__raw__client_tax_code"] or "")
        is consumer
    )


def test_payment_events_lower_the_amount_day_by_day(db, stages, kowalski):
    # 5 000,00 due Mon 30.09.2024, 2 000,00 seen paid on 15.10.2024, claim as of 31.10.2024:
    # 15 days on 5 000,00 + 16 days on 3 000,00 at the seeded 15,75 % = 53,08 (see claims/tests/test_calc.py).
    with time_machine.travel(datetime(2024, 10, 31, 12, 0, tzinfo=WARSAW), tick=False):
        case = make_case(client=kowalski, gross=500_000, left_to_pay=300_000, days_past_due=31)
    assert case.invoice.due_date == date(2024, 9, 30)
    CaseEvent.objects.create(
        case=case,
        at=datetime(2024, 10, 15, 7, 0, tzinfo=WARSAW),
        kind=CaseEvent.Kind.PAYMENT,
        message="Wpłata",
        data={"paid_before": 0, "paid": 200_000, "left_to_pay": 300_000},
    )
    ExchangeRate.objects.create(
        currency="EUR", month=date(2024, 8, 1), effective_date=date(2024, 8, 30), rate=Decimal("4.2846")
    )
    case = Case.objects.select_related("invoice__client").get(pk=case.pk)
    claim = case_claims(cases=[case], day=date(2024, 10, 31))[case.pk]
    assert (claim.left_to_pay, claim.interest, claim.compensation) == (300_000, 5_308, 17_138)


def test_claims_of_a_page_take_a_constant_number_of_queries(
    db, stages, kowalski, django_assert_max_num_queries, fixed_today
):
    few = [make_case(client=kowalski, days_past_due=i) for i in range(3)]
    many = few + [make_case(client=kowalski, days_past_due=i) for i in range(40)]
    load = lambda cases: list(Case.objects.select_related("invoice__client").filter(pk__in=[c.pk for c in cases]))  # noqa: E731
    few, many = load(few), load(many)
    with django_assert_max_num_queries(5) as captured:
        case_claims(cases=few, day=TODAY)
    with django_assert_max_num_queries(len(captured.captured_queries)):
        case_claims(cases=many, day=TODAY)


def test_active_list_shows_the_claim_column(staff_client, stages, kowalski, fixed_today, rates_for_today):
    make_case(client=kowalski, gross=123456, days_past_due=10)
    html = staff_client.get(reverse("cases:active")).content.decode()
    assert "1 409,21 zł" in html


def test_staff_waive_the_compensation_with_a_reason_logged(
    staff_client, stages, kowalski, fixed_today, rates_for_today
):
    case = make_case(client=kowalski, gross=123456, days_past_due=10)
    refused = staff_client.post(
        CHANGELIST,
        {"action": "waive_claims", "_selected_action": [case.pk], "index": 0, "apply": "1", "waive_compensation": "on"},
    )
    assert "Podaj powód" in refused.content.decode()
    staff_client.post(
        CHANGELIST,
        {
            "action": "waive_claims",
            "_selected_action": [case.pk],
            "index": 0,
            "apply": "1",
            "waive_compensation": "on",
            "reason": "stały klient, ugoda",
        },
    )
    case.refresh_from_db()
    assert case.waive_compensation
    assert not case.waive_interest
    event = case.events.get(kind=CaseEvent.Kind.CLAIM)
    assert "bez rekompensaty" in event.message
    assert "stały klient, ugoda" in event.message
    html = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "1 239,21 zł" in html  # 1 234,56 + 4,65, no compensation


def test_managers_cannot_waive(manager_client, stages, kowalski, fixed_today):
    case = make_case(client=kowalski)
    response = manager_client.post(
        CHANGELIST,
        {"action": "waive_claims", "_selected_action": [case.pk], "index": 0, "apply": "1", "reason": "x"},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert not case.waive_compensation


def test_export_cases_json_has_the_claim_keys(db, stages, kowalski, fixed_today, rates_for_today):
    make_case(client=kowalski, number="FV/DUE", gross=123456, days_past_due=10)
    make_case(client=kowalski, number="FV/NOTDUE", gross=123456, days_past_due=-3)
    person = Client.objects.create(infakt_id=778, last_name="Konsument", business_activity_kind="private_person")
    make_case(client=person, number="FV/CONSUMER", gross=123456, days_past_due=-1)
    out = StringIO()
    call_command("export_cases", "--format", "json", "--status", "active", stdout=out)
    rows = {row["invoice_number"]: row for row in json.loads(out.getvalue())}
    assert (rows["FV/DUE"]["interest"], rows["FV/DUE"]["compensation"], rows["FV/DUE"]["claim_total"]) == (
        465,
        17_000,
        140_921,
    )
    assert (rows["FV/NOTDUE"]["interest"], rows["FV/NOTDUE"]["compensation"]) == (0, 0)
    assert rows["FV/CONSUMER"]["compensation"] == 0


def test_admin_list_has_a_claim_column_sorted_by_the_stored_total(
    staff_client, stages, kowalski, fixed_today, rates_for_today
):
    small = make_case(client=kowalski, number="FV/SMALL", gross=10_000, days_past_due=10)
    big = make_case(client=kowalski, number="FV/BIG", gross=900_000, days_past_due=10)
    call_command("refresh_claims", "--no-fetch", stdout=StringIO())
    small.refresh_from_db()
    big.refresh_from_db()
    assert small.claim_as_of == TODAY
    assert small.claim_total < big.claim_total
    from django.contrib import admin as django_admin

    from cases.models import Case as CaseModel

    column = django_admin.site._registry[CaseModel].list_display.index("claim_column") + 1
    html = staff_client.get(CHANGELIST, {"o": f"-{column}"}).content.decode()
    assert "1 409,21" not in html
    assert html.index("FV/BIG") < html.index("FV/SMALL")
    assert "roszczenie" in html.lower()
    html = staff_client.get(CHANGELIST, {"o": f"{column}"}).content.decode()
    assert html.index("FV/SMALL") < html.index("FV/BIG")


def test_public_medical_entity_switch_by_staff_only(staff_client, manager_user, stages, kowalski, fixed_today):
    case = make_case(client=kowalski)
    url = reverse("admin:cases_client_changelist")
    manager = DjangoClient()
    manager.force_login(manager_user)
    data = {"action": "mark_public_medical", "_selected_action": [kowalski.pk], "index": 0}
    assert manager.post(url, data).status_code == 403
    kowalski.refresh_from_db()
    assert not kowalski.is_public_medical_entity
    staff_client.post(url, data)
    kowalski.refresh_from_db()
    assert kowalski.is_public_medical_entity
    assert case.events.filter(kind=CaseEvent.Kind.CLAIM, message__contains="podmiot leczniczy").exists()


def test_before_the_due_date_there_is_no_claim(db, stages, kowalski, fixed_today):
    case = make_case(client=kowalski, gross=123456, days_past_due=-2)
    case = Case.objects.select_related("invoice__client").get(pk=case.pk)
    claim = case_claims(cases=[case], day=TODAY)[case.pk]
    assert (claim.interest, claim.compensation, claim.total) == (0, 0, 123456)


@responses.activate
def test_refresh_claims_fetches_the_missing_eur_rate_once_and_stores_the_totals(
    db, stages, kowalski, fixed_today, settings
):
    settings.NBP_API_URL = "https://nbp.test/api"
    CommercialRate.objects.create(
        valid_from=date(2026, 7, 1), valid_to=date(2026, 12, 31), rate_bp=1375, medical_rate_bp=1175, source="test"
    )
    october = responses.get(
        "https://nbp.test/api/exchangerates/rates/a/eur/2026-10-01/2026-10-31/",
        json={"rates": [{"no": "211/A/NBP/2026", "effectiveDate": "2026-10-30", "mid": 4.25}]},
    )
    case = make_case(client=kowalski, gross=123456, days_past_due=10)  # due 20.11: the October rate
    out = StringIO()
    call_command("refresh_claims", stdout=out)
    assert "1 fetched" in out.getvalue()
    case.refresh_from_db()
    assert (case.claim_total, case.claim_as_of) == (140_921, TODAY)
    call_command("refresh_claims", stdout=StringIO())
    assert october.call_count == 1  # stored: never asked again


def test_the_demo_gets_labelled_example_rates_and_real_claims_only_on_the_simulator(
    db, stages, kowalski, fixed_today, settings
):
    case = make_case(client=kowalski, gross=123456, days_past_due=10)
    settings.INFAKT_API_KEY = "a-real-key"
    with pytest.raises(CommandError, match="simulator"):
        call_command("enter_demo_rates", stdout=StringIO())
    assert not CommercialRate.objects.filter(valid_from=date(2026, 7, 1)).exists()

    settings.INFAKT_API_KEY = "demo"
    call_command("enter_demo_rates", stdout=StringIO())

    assert "DEMO" in CommercialRate.objects.get(valid_from=date(2026, 7, 1)).source
    assert "DEMO" in ExchangeRate.objects.get(currency="EUR", month=date(2026, 10, 1)).source
    case.refresh_from_db()
    assert case.claim_interest > 0
    assert case.claim_compensation == 17_000  # 40 EUR at the demo 4,2500
    assert case.claim_as_of == TODAY
