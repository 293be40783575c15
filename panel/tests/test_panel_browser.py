"""The status panel in Chromium, against the simulator slowed by delay faults.

1. A sync runs in a background thread: the panel shows its phase, bar and counters changing
   without a reload, then the final summary (screenshots mid-run and after).
2. "Run sync now" from the panel goes through a real django-q2 worker (`manage.py qcluster`):
   queued, running, refused while it runs, finished.

Screenshots: test-artifacts/screenshots/sync-*.png (gitignored).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection, connections
from playwright.sync_api import expect

from cases.tests.conftest import ensure_stages
from common.calendar import business_today
from infakt_simulator.demo import build_demo_world
from syncstatus.models import SyncRun
from syncstatus.services import sync_run
from tests import browser_support

ROOT = Path(__file__).resolve().parents[2]
LIVE = "#sync-live"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1500, "height": 1000}, "locale": "pl-PL"}


@pytest.fixture
def world():
    """Around the real today, so a sync the worker runs for today finds the demo invoices."""
    return build_demo_world(seed=7, today=business_today(), clients=80, invoices=700)


@pytest.fixture
def operator(transactional_db):
    """Staff with the panel and "run now" permissions (a transactional flush drops the role groups)."""
    ensure_stages()
    user = User.objects.create_user("anna", password=browser_support.PASSWORD, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_syncrun", "run_sync", "view_case", "view_notification"])
    )
    return user


@pytest.fixture
def slow_simulator(sim, settings):
    settings.INFAKT_BASE_URL = sim.base_url
    settings.INFAKT_API_KEY = sim.api_key
    sim.control("POST", "/faults", {"delay": 3, "count": 10_000})
    return sim


def log_in(page, live_server, path="/sync/"):
    browser_support.log_in(page, live_server, path)
    page.wait_for_url(f"{live_server.url}{path}")
    return page


def counter(page, field: str) -> int:
    return int(page.locator(f'{LIVE} [data-field="{field}"]').inner_text())


def test_the_panel_follows_a_running_sync_live_to_its_summary(page, live_server, slow_simulator, operator, shot):
    log_in(page, live_server)
    expect(page.locator(LIVE)).to_have_attribute("data-state", "idle")

    outcome: dict = {}

    def background_sync():
        try:
            outcome["run"] = sync_run(target_date=business_today(), trigger=SyncRun.Trigger.COMMAND)
        except Exception as exc:  # reported by the assertions below
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=background_sync, name="sync-under-test", daemon=True)
    thread.start()
    try:
        # The page is not reloaded: the poller switches the box to the running run.
        expect(page.locator(LIVE)).to_have_attribute("data-state", "running", timeout=15_000)
        expect(page.locator(f'{LIVE} [data-field="invoices_read"]')).not_to_have_text("0", timeout=30_000)
        expect(page.locator(f'{LIVE} [data-field="api_requests"]')).not_to_have_text("0")
        mid_requests = counter(page, "api_requests")
        mid_width = page.locator(f"{LIVE} .progress").get_attribute("aria-valuenow")
        mid_phase = page.locator(f'{LIVE} [data-field="phase"]').inner_text()
        assert 0 < int(mid_width) < 100
        assert mid_phase
        expect(page.locator(f"{LIVE} dl.emails")).to_be_hidden()  # e-mail counts belong to the summary
        shot("sync-1-panel-while-running")
        # The counters move while we watch.
        expect(page.locator(f'{LIVE} [data-field="api_requests"]')).not_to_have_text(str(mid_requests))
    finally:
        thread.join(timeout=120)
    assert "error" not in outcome, outcome.get("error")
    run = outcome["run"]
    assert run.status == SyncRun.Status.SUCCESS, run.error

    # The final summary: the panel reloads itself once, so the run has its row and the banner is current.
    expect(page.locator(LIVE)).to_have_attribute("data-state", "finished", timeout=15_000)
    expect(page.locator(f'tr[data-run="{run.pk}"]')).to_be_visible(timeout=15_000)
    expect(page.locator('[data-alert="sync_stale"]')).to_have_count(0)
    expect(page.locator(f"{LIVE} dl.emails")).to_be_visible()
    expect(page.locator(f"{LIVE} .progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator(f'{LIVE} [data-field="status"]')).to_have_text("sukces")
    for field in ("invoices_read", "cases_opened", "cases_refreshed", "cases_closed", "api_requests"):
        assert counter(page, field) == getattr(run, field), field
    row = page.locator(f'tr[data-run="{run.pk}"]')
    expect(row.locator('[data-field="cases_opened"]')).to_have_text(str(run.cases_opened))
    expect(row.locator('[data-field="api_requests"]')).to_have_text(str(run.api_requests))
    assert mid_requests < run.api_requests
    page.wait_for_timeout(600)  # let the bar's width transition end before the picture
    shot("sync-2-panel-after-the-run")

    page.click(f'tr[data-run="{run.pk}"] a')
    expect(page.locator("h1")).to_contain_text(f"Synchronizacja #{run.pk}")
    expect(page.locator(LIVE)).to_have_attribute("data-state", "finished")
    shot("sync-3-run-page")


@pytest.fixture
def worker(slow_simulator, live_server):
    """Start `manage.py qcluster` on the test database, pointed at the simulator; stop it after."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "invoicetracker.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "INFAKT_API_KEY": slow_simulator.api_key,
        "INFAKT_BASE_URL": slow_simulator.base_url,
        "Q_WORKERS": "1",
        "Q_SYNC": "false",
    }
    processes: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        processes.append(proc)
        return proc

    yield start
    for proc in processes:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def test_run_now_goes_through_the_django_q_worker_and_shows_live_to_the_end(page, live_server, operator, worker, shot):
    log_in(page, live_server)
    page.click("#run-now button")
    expect(page.locator(".messages")).to_contain_text("Zlecono synchronizację")
    # No worker yet: the panel says the task waits for one.
    expect(page.locator(LIVE)).to_have_attribute("data-state", "queued")
    shot("sync-4-run-now-queued")

    worker()
    expect(page.locator(LIVE)).to_have_attribute("data-state", "running", timeout=45_000)
    expect(page.locator(f'{LIVE} [data-field="trigger"]')).to_have_text("panel")
    shot("sync-5-run-now-running")

    # A second click while it runs is refused, with the reason, and the box keeps following the run.
    page.click("#run-now button")
    expect(page.locator(".messages li.error")).to_contain_text("Nie uruchomiono: synchronizacja #")
    expect(page.locator(LIVE)).to_have_attribute("data-state", "running")
    expect(page.locator(f'{LIVE} [data-field="invoices_read"]')).not_to_have_text("0", timeout=30_000)
    shot("sync-6-run-now-refused-while-running")

    expect(page.locator(LIVE)).to_have_attribute("data-state", "finished", timeout=120_000)
    expect(page.locator(f'{LIVE} [data-field="status"]')).to_have_text("sukces")
    run = SyncRun.objects.get()
    assert run.trigger == SyncRun.Trigger.PANEL
    assert run.triggered_by == operator
    assert run.status == SyncRun.Status.SUCCESS, run.error
    expect(page.locator(f'tr[data-run="{run.pk}"] [data-field="status"]')).to_have_text("sukces")
    assert counter(page, "cases_opened") == run.cases_opened
    expect(page.locator('[data-alert="sync_stale"]')).to_have_count(0)
    page.wait_for_timeout(600)
    shot("sync-7-run-now-finished")


