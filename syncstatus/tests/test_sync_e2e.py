"""The sync over many simulated days against the InFakt simulator (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections

from cases.models import Case, CaseEvent, Invoice
from common.calendar import stage_send_date
from infakt_simulator.demo import build_demo_world
from syncstatus.models import SkippedRecord, SyncRun
from syncstatus.services import SyncAlreadyRunning, SyncFailed
from tests.waiting import wait_until

from .conftest import expected_open, run_day

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def active_cases() -> dict[int, int]:
    return dict(
        Case.objects.filter(status=Case.Status.ACTIVE).values_list("invoice__infakt_id", "invoice__left_to_pay")
    )


def assert_in_step_with(world, floor: date) -> None:
    """Every invoice that needs a case has exactly one, open, and no other case is open."""
    latest = SyncRun.objects.filter(window_end__isnull=False, status__in=["success", "partial"]).latest("window_end")
    # The window is D + 2 days, reaching further on Fridays so Monday's before-due reminder can go out.
    assert latest.window_end >= world.today + timedelta(days=2)
    wanted = expected_open(world, floor, latest.window_end)
    have = active_cases()
    assert set(have) == set(wanted), (
        f"missing {sorted(set(wanted) - set(have))[:10]}, extra {sorted(set(have) - set(wanted))[:10]}"
    )
    assert Case.objects.count() == Case.objects.values("invoice").distinct().count()


def assert_due_cases_are_fresh(world) -> None:
    """Cases whose reminder is due today carry today's InFakt amounts (what an e-mail would quote)."""
    due = Case.objects.filter(status=Case.Status.ACTIVE, next_reminder_date__lte=world.today).select_related("invoice")
    for case in due:
        remote = world.get_invoice(case.invoice.uuid)
        assert case.invoice.left_to_pay == remote["left_to_pay"], case.invoice.number


def test_a_month_of_daily_syncs_keeps_cases_exactly_in_step_with_infakt(api, world):
    first = run_day(api, world)
    floor = first.window_start
    assert first.status == SyncRun.Status.SUCCESS
    assert_in_step_with(world, floor)
    opened_by_day = {world.today: first.cases_opened}
    for _ in range(30):
        world.advance(1, auto_pay=True)
        run = run_day(api, world)
        assert run.status == SyncRun.Status.SUCCESS, run.error
        opened_by_day[world.today] = run.cases_opened
        assert_in_step_with(world, floor)
        assert_due_cases_are_fresh(world)
    # Cases open on the right day: each later case was opened the morning its invoice came within 2 days of due.
    for case in Case.objects.exclude(opened_at__date=first.started_at.date()).select_related("invoice"):
        opened_on = case.opened_at.astimezone(first.started_at.tzinfo).date()
        due = case.invoice.due_date
        # Two days before due, or earlier only when the before-due reminder moved back off a weekend.
        assert due - opened_on <= timedelta(days=2) or stage_send_date(due, -1) == opened_on
    closed_paid = Case.objects.filter(status=Case.Status.CLOSED, close_reason=Case.CloseReason.PAID)
    assert closed_paid.exists()
    assert all(c.invoice.paid_date and c.invoice.left_to_pay == 0 for c in closed_paid)
    assert sum(opened_by_day.values()) == Case.objects.count()


def test_a_three_day_outage_loses_no_case(api, world):
    floor = run_day(api, world).window_start
    world.advance(1, auto_pay=True)
    run_day(api, world)
    world.advance(3, auto_pay=True)  # no sync for three days
    run = run_day(api, world)
    assert run.window_start == world.today - timedelta(days=3) + timedelta(days=2)  # last run's window end
    assert_in_step_with(world, floor)


def test_rerunning_a_day_creates_nothing_twice(api, world):
    run_day(api, world)
    before = (Case.objects.count(), CaseEvent.objects.filter(kind="opened").count())
    again = run_day(api, world)
    assert again.cases_opened == 0
    assert (Case.objects.count(), CaseEvent.objects.filter(kind="opened").count()) == before


def test_an_invoice_issued_after_its_window_still_gets_a_case_the_next_day(api, world):
    floor = run_day(api, world).window_start
    client_id = world.all_clients()[0]["id"]
    late = world.add_invoice(client_id, invoice_date=world.today, payment_date=world.today - timedelta(days=5))
    world.advance(1)
    run_day(api, world)
    assert Case.objects.filter(invoice__infakt_id=late["id"], status=Case.Status.ACTIVE).exists()
    assert_in_step_with(world, floor)


def test_full_and_partial_payments(api, world):
    client_id = world.all_clients()[0]["id"]
    inv = world.add_invoice(client_id, payment_date=world.today + timedelta(days=2), gross_price=123456)
    run_day(api, world)
    case = Case.objects.get(invoice__infakt_id=inv["id"])
    world.pay(inv["uuid"], amount=23456)  # partial: InFakt keeps status and no paid date
    # The next sync that reads it is the one before its reminder (the day before the due date).
    world.advance(1)
    run_day(api, world)
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE
    assert (case.invoice.paid, case.invoice.left_to_pay) == (23456, 100000)
    payment = case.events.get(kind=CaseEvent.Kind.PAYMENT)
    # The payment itself and what is left, not the cumulative total; in the reader's language.
    assert payment.message == "Wpłata 234,56 zł; pozostało do zapłaty 1 000,00 zł"
    assert (payment.code, payment.params) == (
        "case.payment",
        {"amount": 23456, "left": 100000, "currency": "PLN"},
    )
    world.pay(inv["uuid"])  # the rest
    world.advance(1)
    run = run_day(api, world)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.close_reason == Case.CloseReason.PAID
    assert case.invoice.paid_date == world.today - timedelta(days=1)
    assert run.cases_closed >= 1


