"""GET /healthz: for uptime checks, without a login; 200 when healthy, 503 when not."""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from syncstatus.models import SyncRun

pytestmark = pytest.mark.django_db

URL = "/healthz"
KEYS = {
    "status",
    "database",
    "sync",
    "last_successful_sync_age_hours",
    "sync_stale_after_hours",
    "queue_backlog",
    "email",
    "emails",
    "checked_at",
    "problems",
}


def finished_run(*, hours_ago: float, status: str = SyncRun.Status.SUCCESS, **values) -> SyncRun:
    finished = timezone.now() - timedelta(hours=hours_ago)
    return SyncRun.objects.create(
        kind=values.pop("kind", SyncRun.Kind.DAILY),
        target_date=finished.date(),
        started_at=finished - timedelta(minutes=2),
        heartbeat_at=finished,
        finished_at=finished,
        status=status,
        phase="done",
        **values,
    )


@pytest.fixture(autouse=True)
def stale_after(settings):
    settings.SYNC_STALE_AFTER_HOURS = 26


def test_the_url_is_healthz():
    assert reverse("ops:healthz") == URL


def test_it_is_200_with_a_recent_sync_and_needs_no_login(client):
    finished_run(hours_ago=3)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert set(data) == KEYS
    assert data["status"] == "ok"
    assert data["database"] == "ok"
    assert data["sync"] == "ok"
    assert data["problems"] == []
    assert 2.9 < data["last_successful_sync_age_hours"] < 3.1
    assert data["sync_stale_after_hours"] == 26
    assert data["queue_backlog"] == 0


def test_head_works_for_uptime_checkers(client):
    finished_run(hours_ago=1)
    assert client.head(URL).status_code == 200


def test_it_is_503_when_the_last_successful_sync_is_too_old(client):
    finished_run(hours_ago=27)
    finished_run(hours_ago=1, status=SyncRun.Status.FAILED, error="InfaktServerError: 503")
    response = client.get(URL)
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "fail"
    assert data["sync"] == "stale"
    assert data["problems"] == ["sync_stale"]
    assert 26.9 < data["last_successful_sync_age_hours"] < 27.1


def test_a_partial_sync_counts_as_successful_and_dry_runs_do_not(client):
    finished_run(hours_ago=40)
    finished_run(hours_ago=2, dry_run=True)
    assert client.get(URL).status_code == 503
    finished_run(hours_ago=2, status=SyncRun.Status.PARTIAL)
    assert client.get(URL).status_code == 200


def test_it_is_503_before_the_first_successful_sync(client):
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["sync"] == "never"
    assert response.json()["problems"] == ["sync_never_succeeded"]


def test_it_is_503_when_the_database_is_unreachable(client):
    finished_run(hours_ago=1)
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("could not connect to server")):
        response = client.get(URL)
    assert response.status_code == 503
    data = response.json()
    assert data["database"] == "unreachable"
    assert data["sync"] == "unknown"
    assert data["problems"] == ["database_unreachable"]
    assert data["last_successful_sync_age_hours"] is None


def test_it_counts_the_tasks_waiting_for_a_worker(client):
    from django_q.tasks import async_task

    finished_run(hours_ago=1)
    async_task("math.floor", 2.5)
    async_task("math.floor", 3.5)
    assert client.get(URL).json()["queue_backlog"] == 2


def test_it_reveals_nothing_sensitive(client, settings):
    finished_run(hours_ago=1)
    with mock.patch.object(connection, "cursor", side_effect=OperationalError(f"host {settings.DATABASES}")):
        bodies = [client.get(URL).content.decode()]
    bodies.append(client.get(URL).content.decode())
    db = settings.DATABASES["default"]
    for body in bodies:
        json.loads(body)
        for secret in [settings.SECRET_KEY, settings.INFAKT_API_KEY, db["NAME"], db.get("HOST") or "127.0.0.1"]:
            assert secret not in body
        assert "OperationalError" not in body
    assert settings.SECRET_KEY