def test_the_reports_page_draws_the_charts_and_the_aging_table(page, live_server, operator, shot):
    """Seeded history: 30 days of cases, e-mails at three stages, one run a day; the SVG charts render."""
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import ReminderStage
    from cases.tests.conftest import make_case, make_client
    from notifications.models import Notification

    now = timezone.now()
    stages = list(ReminderStage.objects.order_by("offset_days"))
    clients = [make_client(f"Firma {i} Sp. z o.o.", nip=f"{i:010d}") for i in range(4)]
    for i in range(60):
        case = make_case(
            client=clients[i % 4],
            days_past_due=(i * 7) % 120 - 3,
            gross=500_00 + i * 3_217,
            currency="EUR" if i % 10 == 0 else "PLN",
            now=now - timedelta(days=i % 28),
        )
        if i % 3 == 0:
            Notification.objects.create(
                case=case,
                stage=stages[(i // 3) % 3],
                status="sent",
                send_date=now.date(),
                sent_at=now - timedelta(days=i % 25),
            )
    for day in range(28):
        started = now - timedelta(days=day, hours=1)
        SyncRun.objects.create(
            target_date=(started).date(),
            started_at=started,
            heartbeat_at=started,
            finished_at=started + timedelta(seconds=20 + day * 7),
            status=SyncRun.Status.SUCCESS,
            phase="done",
            api_requests=5 + (day * 13) % 40,
            api_rate_limited=1 if day == 4 else 0,
        )
    log_in(page, live_server, "/sync/reports/")
    expect(page.locator("#chart-cases svg rect.bar").first).to_be_visible()
    expect(page.locator("#chart-emails svg rect.bar").first).to_be_visible()
    expect(page.locator('#chart-api svg line[data-line="infakt"]')).to_have_count(1)
    expect(page.locator('#aging-table th[data-currency="PLN"]')).to_be_visible()
    shot("sync-8-reports-30-days")
    # The admin start page links the panel and loads the same banner.
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator('#it-sync-module [data-alert="ok"]')).to_be_visible()
    expect(page.locator("#it-sync-module a", has_text="Panel synchronizacji")).to_be_visible()
    shot("sync-9-admin-index")