def test_an_invoice_deleted_in_infakt_closes_its_case_once_confirmed(api, world):
    client_id = world.all_clients()[0]["id"]
    inv = world.add_invoice(client_id, payment_date=world.today + timedelta(days=2))
    run_day(api, world)
    world.remove_invoice(inv["uuid"])
    world.advance(1)  # its -1 reminder is due: the sync looks for it and gets 404
    first = run_day(api, world)
    case = Case.objects.get(invoice__infakt_id=inv["id"])
    assert case.status == Case.Status.ACTIVE
    assert case.missing_since is not None
    assert first.status == SyncRun.Status.PARTIAL
    assert "404" in first.error
    world.advance(1)
    run_day(api, world)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.close_reason == Case.CloseReason.REMOVED


def test_malformed_records_are_skipped_with_reasons_while_the_rest_is_processed(api, world):
    client_id = world.all_clients()[0]["id"]
    due = world.today + timedelta(days=1)
    bad = world.add_invoice(client_id, payment_date=due, raw_overrides={"gross_price": "1234.50"})
    worse = world.add_invoice(client_id, payment_date=due, raw_overrides={"invoice_date": "31.11.2026"})
    good = world.add_invoice(client_id, payment_date=due)
    run = run_day(api, world)
    assert run.status == SyncRun.Status.PARTIAL
    reasons = dict(SkippedRecord.objects.filter(run=run).values_list("record_id", "reason"))
    assert "gross_price" in reasons[bad["uuid"]]
    assert "invoice_date" in reasons[worse["uuid"]]
    assert Case.objects.filter(invoice__infakt_id=good["id"]).exists()
    assert not Invoice.objects.filter(infakt_id__in=[bad["id"], worse["id"]]).exists()


def final_state() -> set[tuple]:
    return set(Case.objects.values_list("invoice__infakt_id", "status", "close_reason", "invoice__left_to_pay"))


def reset_database() -> None:
    CaseEvent.objects.all().delete()
    Case.objects.all().delete()
    Invoice.objects.all().delete()
    SyncRun.objects.all().delete()


def test_storms_of_429_and_bursts_of_5xx_end_in_the_same_state_as_a_clean_run(sim, api, world):
    def simulate(faulty: bool) -> set[tuple]:
        world.reset_from(build_demo_world(seed=7, today=date(2026, 11, 2), clients=40, invoices=260))
        for day in range(6):
            if faulty:
                sim.control("POST", "/faults", {"status": 429, "count": 3, "retry_after": "0"})
                sim.control("POST", "/faults", {"status": 503, "count": 2})
                sim.control("POST", "/faults", {"status": 429, "count": 1, "retry_after": "1"})
            if day:
                world.advance(1, auto_pay=True)
            assert run_day(api, world).status == SyncRun.Status.SUCCESS
        return final_state()

    clean = simulate(faulty=False)
    reset_database()
    retries_before = api.stats.retries
    stormy = simulate(faulty=True)
    assert stormy == clean
    assert api.stats.retries - retries_before == 6 * 6
    # 503 is InFakt's other answer for its per-IP limit: counted with the 429s (3 + 2 + 1 a run).
    assert SyncRun.objects.filter(api_rate_limited=6).count() == 6


def test_a_storm_longer_than_the_retry_budget_fails_the_run_and_the_next_run_catches_up(sim, api, world):
    floor = run_day(api, world).window_start
    world.advance(1, auto_pay=True)
    sim.control("POST", "/faults", {"status": 429, "count": 50, "retry_after": "0"})
    with pytest.raises(SyncFailed):
        run_day(api, world)
    failed = SyncRun.objects.get(status=SyncRun.Status.FAILED)
    assert "429" in failed.error
    sim.control("DELETE", "/faults")
    world.advance(1, auto_pay=True)
    run = run_day(api, world)
    assert run.window_start == failed.window_start  # the failed day's window is read again
    assert_in_step_with(world, floor)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_leave_one_result(sim, api, world):
    # Slow the first requests down so the run that gets in is still running when the other asks.
    sim.control("POST", "/faults", {"delay": 0.5, "count": 2})
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def attempt():
        try:
            start.wait(timeout=30)  # both threads are up: the two runs start together
            outcomes.append(run_day(api, world))
        except SyncAlreadyRunning as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(type(o).__name__ for o in outcomes) == ["SyncAlreadyRunning", "SyncRun"]
    assert SyncRun.objects.count() == 1
    assert_in_step_with(world, SyncRun.objects.get().window_start)


@pytest.mark.django_db(transaction=True)
def test_a_sync_killed_midway_is_completed_by_the_next_run_without_duplicates(sim, api, world):
    # More unpaid invoices than one page holds, and slow pages: the kill lands between two pages.
    world.reset_from(build_demo_world(seed=7, today=world.today, clients=80, invoices=800))
    sim.control("POST", "/faults", {"delay": 0.5, "count": 100})
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "invoicetracker.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "INFAKT_API_KEY": sim.api_key,
        "INFAKT_BASE_URL": sim.base_url,
    }
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "sync_invoices", "--date", world.today.isoformat()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    wait_until(Case.objects.exists, what="the first page of cases to be committed", proc=proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    half = Case.objects.count()
    assert 0 < half < 100  # the first page was committed whole (drafts and proformas get no case)
    sim.control("DELETE", "/faults")

    run = run_day(api, world)

    killed = SyncRun.objects.exclude(pk=run.pk).get()
    assert killed.status == SyncRun.Status.FAILED
    assert "Przerwana" in killed.error
    assert run.status == SyncRun.Status.SUCCESS
    assert Case.objects.count() > half
    assert_in_step_with(world, run.window_start)
    assert django_settings.DATABASES["default"]["NAME"] == db["NAME"]
