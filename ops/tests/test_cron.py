"""/cron/run-due/: App Engine cron (or any scheduler with the shared secret) runs the due jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Failure, OrmQ, Schedule, Success

from ops.jobs import jobs_run_due

# The in-process worker closes stale connections as a cluster worker does: no wrapping test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

URL = "/cron/run-due/"
SECRET = "s" * 40


@pytest.fixture(autouse=True)
def cron_settings(settings):
    settings.ON_APP_ENGINE = False
    settings.CRON_SECRET = SECRET
    return settings


def due_schedule(name: str, func: str, args: str = "", minutes_ago: int = 5) -> Schedule:
    return Schedule.objects.create(
        name=name,
        func=func,
        args=args,
        schedule_type=Schedule.DAILY,
        repeats=-1,
        next_run=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_the_url(db):
    assert reverse("ops:cron_run_due") == URL


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_CRON_SECRET": "wrong"},
        {"HTTP_X_CRON_SECRET": ""},
        {"HTTP_X_APPENGINE_CRON": "true"},  # not on App Engine: anyone could send this header
    ],
)
def test_it_refuses_requests_without_a_valid_cron_header(client, headers):
    due_schedule("t", "math.floor", "2.5")
    response = client.get(URL, **headers)
    assert response.status_code == 403
    assert not Success.objects.exists()


def test_without_a_configured_secret_no_header_value_is_accepted(client, settings):
    settings.CRON_SECRET = ""
    assert client.get(URL, HTTP_X_CRON_SECRET="").status_code == 403


def test_app_engine_cron_header_is_trusted_on_app_engine(client, settings):
    settings.ON_APP_ENGINE = True
    settings.CRON_SECRET = ""
    due_schedule("t", "math.floor", "2.5")
    response = client.get(URL, HTTP_X_APPENGINE_CRON="true")
    assert response.status_code == 200
    assert response.json()["tasks_run"] == 1


def test_it_runs_the_due_schedules_and_moves_them_on(client):
    due = due_schedule("due", "math.floor", "2.5")
    later = due_schedule("later", "math.ceil", "2.5", minutes_ago=-60)
    response = client.post(URL, HTTP_X_CRON_SECRET=SECRET)
    assert response.status_code == 200
    assert response.json()["tasks_run"] == 1
    assert response.json()["tasks_failed"] == 0
    ok = Success.objects.get()
    assert ok.func == "math.floor"
    assert ok.result == 2
    due.refresh_from_db()
    assert due.next_run > timezone.now()
    later.refresh_from_db()
    assert later.next_run > timezone.now()
    assert not OrmQ.objects.exists()
    # A second call right after has nothing to do: a schedule never runs twice for one slot.
    assert client.get(URL, HTTP_X_CRON_SECRET=SECRET).json()["tasks_run"] == 0
    assert Success.objects.count() == 1


def test_it_runs_tasks_queued_by_the_panel(client):
    from django_q.tasks import async_task

    async_task("math.sqrt", 16, group="panel-sync")
    response = client.get(URL, HTTP_X_CRON_SECRET=SECRET)
    assert response.json()["tasks_run"] == 1
    assert Success.objects.get().result == 4
    assert not OrmQ.objects.exists()


def test_a_failing_task_is_recorded_and_answers_500(client):
    due_schedule("broken", "math.sqrt", "-1")
    response = client.get(URL, HTTP_X_CRON_SECRET=SECRET)
    assert response.status_code == 500
    assert response.json() == {"tasks_run": 1, "tasks_failed": 1, "seconds": response.json()["seconds"]}
    assert Failure.objects.get().func == "math.sqrt"
    assert not OrmQ.objects.exists()  # not redelivered: the next day's run redoes the work


def test_it_runs_at_most_a_bounded_number_of_tasks_per_call(db):
    from django_q.tasks import async_task

    for n in range(4):
        async_task("math.floor", n + 0.5)
    first = jobs_run_due(max_tasks=3)
    assert len(first.ran) == 3
    assert OrmQ.objects.count() == 1
    assert len(jobs_run_due(max_tasks=3).ran) == 1
    assert Success.objects.count() == 4


def test_the_declared_daily_sync_schedule_runs_through_cron(client, settings):
    from infakt_simulator.testing import running_simulator
    from infakt_simulator.world import World
    from invoicetracker.schedules import ensure_schedules
    from syncstatus.models import SyncRun

    ensure_schedules()
    Schedule.objects.filter(name="infakt-daily-sync").update(next_run=timezone.now() - timedelta(minutes=1))
    with running_simulator(World()) as sim:
        settings.INFAKT_BASE_URL, settings.INFAKT_API_KEY = sim.base_url, sim.api_key
        response = client.get(URL, HTTP_X_CRON_SECRET=SECRET)
    assert response.status_code == 200
    assert response.json()["tasks_run"] == 1
    assert Success.objects.get().func == "syncstatus.tasks.daily_sync"
    run = SyncRun.objects.get()  # the morning sync ran, as the schedule runs it
    assert (run.trigger, run.status) == (SyncRun.Trigger.SCHEDULE, SyncRun.Status.SUCCESS)
    assert Schedule.objects.get(name="infakt-daily-sync").next_run > timezone.now()
