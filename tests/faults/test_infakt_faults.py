"""InFakt faults not covered in syncstatus/tests/test_sync_e2e.py: requests that time out, and (issue 11)
records and endpoints that must never stop a run: a negative VAT amount, a correction of a deleted
invoice, over-long text on PostgreSQL, a 503 storm, an endpoint failing all day.

The client's timeout is shorter than a delay the simulator holds the answer for, so
`requests` raises a real read timeout on a real socket. 429 storms, 5xx bursts, a storm
beyond the retry budget, two runs at once, a SIGKILL mid-sync and malformed records are
proved in syncstatus/tests/test_sync_e2e.py (see docs/faults.md).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from cases.models import Case, Invoice
from infakt.client import InfaktAPI
from infakt_simulator.demo import build_demo_world
from syncstatus.models import SyncRun
from syncstatus.services import SyncFailed
from syncstatus.tests.conftest import START, run_day
from syncstatus.tests.test_sync_e2e import assert_in_step_with, final_state, reset_database

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

TIMEOUT = 0.3  # the client's read timeout, seconds
DELAY = 0.8  # the simulator holds the answer this long: every delayed request times out


def slow_client(sim, *, max_retries: int) -> InfaktAPI:
    return InfaktAPI(sim.api_key, sim.base_url, timeout=TIMEOUT, sleep=lambda seconds: None, max_retries=max_retries)


def test_timeouts_are_retried_and_end_in_the_same_state_as_a_clean_run(sim, world):
    api = slow_client(sim, max_retries=4)

    def simulate(faulty: bool) -> set[tuple]:
        world.reset_from(build_demo_world(seed=7, today=START, clients=40, invoices=260))
        for day in range(2):
            if day:
                world.advance(1, auto_pay=True)
            if faulty:
                # The next two requests (the first and its first retry) answer after the client gave up.
                sim.control("POST", "/faults", {"delay": DELAY, "count": 2})
            run = run_day(api, world)
            assert run.status == SyncRun.Status.SUCCESS, run.error
        return final_state()

    clean = simulate(faulty=False)
    reset_database()
    timeouts_before = api.stats.timeouts
    slow = simulate(faulty=True)

    assert slow == clean
    assert api.stats.timeouts - timeouts_before == 2 * 2
    assert sorted(SyncRun.objects.values_list("api_retries", flat=True)) == [2, 2]


def test_timeouts_beyond_the_retry_budget_fail_the_run_and_the_next_run_catches_up(sim, world):
    api = slow_client(sim, max_retries=2)
    floor = run_day(api, world).window_start
    world.advance(1, auto_pay=True)
    sim.control("POST", "/faults", {"delay": DELAY, "count": 3})  # the request and both retries time out

    with pytest.raises(SyncFailed):
        run_day(api, world)

    failed = SyncRun.objects.get(status=SyncRun.Status.FAILED)
    assert "InfaktTimeout" in failed.error
    assert "timed out after 0.3s" in failed.error
    world.advance(1, auto_pay=True)
    run = run_day(api, world)
    assert run.status == SyncRun.Status.SUCCESS
    assert run.window_start == failed.window_start  # the failed day's window is read again
    assert_in_step_with(world, floor)


# --- Issue 11: bad records and failing endpoints never stop a run --------------------------------


@pytest.fixture
def small_world(world):
    """The demo world reset to a few clients and the seeded receivables of every kind."""
    world.reset_from(build_demo_world(seed=11, today=START, clients=6, invoices=20, receivables=True))
    return world


def fast_api(sim, **options) -> InfaktAPI:
    return InfaktAPI(sim.api_key, sim.base_url, sleep=lambda seconds: None, **options)


def test_a_negative_amount_on_a_vat_invoice_is_skipped_with_its_reason_on_the_run_page(sim, small_world, staff_client):
    due = small_world.today + timedelta(days=1)
    bad = small_world.add_invoice(payment_date=due, raw_overrides={"gross_price": -12_300, "left_to_pay": -12_300})
    good = small_world.add_invoice(payment_date=due)

    run = run_day(fast_api(sim), small_world)

    assert run.status == SyncRun.Status.PARTIAL
    skipped = run.skipped_records.get()
    assert skipped.record_id == bad["uuid"]
    assert skipped.endpoint == "invoices"
    assert "gross_price: negative amount -12300" in skipped.reason
    assert Case.objects.filter(invoice__infakt_id=good["id"]).exists()
    page = staff_client.get(f"/sync/runs/{run.pk}/").content.decode()
    assert "gross_price: negative amount -12300" in page


def test_a_correction_of_a_deleted_invoice(sim, small_world, stages):
    api = fast_api(sim)
    due = small_world.today + timedelta(days=1)
    dunned = small_world.add_invoice(payment_date=due, net_price=50_000)
    never_seen = small_world.add_invoice(payment_date=small_world.today + timedelta(days=20))
    run_day(api, small_world)
    # Both originals are deleted in InFakt; corrections naming them arrive afterwards.
    small_world.remove_invoice(dunned["uuid"])
    small_world.remove_invoice(never_seen["uuid"])
    small_world.add_invoice(number="placeholder", payment_date=due)  # keep the numbering moving
    small_world.today += timedelta(days=1)
    to_zero = _correction_of(small_world, dunned, -dunned["gross_price"])
    orphan = _correction_of(small_world, never_seen, -1_000)

    run = run_day(api, small_world)

    # The dunned original is known here: the correction closes its case, even though InFakt deleted it.
    case = Case.objects.get(invoice__infakt_id=dunned["id"])
    assert (case.status, case.close_reason) == (Case.Status.CLOSED, Case.CloseReason.CORRECTED)
    assert Invoice.objects.get(infakt_id=to_zero["id"]).corrected_invoice == case.invoice
    # The other original was never stored: the correction is recorded and listed, and opens nothing.
    unlinked = [c["number"] for c in run.unlinked_corrections]
    assert orphan["number"] in unlinked
    assert to_zero["number"] not in unlinked
    assert not Case.objects.filter(invoice__infakt_id=orphan["id"]).exists()
    assert run.status == SyncRun.Status.SUCCESS


def _correction_of(world, original: dict, change: int) -> dict:
    """A correction naming an original the world no longer holds (add_correction needs it present)."""
    world.add_invoice(
        original["client_id"], uuid=original["uuid"], id=original["id"] + 10_000, number=original["number"]
    )
    correction = world.add_correction(original["uuid"], gross_change=change)
    world.remove_invoice(original["uuid"])
    return correction


def test_a_300_character_client_name_and_an_80_character_number_are_stored_whole_on_postgresql(
    sim, small_world, stages
):
    assert connection.vendor == "postgresql"
    name = ("Przedsiębiorstwo Handlowo-Usługowe " * 10)[:300]
    client = small_world.add_client(company_name=name, nip="5261040828", email="biuro@phu.pl")
    number = "FV/" + "2026/11/ODDZIAŁ-WARSZAWA-PÓŁNOC/" * 3
    number = number[:80]
    invoice = small_world.add_invoice(client["id"], number=number, payment_date=small_world.today + timedelta(days=1))

    run = run_day(fast_api(sim), small_world)

    assert run.status == SyncRun.Status.SUCCESS, run.error
    case = Case.objects.select_related("invoice__client").get(invoice__infakt_id=invoice["id"])
    assert len(case.invoice.number) == 80
    assert case.invoice.number == number
    assert case.invoice.client.company_name == name
    assert len(case.invoice.client.company_name) == 300


def test_a_503_storm_is_ridden_out_and_counted(sim, small_world, stages):
    sim.control("POST", "/faults", {"status": 503, "count": 4, "retry_after": None})
    sim.control("POST", "/faults", {"status": 503, "count": 2, "retry_after": "0"})
    api = fast_api(sim, max_retries=8)

    run = run_day(api, small_world)

    assert run.status == SyncRun.Status.SUCCESS, run.error
    assert run.api_rate_limited == 6
    assert run.api_retries == 6
    assert Case.objects.filter(invoice__kind="margin").exists()


@pytest.mark.parametrize("status", [404, 500])
def test_an_endpoint_failing_all_day_leaves_the_others_working_and_is_named(sim, small_world, stages, status):
    sim.control("POST", "/faults", {"status": status, "count": 1000, "kind": "margin_invoices_list"})

    run = run_day(fast_api(sim, max_retries=2), small_world)

    assert run.status == SyncRun.Status.PARTIAL
    assert [item["endpoint"] for item in run.failed_endpoints] == ["margin_invoices"]
    assert "/margin_invoices.json: Infakt" in run.error
    assert str(status) in run.error
    opened = set(Case.objects.values_list("invoice__kind", flat=True))
    assert {"vat", "final", "advance", "oss"} <= opened
    assert "margin" not in opened
    # The next day the endpoint answers again: its case opens then.
    sim.control("DELETE", "/faults")
    small_world.advance(1)
    assert run_day(fast_api(sim), small_world).status == SyncRun.Status.SUCCESS
    assert Case.objects.filter(invoice__kind="margin").exists()


def test_a_failing_endpoint_that_holds_a_case_due_today_fails_the_run_so_reminders_wait(sim, small_world, stages):
    api = fast_api(sim, max_retries=1)
    run_day(api, small_world)
    margin = Case.objects.get(invoice__kind="margin")
    Case.objects.filter(pk=margin.pk).update(next_reminder_date=small_world.today + timedelta(days=1))
    small_world.advance(1)
    sim.control("POST", "/faults", {"status": 500, "count": 1000, "kind": "margin_invoices_list"})
    sim.control("POST", "/faults", {"status": 500, "count": 1000, "kind": "margin_invoices_detail"})

    with pytest.raises(SyncFailed):
        run_day(api, small_world)

    failed = SyncRun.objects.get(status=SyncRun.Status.FAILED)
    assert "/margin_invoices.json" in failed.error
    assert [item["endpoint"] for item in failed.failed_endpoints] == ["margin_invoices"]


def test_invoices_json_failing_all_day_fails_the_run_but_the_other_endpoints_cases_still_open(sim, small_world, stages):
    sim.control("POST", "/faults", {"status": 500, "count": 1000, "kind": "invoice_list"})

    with pytest.raises(SyncFailed):
        run_day(fast_api(sim, max_retries=1), small_world)

    failed = SyncRun.objects.get()
    assert "/invoices.json" in failed.error
    assert {"final", "advance", "margin", "oss"} <= set(Case.objects.values_list("invoice__kind", flat=True))
    assert not Case.objects.filter(invoice__kind="vat").exists()
