"""The sync against InFakt answers recorded with `responses`: which requests it makes and what it writes."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import psycopg2
import pytest
import responses
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from responses import matchers

from cases.models import Case, CaseTotalDelta, Client, Invoice
from infakt.client import InfaktAPI
from infakt.tests import client_entity, invoice_entity
from syncstatus.models import SkippedRecord, SyncRun
from syncstatus.services import SYNC_LOCK_KEY, SyncAlreadyRunning, plan_ranges, sync_run

BASE = "https://infakt.test/api/v3"
D = date(2026, 11, 25)


def envelope(entities, total=None):
    return {
        "metainfo": {
            "count": len(entities),
            "total_count": len(entities) if total is None else total,
            "next": f"{BASE}/invoices.json?offset=100&limit=100",
            "previous": f"{BASE}/invoices.json",
        },
        "entities": entities,
    }


@pytest.fixture
def api():
    return InfaktAPI("test-key", BASE, sleep=lambda s: None, max_retries=2)


OTHER_ENDPOINTS = re.compile(rf"{BASE}/(final|advance|margin|oss|corrective)_invoices\.json.*")


@pytest.fixture
def rsps():
    # The other receivable endpoints answer empty lists; their own tests are in test_receivables.py.
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        others = mock.add(responses.GET, OTHER_ENDPOINTS, json=envelope([]))
        yield mock
        mock.remove(others)


def invoices_json_requests(run) -> dict[str, int]:
    """The run's requests by kind, leaving out the other receivable endpoints."""
    return {kind: n for kind, n in run.api_requests_by_kind.items() if "_invoices_" not in kind}


def test_plan_ranges_merges_needed_dates_when_one_query_is_no_dearer():
    days = [date(2026, 11, d) for d in (1, 2, 3, 10, 20)]
    assert plan_ranges(days, {}) == [(date(2026, 11, 1), date(2026, 11, 20))]
    # 150 unpaid invoices due on the 15th between the 10th and the 20th: two queries are cheaper.
    estimate = {date(2026, 11, 15): 150, date(2026, 11, 20): 3}
    assert plan_ranges(days, estimate) == [
        (date(2026, 11, 1), date(2026, 11, 10)),
        (date(2026, 11, 20), date(2026, 11, 20)),
    ]
    assert plan_ranges([], {}) == []


@pytest.mark.django_db
def test_first_run_opens_cases_for_issued_unpaid_vat_invoices_and_records_skips(api, rsps, settings):
    settings.INITIAL_BACKFILL_DAYS = 30
    settings.NEW_CASE_DAYS_BEFORE_DUE = 2
    due = D + timedelta(days=2)
    entities = [
        invoice_entity(1, payment_date=due.isoformat(), status="sent"),
        invoice_entity(2, payment_date=(D - timedelta(days=10)).isoformat(), status="printed", client_id=8),
        invoice_entity(3, payment_date=due.isoformat(), status="draft"),
        invoice_entity(4, payment_date=due.isoformat(), kind="proforma"),
        invoice_entity(5, payment_date=due.isoformat(), gross_price="12.50"),
    ]
    rsps.get(
        f"{BASE}/invoices.json",
        json=envelope(entities),
        match=[
            matchers.query_param_matcher(
                {
                    "q[payment_date_gteq]": (due - timedelta(days=32)).isoformat(),
                    "q[payment_date_lteq]": due.isoformat(),
                    "q[paid_date_null]": "true",
                    "order": "id asc",
                    "offset": "0",
                    "limit": "100",
                },
                strict_match=False,
            )
        ],
    )
    rsps.get(f"{BASE}/clients.json", json=envelope([client_entity(7), client_entity(8, email="")]))

    run = sync_run(target_date=D, api=api)

    opened = Case.objects.order_by("invoice__infakt_id")
    assert [c.invoice.infakt_id for c in opened] == [1, 2]
    assert run.cases_opened == 2
    assert run.status == SyncRun.Status.PARTIAL
    assert run.window_end == due
    skipped = SkippedRecord.objects.get(run=run)
    assert skipped.record_id.endswith("000000000005")
    assert "gross_price" in skipped.reason
    acme = Client.objects.get(infakt_id=7)
    assert acme.emails == ["ksiegowosc@acme.pl", "szef@acme.pl"]
    assert acme.has_usable_email
    assert not Client.objects.get(infakt_id=8).has_usable_email
    assert invoices_json_requests(run) == {"invoice_list": 1, "client_list": 1}
    # The next reminder for the case due in 2 days is the -1 stage (business day before due).
    case = opened[0]
    assert case.next_stage.offset_days == -1
    assert case.next_reminder_date == date(2026, 11, 26)


