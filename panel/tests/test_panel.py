"""The sync status panel: who may read it, what a row and a run page show, the live JSON, and "run now"."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from cases.models import ReminderStage
from cases.tests.conftest import ensure_stages, make_case, make_client
from common.calendar import business_today
from notifications.models import Notification, ReminderRun
from syncstatus.models import SkippedRecord, SyncRun
from syncstatus.selectors import PANEL_SYNC_GROUP

pytestmark = pytest.mark.django_db

PANEL = reverse("syncstatus:panel")
STATUS = reverse("syncstatus:status")
RUN_NOW = reverse("syncstatus:run_now")
REPORTS = reverse("syncstatus:reports")


def make_run(*, minutes_ago: int = 60, seconds: int = 95, **values) -> SyncRun:
    started = timezone.now() - timedelta(minutes=minutes_ago)
    running = values.get("status") == SyncRun.Status.RUNNING
    defaults = {
        "kind": SyncRun.Kind.DAILY,
        "trigger": SyncRun.Trigger.SCHEDULE,
        "target_date": business_today(started),
        "started_at": started,
        "heartbeat_at": started + timedelta(seconds=seconds),
        "finished_at": None if running else started + timedelta(seconds=seconds),
        "status": SyncRun.Status.SUCCESS,
        "phase": "" if running else "done",
    }
    return SyncRun.objects.create(**{**defaults, **values})


def make_reminder_run(*, sync_run: SyncRun | None, day: date | None = None, **counts) -> ReminderRun:
    now = timezone.now()
    return ReminderRun.objects.create(
        day=day or business_today(),
        trigger=ReminderRun.Trigger.SCHEDULE,
        started_at=now,
        finished_at=now,
        sync_run_id=sync_run.pk if sync_run else None,
        **counts,
    )


def cell(html: str, run: SyncRun, field: str) -> str:
    """The text of `<td data-field=field>` in the table row of `run`."""
    row = re.search(rf'<tr data-run="{run.pk}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row for run {run.pk}"
    match = re.search(rf'data-field="{field}">([^<]*)<', row.group(1))
    assert match, f"no {field} in row {run.pk}"
    return match.group(1).strip()


# --- Access ----------------------------------------------------------------------------------


def test_every_page_needs_a_login(client):
    run = make_run()
    for url in (PANEL, STATUS, REPORTS, reverse("syncstatus:run", args=[run.pk]), reverse("syncstatus:health")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_a_user_without_the_view_permission_gets_403_everywhere(client):
    run = make_run()
    client.force_login(User.objects.create_user("gosc", password="x", is_staff=True))
    for url in (
        PANEL,
        STATUS,
        REPORTS,
        reverse("syncstatus:run", args=[run.pk]),
        reverse("syncstatus:run_status", args=[run.pk]),
        reverse("syncstatus:health"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(RUN_NOW).status_code == 403


def test_a_manager_reads_the_panel_but_gets_no_run_button(manager_client):
    make_run()
    response = manager_client.get(PANEL)
    assert response.status_code == 200
    assert b'id="run-now"' not in response.content


def test_a_manager_cannot_run_a_sync_403(manager_client):
    response = manager_client.post(RUN_NOW)
    assert response.status_code == 403
    assert not OrmQ.objects.exists()
    assert not SyncRun.objects.exists()


def test_run_now_accepts_only_post(staff_client):
    assert staff_client.get(RUN_NOW).status_code == 405


# --- The list of runs ---------------------------------------------------------------------------


def test_a_row_shows_type_trigger_date_duration_status_and_every_count(manager_client):
    run = make_run(
        kind=SyncRun.Kind.FULL,
        trigger=SyncRun.Trigger.COMMAND,
        target_date=date(2026, 11, 22),
        seconds=125,
        status=SyncRun.Status.PARTIAL,
        cases_opened=7,
        cases_refreshed=31,
        cases_closed=4,
        records_skipped=2,
        api_requests=58,
        api_rate_limited=3,
    )
    # Two reminder runs relied on it (the morning one and a rerun): their counts add up.
    make_reminder_run(sync_run=run, sent=10, failed=1, held=0, skipped=2)
    make_reminder_run(sync_run=run, sent=3, failed=0, held=5, skipped=1)
    other = make_run(minutes_ago=5, cases_opened=1)
    make_reminder_run(sync_run=other, sent=99)

    html = manager_client.get(PANEL).content.decode()

    expected = {
        "cases_opened": "7",
        "cases_refreshed": "31",
        "cases_closed": "4",
        "emails_sent": "13",
        "emails_failed": "1",
        "emails_held": "5",
        "emails_skipped": "3",
        "api_requests": "58",
        "api_rate_limited": "3",
        "records_skipped": "2",
        "duration": "2:05",
        "status": "częściowy",
    }
    assert {field: cell(html, run, field) for field in expected} == expected
    row = re.search(rf'<tr data-run="{run.pk}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert "pełna" in row
    assert "polecenie" in row
    assert "22.11.2026" in row
    assert cell(html, other, "emails_sent") == "99"


def test_the_panel_lists_the_newest_runs_first(manager_client):
    old, new = make_run(minutes_ago=600), make_run(minutes_ago=10)
    html = manager_client.get(PANEL).content.decode()
    assert html.index(f'data-run="{new.pk}"') < html.index(f'tr data-run="{old.pk}"')


def test_the_panel_reads_runs_in_a_fixed_number_of_queries(manager_client, django_assert_max_num_queries):
    for i in range(30):
        run = make_run(minutes_ago=60 * (i + 1))
        make_reminder_run(sync_run=run, sent=i)
    with django_assert_max_num_queries(25):
        assert manager_client.get(PANEL).status_code == 200


# --- A run's page -------------------------------------------------------------------------------


def test_a_run_page_shows_its_skipped_records_errors_and_emails(manager_client):
    stages = ensure_stages()
    run = make_run(status=SyncRun.Status.PARTIAL, error="FV/9/2026: brak w InFakt (404), zamknięcie po potwierdzeniu")
    SkippedRecord.objects.create(run=run, kind="invoice", record_id="uuid-77", reason="brak terminu płatności")
    reminder_run = make_reminder_run(sync_run=run, sent=1, failed=1)
    kowalski = make_client()
    sent_case = make_case(client=kowalski, number="FV/1/2026")
    failed_case = make_case(client=kowalski, number="FV/2/2026")
    Notification.objects.create(
        case=sent_case,
        stage=stages[1],
        status=Notification.Status.SENT,
        send_date=business_today(),
        recipients=["biuro@kowalski.pl"],
        sent_at=timezone.now(),
        run=reminder_run,
    )
    Notification.objects.create(
        case=failed_case,
        stage=stages[2],
        status=Notification.Status.FAILED,
        send_date=business_today(),
        recipients=["biuro@kowalski.pl"],
        error="451 try again later",
        reason=Notification.Reason.SMTP_ERROR,
        run=reminder_run,
    )
    unrelated = make_case(client=kowalski, number="FV/3/2026")
    Notification.objects.create(case=unrelated, stage=stages[1], status="sent", send_date=business_today())

    html = manager_client.get(reverse("syncstatus:run", args=[run.pk])).content.decode()

    assert "uuid-77" in html
    assert "brak terminu płatności" in html
    assert "brak w InFakt (404)" in html
    emails = html[html.index('id="run-emails"') :]
    assert "FV/1/2026" in emails
    assert "FV/2/2026" in emails
    assert "451 try again later" in emails
    assert "FV/3/2026" not in emails
    assert reverse("cases:detail", args=[sent_case.pk]) in emails


def test_an_unknown_run_is_404(manager_client):
    assert manager_client.get(reverse("syncstatus:run", args=[999999])).status_code == 404


# --- Live JSON ----------------------------------------------------------------------------------


def test_the_status_json_shows_the_running_run_phase_bar_and_counters(manager_client):
    make_run(minutes_ago=120)
    running = make_run(
        minutes_ago=1,
        status=SyncRun.Status.RUNNING,
        phase="late",
        invoices_read=250,
        cases_opened=12,
        api_requests=9,
    )
    data = manager_client.get(STATUS).json()
    assert data["state"] == "running"
    assert data["run"]["id"] == running.pk
    assert data["run"]["running"] is True
    assert data["run"]["fields"]["phase"] == "Faktury wystawione po terminie okna"
    assert data["run"]["fields"]["step"] == "3/5"
    assert data["run"]["percent"] == 50  # two of five phases done, halfway through the third
    assert data["run"]["fields"]["invoices_read"] == "250"
    assert data["run"]["fields"]["cases_opened"] == "12"
    assert data["run"]["fields"]["api_requests"] == "9"
    assert data["run"]["stalled"] is False


def test_the_status_json_shows_the_final_summary_with_emails_when_nothing_runs(manager_client):
    run = make_run(cases_closed=3)
    make_reminder_run(sync_run=run, sent=8, held=0)
    data = manager_client.get(STATUS).json()
    assert data["state"] == "finished"
    assert data["run"]["percent"] == 100
    assert data["run"]["fields"]["status"] == "sukces"
    assert data["run"]["fields"]["cases_closed"] == "3"
    assert data["run"]["fields"]["emails_sent"] == "8"


def test_a_running_row_without_a_heartbeat_for_long_shows_as_stalled(manager_client):
    make_run(minutes_ago=40, seconds=30, status=SyncRun.Status.RUNNING, phase="unpaid")
    data = manager_client.get(STATUS).json()
    assert data["run"]["stalled"] is True


def test_the_status_json_is_idle_before_the_first_run(manager_client):
    assert manager_client.get(STATUS).json() == {"run": None, "state": "idle", "queued_at": None}


def test_the_run_status_json_follows_one_run(manager_client):
    first = make_run(minutes_ago=90)
    make_run(minutes_ago=1, status=SyncRun.Status.RUNNING, phase="unpaid")
    data = manager_client.get(reverse("syncstatus:run_status", args=[first.pk])).json()
    assert data["run"]["id"] == first.pk
    assert data["state"] == "finished"


# --- Run now --------------------------------------------------------------------------------------


def test_staff_run_now_queues_a_django_q_task_and_the_panel_shows_it_waiting(
    staff_client, staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(Conf, "SYNC", False)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(RUN_NOW)
    assert response.status_code == 302
    assert response["Location"] == PANEL
    (queued,) = OrmQ.objects.all()
    assert queued.func() == "syncstatus.tasks.panel_sync"
    assert queued.kwargs() == {"user_id": staff_user.pk}
    assert queued.group() == PANEL_SYNC_GROUP
    assert not SyncRun.objects.exists()  # the worker runs it, not the web request
    assert staff_client.get(STATUS).json()["state"] == "queued"
    # A second click while it waits is refused: one queued sync is enough.
    response = staff_client.post(RUN_NOW, follow=True)
    assert OrmQ.objects.count() == 1
    assert "czeka już na proces w tle" in str(list(get_messages(response.wsgi_request))[-1])


def test_run_now_is_refused_with_a_clear_message_while_another_sync_runs(staff_client, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    running = make_run(minutes_ago=2, seconds=100, status=SyncRun.Status.RUNNING, phase="paid")
    response = staff_client.post(RUN_NOW, follow=True)
    assert response.status_code == 200
    assert not OrmQ.objects.exists()
    html = response.content.decode()
    assert f"synchronizacja #{running.pk} trwa od" in html
    assert "Faktury opłacone od ostatniej synchronizacji" in html
    assert 'data-state="running"' in html


def test_run_now_runs_the_sync_to_the_end_as_the_panel_trigger(
    staff_client, staff_user, sim, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """django-q2 in sync mode: the task runs inline, against the simulator, and the panel shows the result."""
    ensure_stages()
    settings.INFAKT_BASE_URL = sim.base_url
    settings.INFAKT_API_KEY = sim.api_key
    monkeypatch.setattr(Conf, "SYNC", True)
    monkeypatch.setattr("syncstatus.tasks.business_today", lambda: sim.world.today)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(RUN_NOW)
    response = staff_client.get(PANEL)
    run = SyncRun.objects.get()
    assert run.trigger == SyncRun.Trigger.PANEL
    assert run.triggered_by == staff_user
    assert run.status == SyncRun.Status.SUCCESS, run.error
    assert run.cases_opened > 0
    assert run.target_date == sim.world.today
    html = response.content.decode()
    assert 'data-state="finished"' in html
    assert cell(html, run, "cases_opened") == str(run.cases_opened)
    assert cell(html, run, "api_requests") == str(run.api_requests)
    assert "panel" in html
    assert ReminderStage.objects.exists()


def test_a_stalled_running_row_does_not_block_run_now(staff_client, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(Conf, "SYNC", False)
    make_run(minutes_ago=60, seconds=10, status=SyncRun.Status.RUNNING, phase="unpaid")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(RUN_NOW)
    assert OrmQ.objects.count() == 1  # the engine closes the dead row when the task starts


def test_staff_without_run_sync_get_403(client, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    user = User.objects.create_user("podglad", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_syncrun"))
    client.force_login(user)
    assert client.get(PANEL).status_code == 200
    assert client.post(RUN_NOW).status_code == 403
    assert not OrmQ.objects.exists()


# --- Links ----------------------------------------------------------------------------------------


def test_the_admin_index_links_the_panel_and_reports_and_loads_the_banner(manager_client):
    html = manager_client.get(reverse("admin:index")).content.decode()
    assert reverse("syncstatus:panel") in html
    assert reverse("syncstatus:reports") in html
    assert f'data-health-url="{reverse("syncstatus:health")}"' in html


def test_the_admin_index_has_no_sync_links_for_users_without_the_permission(client):
    client.force_login(User.objects.create_user("gosc", password="x", is_staff=True))
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse("syncstatus:panel") not in html
