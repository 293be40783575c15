"""The formal demand PDF: what it says (text read back with pypdf), in Polish and English, and its faults."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cases.models import CaseEvent, Client
from cases.tests.conftest import make_case
from claims.models import CommercialRate
from documents.pdf import DemandData, Party, RenderError, render_demand
from documents.services import DemandError, DemandIncomplete, demand_data_for_cases, demand_pdf_for_cases

from .conftest import TODAY


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    # Lines wrap inside table cells and columns: compare with runs of whitespace collapsed.
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def test_the_demand_for_three_invoices_states_the_whole_claim_in_polish(three_invoices):
    text = pdf_text(demand_pdf_for_cases(cases=three_invoices, day=TODAY))
    for expected in (
        "PRZEDSĄDOWE WEZWANIE DO ZAPŁATY",
        "Zakład Usług Księgowych „Żuraw” Sp. z o.o.",  # creditor, Polish letters round-trip
        "NIP: 7250000000",
        "Przedsiębiorstwo „Żółw” Grzegorz Brzęczyszczykiewicz",  # debtor
        "ul. Łąkowa 12, 00-950 Kraków",
        "NIP: 5261040828",
        "Łódź, 30.11.2026",  # place and date
        "07.12.2026",  # deadline: 7 days, a Monday
        "FV/101/2026",
        "FV/77/2026",
        "FV/41/2026",
        # 1 234,56 due 20.11: 10 days at 13,75 % = 4,65; 40 EUR × 4,2500 = 170,00
        "4,65 zł",
        "170,00 zł",
        # 6 000,00 due 21.10: 40 days = 90,41; 70 EUR × 4,2550 = 297,85
        "90,41 zł",
        "297,85 zł",
        # 55 000,00 due 16.09: 75 days = 1 553,94; 100 EUR × 4,2600 = 426,00
        "1 553,94 zł",
        "426,00 zł",
        # 62 234,56 + 1 649,00 + 893,85
        "Razem 62 234,56 zł 1 649,00 zł 893,85 zł",
        "Razem do zapłaty: 64 777,41 zł",
        "PL61 1090 1014 0000 0712 1981 2874",
    ):
        assert expected in text, expected


def test_english_for_clients_whose_letters_are_in_english(three_invoices, zolw):
    Client.objects.filter(pk=zolw.pk).update(language="en")
    text = pdf_text(demand_pdf_for_cases(cases=three_invoices, day=TODAY))
    assert "PRE-TRIAL DEMAND FOR PAYMENT" in text
    assert "Total due: 64 777,41 zł" in text
    assert "Przedsiębiorstwo „Żółw”" in text


def test_a_consumer_demand_has_no_compensation(fixed_today, rates_for_today):
    person = Client.objects.create(
        infakt_id=99, first_name="Łucja", last_name="Ćwikła", business_activity_kind="private_person"
    )
    case = make_case(client=person, number="FV/K/1", gross=50_000, days_past_due=10)
    data = demand_data_for_cases(cases=[case], day=TODAY)
    assert data.consumer
    assert data.lines[0].compensation == 0
    text = pdf_text(demand_pdf_for_cases(cases=[case], day=TODAY))
    assert "Rekompensata" not in text
    assert "art. 481" in text
    assert "Łucja Ćwikła" in text


def test_a_missing_rate_reads_do_uzupelnienia_never_zero(fixed_today, zolw):
    case = make_case(client=zolw, number="FV/NR", gross=123_456, days_past_due=10)
    text = pdf_text(demand_pdf_for_cases(cases=[case], day=TODAY))
    assert "stawka do uzupełnienia" in text
    assert "kurs EUR do uzupełnienia" in text
    assert "Razem do zapłaty: do uzupełnienia" in text
    with pytest.raises(DemandIncomplete):
        demand_pdf_for_cases(cases=[case], day=TODAY, require_complete=True)


def test_cases_of_two_clients_or_no_creditor_cannot_make_a_demand(three_invoices, kowalski, settings):
    other = make_case(client=kowalski, number="FV/OTHER", days_past_due=10)
    with pytest.raises(DemandError, match="one client"):
        demand_pdf_for_cases(cases=[*three_invoices, other], day=TODAY)
    settings.SELLER_NAME = ""
    with pytest.raises(DemandError, match="SELLER_NAME"):
        demand_pdf_for_cases(cases=three_invoices, day=TODAY)


def test_a_render_failure_is_a_clear_error():
    data = DemandData(
        creditor=Party("A"),
        debtor=Party("B"),
        place="",
        day=date(2026, 1, 1),
        deadline=date(2026, 1, 8),
        bank_account="",
        lines=[],
    )
    with pytest.raises(RenderError):
        render_demand(data)


def test_the_admin_action_returns_the_pdf_and_reports_failures_on_the_case(
    client, staff_user, three_invoices, kowalski
):
    client.force_login(staff_user)
    url = reverse("admin:cases_case_changelist")
    response = client.post(
        url, {"action": "generate_demand", "_selected_action": [c.pk for c in three_invoices], "index": 0}
    )
    assert response["Content-Type"] == "application/pdf"
    assert "FV/41/2026" in pdf_text(response.content)
    other = make_case(client=kowalski, number="FV/OTHER", days_past_due=10)
    response = client.post(
        url,
        {"action": "generate_demand", "_selected_action": [three_invoices[0].pk, other.pk], "index": 0},
        follow=True,
    )
    assert "Nie można przygotować wezwania" in response.content.decode()
    assert CaseEvent.objects.filter(case=other, message__contains="wezwania do zapłaty (PDF)").exists()


def test_managers_may_download_the_demand_but_not_act(client, manager_user, three_invoices):
    client.force_login(manager_user)
    response = client.get(reverse("documents:demand_pdf"), {"case": [c.pk for c in three_invoices], "lang": "pl"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "generate_demand", "_selected_action": [three_invoices[0].pk], "index": 0},
    )
    assert response.status_code == 403


@pytest.fixture
def kowalski(db):
    from cases.tests.conftest import make_client

    return make_client()


def test_rate_change_in_the_period_is_applied(fixed_today, rates_for_today, zolw):
    # 55 000,00 due 16.06.2026 (Tue): 14 days (17–30.06) at the seeded 14,00 % and 153 days (1.07–30.11) at
    # the entered 13,75 %: 55 000,00 × (14 × 0,14 + 153 × 0,1375) / 365 = 295,34 + 3 170,03 = 3 465,38.
    assert CommercialRate.objects.filter(valid_from=date(2026, 1, 1), rate_bp=1400).exists()
    case = make_case(client=zolw, number="FV/JUNE", gross=5_500_000, days_past_due=167)
    data = demand_data_for_cases(cases=[case], day=TODAY)
    assert data.lines[0].due_date == date(2026, 6, 16)
    assert data.lines[0].interest == 346_538