@pytest.mark.django_db
def test_a_second_run_the_next_day_asks_only_for_new_days_payments_and_late_issues(api, rsps, settings):
    settings.INITIAL_BACKFILL_DAYS = 30
    rsps.get(f"{BASE}/invoices.json", json=envelope([invoice_entity(1, payment_date="2026-11-27")]))
    rsps.get(f"{BASE}/clients/7.json", json=client_entity(7))
    sync_run(target_date=D, api=api)
    rsps.reset()

    nxt = D + timedelta(days=1)
    paid = invoice_entity(
        1, payment_date="2026-11-27", status="paid", paid_date="2026-11-26", paid_price=12300, left_to_pay=0
    )
    rsps.get(
        f"{BASE}/invoices.json",
        json=envelope([]),
        match=[
            matchers.query_param_matcher(
                {
                    "q[payment_date_gteq]": "2026-11-27",
                    "q[payment_date_lteq]": "2026-11-28",
                    "q[paid_date_null]": "true",
                },
                strict_match=False,
            )
        ],
    )
    rsps.get(
        f"{BASE}/invoices.json",
        json=envelope([paid]),
        match=[matchers.query_param_matcher({"q[paid_date_gteq]": "2026-11-24"}, strict_match=False)],
    )
    rsps.get(
        f"{BASE}/invoices.json",
        json=envelope([]),
        match=[
            matchers.query_param_matcher(
                {
                    "q[invoice_date_gteq]": "2026-11-24",
                    "q[payment_date_lteq]": "2026-11-27",
                    "q[paid_date_null]": "true",
                },
                strict_match=False,
            )
        ],
    )

    run = sync_run(target_date=nxt, api=api)

    case = Case.objects.get()
    assert case.status == Case.Status.CLOSED
    assert case.close_reason == Case.CloseReason.PAID
    assert case.invoice.paid_date == date(2026, 11, 26)
    assert run.cases_closed == 1
    assert invoices_json_requests(run) == {"invoice_list": 3}
    assert [e.kind for e in case.events.all()] == ["opened", "payment", "closed"]
    # The lists' totals: the rows the run's changes added are folded, one per (status, currency).
    folded = CaseTotalDelta.objects.order_by("-whole").values_list("whole", "client_id", "status", "currency", "count")
    assert list(folded) == [(True, None, "closed", "PLN", 1), (False, case.invoice.client_id, "closed", "PLN", 1)]


@pytest.fixture
def other_process_holding_the_sync_lock(db):
    """A second database session that holds the sync's advisory lock, as a live run elsewhere does."""
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [SYNC_LOCK_KEY])
    yield other
    other.close()


@pytest.mark.django_db
def test_a_second_sync_is_refused_while_one_runs(api, other_process_holding_the_sync_lock):
    now = timezone.now()
    running = SyncRun.objects.create(target_date=D, started_at=now, heartbeat_at=now, phase="unpaid")
    with pytest.raises(SyncAlreadyRunning, match=f"#{running.pk}"):
        sync_run(target_date=D, api=api)
    with pytest.raises(CommandError, match="trwa od"):
        call_command("sync_invoices", "--date", D.isoformat())
    assert SyncRun.objects.count() == 1


@pytest.mark.django_db
def test_a_run_left_running_by_a_dead_process_is_closed_and_the_work_done(api, rsps):
    now = timezone.now()
    dead = SyncRun.objects.create(target_date=D, started_at=now, heartbeat_at=now, phase="unpaid")
    rsps.get(f"{BASE}/invoices.json", json=envelope([]))
    run = sync_run(target_date=D, api=api)
    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.FAILED
    assert "Przerwana" in dead.error
    assert run.status == SyncRun.Status.SUCCESS


@pytest.mark.django_db
def test_dry_run_reads_infakt_but_writes_no_case(api, rsps):
    rsps.get(f"{BASE}/invoices.json", json=envelope([invoice_entity(1, payment_date="2026-11-27")]))
    rsps.get(f"{BASE}/clients/7.json", json=client_entity(7))
    run = sync_run(target_date=D, api=api, dry_run=True)
    assert run.dry_run
    assert run.cases_opened == 1
    assert not Case.objects.exists()
    assert not Invoice.objects.exists()
    assert not Client.objects.exists()
    assert run.window_end is None  # a dry run never moves the window


