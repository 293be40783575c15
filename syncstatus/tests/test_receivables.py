"""Every receivable kind and corrections, end to end over HTTP against the simulator.

The world holds the seeded documents of `infakt_simulator.demo.seed_receivables`: a correction to
zero, a partial credit, a positive correction, an advance and its final invoice, a margin and an
OSS invoice, a paid correction with the quirk of the official examples, a draft and a proforma.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent, Invoice, case_paused_q
from cases.services import case_confirm_amount
from infakt.client import InfaktAPI
from infakt_simulator.demo import seed_receivables
from infakt_simulator.testing import running_simulator
from infakt_simulator.world import World
from panel.health import health_alerts
from syncstatus.models import EndpointState, SyncRun

from .conftest import START, run_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


@pytest.fixture
def rworld() -> World:
    return World(today=START)


@pytest.fixture
def docs(rworld) -> dict[str, dict[str, Any]]:
    return seed_receivables(rworld)


@pytest.fixture
def rsim(rworld):
    with running_simulator(rworld) as running:
        yield running


@pytest.fixture
def rapi(rsim) -> InfaktAPI:
    return InfaktAPI(rsim.api_key, rsim.base_url, sleep=lambda seconds: None, max_retries=2)


def case_of(doc: dict[str, Any]) -> Case | None:
    return Case.objects.select_related("invoice").filter(invoice__infakt_id=doc["id"]).first()


def test_every_receivable_kind_opens_its_case_and_drafts_proformas_and_paid_ones_never(rapi, rworld, docs, stages):
    run = run_day(rapi, rworld)

    assert run.status == SyncRun.Status.SUCCESS, run.error
    for name, kind in [("final", "final"), ("advance_unpaid", "advance"), ("margin", "margin"), ("oss", "oss")]:
        case = case_of(docs[name])
        assert case is not None, name
        assert case.status == Case.Status.ACTIVE
        assert case.invoice.kind == kind
    assert case_of(docs["oss"]).invoice.currency == "EUR"
    for name in ("draft_margin", "proforma", "advance", "paid_vat", "paid_correction_quirk"):
        assert case_of(docs[name]) is None, name
    # The paid correction (status paid, paid_price 0, left_to_pay = gross) is stored, and never dunned.
    quirk = Invoice.objects.get(infakt_id=docs["paid_correction_quirk"]["id"])
    assert quirk.is_fully_paid
    assert quirk.corrected_invoice is None  # its original was paid: never stored here


def test_a_correction_to_zero_closes_the_case_as_corrected_with_the_amount_on_the_timeline(rapi, rworld, docs, stages):
    run_day(rapi, rworld)

    case = case_of(docs["corrected_to_zero"])
    assert case.status == Case.Status.CLOSED
    assert case.close_reason == Case.CloseReason.CORRECTED
    correction = Invoice.objects.get(infakt_id=docs["correction_to_zero"]["id"])
    assert correction.kind == Invoice.Kind.CORRECTION
    assert correction.gross == -docs["corrected_to_zero"]["gross_price"]
    assert correction.corrected_invoice == case.invoice
    event = case.events.get(kind=CaseEvent.Kind.CORRECTION)
    assert correction.number in event.message
    assert "-1 230,00" in event.message.replace("\xa0", " ").replace("−", "-")


def test_a_partial_credit_pauses_the_case_until_staff_confirm_the_amount(rapi, rworld, docs, stages, staff_user):
    run_day(rapi, rworld)

    case = case_of(docs["partly_credited"])
    assert case.status == Case.Status.ACTIVE
    assert case.paused_until is None
    assert case.pause_reason == Case.PauseReason.CORRECTION
    for day in (rworld.today, rworld.today + timedelta(days=400)):
        assert case.is_paused_on(day)  # no end date
        assert Case.objects.filter(pk=case.pk).filter(case_paused_q(day)).exists()
    assert case.paused_until_display == "do potwierdzenia"

    # Re-reading the same correction the next day does not pause again once confirmed.
    assert case_confirm_amount(case=case, user=staff_user, now=timezone.now())
    confirmed = case.events.get(kind=CaseEvent.Kind.CONFIRMED)
    assert confirmed.user == staff_user
    assert "2 460,00" in confirmed.message.replace("\xa0", " ")  # 3 075,00 gross less the 615,00 credit
    case.refresh_from_db()
    assert not case.is_paused_on(rworld.today)
    rworld.advance(1)
    run_day(rapi, rworld)
    case.refresh_from_db()
    assert not case.is_paused_on(rworld.today)


def test_a_positive_correction_is_dunned_as_its_own_case_and_pauses_the_original(rapi, rworld, docs, stages):
    run_day(rapi, rworld)
    original = case_of(docs["raised"])
    assert original.awaits_amount_review
    assert case_of(docs["positive_correction"]) is None  # due in 14 days: not in the window yet

    for _ in range(13):
        rworld.advance(1)
        run_day(rapi, rworld)
    own = case_of(docs["positive_correction"])
    assert own is not None
    assert own.status == Case.Status.ACTIVE
    assert own.invoice.left_to_pay == 24_600


def test_a_correction_of_an_unknown_invoice_is_recorded_shown_on_the_run_and_opens_nothing(
    rapi, rworld, stages, staff_client
):
    stranger = rworld.add_invoice(status="paid", payment_date=rworld.today - timedelta(days=200))
    correction = rworld.add_correction(stranger["uuid"], gross_change=-5_000)

    run = run_day(rapi, rworld)

    stored = Invoice.objects.get(infakt_id=correction["id"])
    assert stored.corrected_invoice is None
    assert not Case.objects.filter(invoice=stored).exists()
    assert run.unlinked_corrections == [
        {
            "id": correction["id"],
            "number": correction["number"],
            "corrected_invoice_number": stranger["number"],
            "gross": -5_000,
            "currency": "PLN",
        }
    ]
    page = staff_client.get(f"/sync/runs/{run.pk}/").content.decode()
    assert correction["number"] in page
    assert stranger["number"] in page


def test_a_correction_read_before_its_original_is_applied_when_the_case_opens(rapi, rworld, stages):
    later = rworld.add_invoice(payment_date=rworld.today + timedelta(days=10), net_price=100_000)
    rworld.add_correction(later["uuid"], gross_change=-later["gross_price"])

    run_day(rapi, rworld)
    assert case_of(later) is None  # not due soon: no case yet, the correction waits

    for _ in range(8):
        rworld.advance(1)
        run_day(rapi, rworld)
    case = case_of(later)
    assert case.status == Case.Status.CLOSED
    assert case.close_reason == Case.CloseReason.CORRECTED


def test_quiet_endpoints_are_probed_weekly_not_daily(rapi, rsim, rworld, stages):
    rworld.add_invoice(payment_date=rworld.today + timedelta(days=1))
    for day in range(9):
        if day:
            rworld.advance(1)
        run_day(rapi, rworld)
    lists = rsim.stats()["by_kind"]
    assert lists["invoice_list"] >= 9 * 3 - 2  # the daily plan on /invoices.json
    for endpoint in ("final_invoices", "advance_invoices", "margin_invoices", "oss_invoices", "corrective_invoices"):
        assert lists[f"{endpoint}_list"] == 2, endpoint  # day 0 and day 7
    assert EndpointState.objects.get(endpoint="margin_invoices").last_read_on == START + timedelta(days=7)


def test_an_endpoint_with_documents_is_read_daily(rapi, rsim, rworld, docs, stages):
    for day in range(3):
        if day:
            rworld.advance(1)
        run_day(rapi, rworld)
    lists = rsim.stats()["by_kind"]
    assert lists["margin_invoices_list"] >= 3  # active cases there: read every day


def test_an_overpaid_invoice_is_paid_with_a_note_never_skipped(rapi, rworld, stages):
    invoice = rworld.add_invoice(payment_date=rworld.today + timedelta(days=1), net_price=100_000)
    run_day(rapi, rworld)
    assert case_of(invoice).status == Case.Status.ACTIVE

    rworld.update_invoice(
        invoice["uuid"], status="paid", paid_price=invoice["gross_price"] + 10_000, left_to_pay=-10_000,
        paid_date=rworld.today.isoformat(),
    )  # fmt: skip
    rworld.advance(1)
    run = run_day(rapi, rworld)

    assert run.status == SyncRun.Status.SUCCESS
    assert run.records_skipped == 0
    case = case_of(invoice)
    assert case.close_reason == Case.CloseReason.PAID
    assert case.invoice.overpaid == 10_000
    assert "nadpłata 100,00" in case.events.get(kind=CaseEvent.Kind.CLOSED).message.replace("\xa0", " ")


def test_a_record_the_database_refuses_is_skipped_with_its_id_endpoint_and_reason(rapi, rworld, stages, staff_client):
    due = rworld.today + timedelta(days=1)
    # An amount no bigint column holds: the parser accepts the integer, PostgreSQL refuses the row.
    huge = rworld.add_invoice(
        payment_date=due, kind="final", raw_overrides={"gross_price": 10**20, "left_to_pay": 10**20}
    )
    good = rworld.add_invoice(payment_date=due, kind="final")
    vat = rworld.add_invoice(payment_date=due)

    run = run_day(rapi, rworld)

    assert run.status == SyncRun.Status.PARTIAL
    assert case_of(good) is not None
    assert case_of(vat) is not None
    assert case_of(huge) is None
    skipped = run.skipped_records.get()
    assert (skipped.record_id, skipped.endpoint) == (str(huge["id"]), "final_invoices")
    assert "DataError" in skipped.reason
    page = staff_client.get(f"/sync/runs/{run.pk}/").content.decode()
    assert "/final_invoices.json" in page
    assert "DataError" in page


def test_the_health_banner_counts_skipped_records_and_links_to_them(rapi, rworld, stages):
    rworld.add_invoice(payment_date=rworld.today + timedelta(days=1), raw_overrides={"gross_price": -100})
    run = run_day(rapi, rworld)

    assert run.status == SyncRun.Status.PARTIAL
    alert = next(a for a in health_alerts() if a.code == "sync_partial")
    assert alert.count == 1
    assert "1" in alert.message
    assert any(link.url.endswith(f"/sync/runs/{run.pk}/#skipped") for link in alert.links)


def test_staff_see_filter_and_export_the_kinds_and_confirm_a_review_in_the_admin(
    rapi, rworld, docs, stages, staff_client, capsys
):
    from django.core.management import call_command
    from django.urls import reverse

    run_day(rapi, rworld)

    margin_only = staff_client.get(reverse("cases:active"), {"kind": "margin"}).content.decode()
    assert docs["margin"]["number"] in margin_only
    assert docs["final"]["number"] not in margin_only
    assert "marża" in margin_only
    call_command("export_cases", "--status", "all", "--format", "json")
    kinds = {row["invoice_number"]: row["kind"] for row in json.loads(capsys.readouterr().out)}
    assert kinds[docs["oss"]["number"]] == "oss"
    assert kinds[docs["corrected_to_zero"]["number"]] == "vat"

    case = case_of(docs["partly_credited"])
    page = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "do potwierdzenia" in page
    assert docs["partial_credit"]["number"] in page  # the correction on the timeline

    response = staff_client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "confirm_amount", "_selected_action": [case.pk], "index": 0},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert not case.awaits_amount_review
    confirmed = case.events.get(kind=CaseEvent.Kind.CONFIRMED)
    assert confirmed.user.username == "anna.staff"


def test_a_paid_document_of_another_endpoint_closes_through_one_detail_get(rapi, rsim, rworld, docs, stages):
    run_day(rapi, rworld)
    assert case_of(docs["margin"]).status == Case.Status.ACTIVE
    rworld.pay(docs["margin"]["uuid"])
    rworld.advance(1)
    details_before = rsim.stats()["by_kind"]["margin_invoices_detail"]

    run_day(rapi, rworld)

    case = case_of(docs["margin"])
    assert (case.status, case.close_reason) == (Case.Status.CLOSED, Case.CloseReason.PAID)
    assert rsim.stats()["by_kind"]["margin_invoices_detail"] == details_before + 1
