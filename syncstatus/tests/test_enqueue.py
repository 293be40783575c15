"""sync_run_enqueue ("run now"): queues today's daily sync once the transaction commits, or says why not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from cases.tests.conftest import make_user
from common.calendar import business_today
from syncstatus.models import SyncRun
from syncstatus.selectors import PANEL_SYNC_GROUP
from syncstatus.services import sync_run_enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_inline_tasks(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)  # the task waits for a worker on the ORM broker


def running_run(*, heartbeat_minutes_ago: int) -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        kind=SyncRun.Kind.DAILY,
        target_date=business_today(now),
        started_at=now - timedelta(minutes=heartbeat_minutes_ago + 1),
        heartbeat_at=now - timedelta(minutes=heartbeat_minutes_ago),
        status=SyncRun.Status.RUNNING,
        phase="unpaid",
    )


def test_it_queues_the_panel_sync_after_the_commit(django_capture_on_commit_callbacks):
    user = make_user("operator")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = sync_run_enqueue(user=user)
        assert not OrmQ.objects.exists()  # nothing is queued before the caller's transaction commits
    assert outcome.queued
    assert outcome.day == business_today()
    assert (outcome.running, outcome.waiting_since) == (None, None)
    for callback in callbacks:
        callback()
    (queued,) = OrmQ.objects.all()
    assert (queued.func(), queued.kwargs(), queued.group()) == (
        "syncstatus.tasks.panel_sync",
        {"user_id": user.pk},
        PANEL_SYNC_GROUP,
    )


def test_it_refuses_while_a_sync_runs(django_capture_on_commit_callbacks):
    running = running_run(heartbeat_minutes_ago=1)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = sync_run_enqueue(user=None)
    assert not outcome.queued
    assert outcome.running == running
    assert not OrmQ.objects.exists()


def test_a_stalled_run_does_not_block_it(django_capture_on_commit_callbacks):
    running_run(heartbeat_minutes_ago=60)
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_run_enqueue(user=None).queued
    assert OrmQ.objects.count() == 1


def test_it_refuses_while_one_waits_for_a_worker(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sync_run_enqueue(user=None)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = sync_run_enqueue(user=None)
    assert not outcome.queued
    assert outcome.waiting_since is not None
    assert outcome.running is None
    assert OrmQ.objects.count() == 1