@pytest.mark.django_db
def test_a_failed_run_is_recorded_and_does_not_move_the_window(api, rsps):
    rsps.get(f"{BASE}/invoices.json", status=401, json={"error": "Unauthorized"})
    with pytest.raises(Exception, match="401"):
        sync_run(target_date=D, api=api)
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED
    assert "401" in run.error
    assert "test-key" not in run.error
    assert run.finished_at is not None


@pytest.mark.django_db
def test_export_cases_json_lists_the_documented_fields(api, rsps, capsys):
    rsps.get(f"{BASE}/invoices.json", json=envelope([invoice_entity(1, payment_date="2026-11-27")]))
    rsps.get(f"{BASE}/clients/7.json", json=client_entity(7))
    sync_run(target_date=D, api=api)
    call_command("export_cases", "--status", "active", "--format", "json")
    rows = json.loads(capsys.readouterr().out)
    assert rows == [rows[0]]
    assert {
        "invoice_id": 1,
        "invoice_number": "1/11/2026",
        "status": "active",
        "close_reason": "",
        "due_date": "2026-11-27",
        "gross": 12300,
        "left_to_pay": 12300,
        "client_emails": ["ksiegowosc@acme.pl", "szef@acme.pl"],
        "stages_sent": [],
    }.items() <= rows[0].items()
    call_command("export_cases", "--status", "closed")
    assert capsys.readouterr().out.strip().count("\n") == 0  # header only


@pytest.mark.django_db
def test_an_invoice_stored_without_a_case_gets_one_instead_of_failing_the_run(api, rsps):
    rsps.get(f"{BASE}/invoices.json", json=envelope([invoice_entity(1, payment_date="2026-11-27")]))
    rsps.get(f"{BASE}/clients/7.json", json=client_entity(7))
    sync_run(target_date=D, api=api)
    Case.objects.all().delete()  # e.g. removed by hand in the admin
    run = sync_run(target_date=D, api=api)
    assert run.status == SyncRun.Status.SUCCESS
    assert run.cases_opened == 1
    assert Case.objects.get().invoice.infakt_id == 1


@pytest.mark.django_db
def test_on_friday_the_window_reaches_monday_so_its_before_due_reminder_can_go_out(api, rsps, settings):
    settings.REMINDER_BUSINESS_DAYS = True
    friday = date(2026, 11, 27)
    monday = date(2026, 11, 30)
    rsps.get(
        f"{BASE}/invoices.json",
        json=envelope([invoice_entity(1, payment_date=monday.isoformat())]),
        match=[matchers.query_param_matcher({"q[payment_date_lteq]": monday.isoformat()}, strict_match=False)],
    )
    rsps.get(f"{BASE}/clients/7.json", json=client_entity(7))
    run = sync_run(target_date=friday, api=api)
    assert run.window_end == monday
    case = Case.objects.get()
    assert case.next_stage.offset_days == -1
    assert case.next_reminder_date == friday


@pytest.mark.django_db
def test_progress_of_the_phase_is_reported_from_total_count(api, rsps):
    entities = [invoice_entity(n, payment_date="2026-11-27") for n in range(1, 4)]
    rsps.get(f"{BASE}/invoices.json", json=envelope(entities))
    rsps.get(f"{BASE}/clients/7.json", json=client_entity(7))
    seen = []
    run = sync_run(
        target_date=D,
        api=api,
        progress=lambda label: seen.append(
            SyncRun.objects.filter(status="running").values_list("progress_done", "progress_total").first()
        ),
    )
    # Entering "paid" the unpaid phase had read 3 of 3; entering "clients" nothing was pending yet.
    assert seen[1] == (3, 3)
    assert (run.progress_done, run.progress_total) == (1, 1)  # the last phase: one client of one


@pytest.mark.django_db
def test_a_corrected_invoice_is_recorded_on_the_timeline_in_money_and_dates(api, rsps):
    rsps.get(f"{BASE}/invoices.json", json=envelope([invoice_entity(1, payment_date="2026-11-26")]))
    rsps.get(f"{BASE}/clients/7.json", json=client_entity(7))
    sync_run(target_date=D, api=api)
    rsps.reset()
    corrected = invoice_entity(1, payment_date="2026-11-30", gross_price=200000, left_to_pay=200000)
    rsps.get(f"{BASE}/invoices.json", json=envelope([corrected]))
    sync_run(target_date=D + timedelta(days=1), api=api)
    change = Case.objects.get().events.get(kind="changed")
    assert "termin płatności: 26.11.2026 → 30.11.2026" in change.message
    assert "brutto: 123,00 zł → 2 000,00 zł" in change.message
    assert Case.objects.get().next_reminder_date == date(2026, 11, 27)  # -1 stage of the new due date
