"""Scale-out: django-q2 on the Redis broker (REDIS_URL) with several worker processes.

A real `manage.py qcluster` child process runs with REDIS_URL and Q_WORKERS=3 on the test
database; the test enqueues through Redis and reads the results django-q2 stores in the
database. Skipped when Redis or the `redis` package is missing. The queue name is unique per
run (Q_CLUSTER_NAME), so a cluster of another checkout on the same Redis never takes a task.
"""

from __future__ import annotations

import os
import signal
import uuid

import pytest
from django_q.conf import Conf
from django_q.models import Task
from django_q.tasks import async_task

from cases.models import Case
from common.calendar import business_today
from infakt_simulator.demo import build_demo_world
from syncstatus.models import SyncRun
from tests.waiting import wait_until

from .conftest import child_env

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/14")


def redis_problem() -> str:
    try:
        import redis
    except ImportError:
        return "the redis package is not installed (pip install -r requirements.txt)"
    try:
        redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except Exception as exc:
        return f"Redis is not reachable at {REDIS_URL} ({type(exc).__name__}); set REDIS_TEST_URL or start redis-server"
    return ""


PROBLEM = redis_problem()
pytestmark = [
    pytest.mark.skipif(bool(PROBLEM), reason=PROBLEM or "-"),
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def redis_queue(monkeypatch):
    """A Redis broker on a queue of its own; the test process enqueues with it."""
    from django_q.brokers.redis_broker import Redis

    name = f"invoicetracker-test-{uuid.uuid4().hex[:10]}"
    monkeypatch.setattr(Conf, "REDIS", REDIS_URL)
    broker = Redis(list_key=name)
    yield name, broker
    broker.delete_queue()
    broker.connection.close()


def test_a_redis_cluster_with_three_workers_runs_tasks_and_keeps_the_sync_exclusive(sim, world, manage, redis_queue):
    name, broker = redis_queue
    world.reset_from(build_demo_world(seed=7, today=business_today(), clients=20, invoices=120))
    env = child_env(
        REDIS_URL=REDIS_URL,
        Q_WORKERS="3",
        Q_CLUSTER_NAME=name,
        INFAKT_API_KEY=sim.api_key,
        INFAKT_BASE_URL=sim.base_url,
        INFAKT_MAX_RETRIES="2",
    )
    cluster = manage("qcluster", env=env)

    # The first sync's first request answers after 1.5 s: it holds the lock while the second starts.
    sim.control("POST", "/faults", {"delay": 1.5, "count": 1})
    syncs = [async_task("syncstatus.tasks.panel_sync", broker=broker) for _ in range(2)]
    trivial = [async_task("math.floor", n + 0.5, broker=broker) for n in range(4)]
    ids = syncs + trivial

    wait_until(lambda: Task.objects.filter(id__in=ids).count() == len(ids), timeout=60, what="6 results", proc=cluster)

    tasks = {t.id: t for t in Task.objects.filter(id__in=ids)}
    assert all(t.success for t in tasks.values()), {t.func: t.result for t in tasks.values() if not t.success}
    assert [tasks[i].result for i in trivial] == [0, 1, 2, 3]
    sync_results = sorted((tasks[i].result for i in syncs), key=lambda r: r is None)
    run = SyncRun.objects.get()  # one sync ran; the other was refused by the advisory lock
    assert sync_results == [run.pk, None]
    assert run.status == SyncRun.Status.SUCCESS
    assert run.cases_opened == Case.objects.count() > 0
    # The two syncs ran in different worker processes at the same time.
    first, second = sorted((tasks[i] for i in syncs), key=lambda t: t.started)
    assert second.started < first.stopped
    assert broker.queue_size() == 0

    cluster.send_signal(signal.SIGTERM)
    assert cluster.wait(timeout=30) == 0
