"""Run the due django-q2 jobs inside one HTTP request: the cron alternative to a resident worker.

`jobs_run_due()` does what a `qcluster` would do over one pass, in the calling process:

1. the django-q2 scheduler turns every due `Schedule` (as declared by `setup_schedules`)
   into a task on the broker and moves its `next_run` on, under `SELECT ... FOR UPDATE`,
   so two overlapping calls never start the same schedule twice;
2. the queued tasks (the scheduled ones, and "run sync now" from the panel) are taken off
   the broker one at a time (the ORM broker claims each row with a conditional update) and
   run here, and their results are stored as usual (django-q2's Successful/Failed tasks).

The jobs themselves are safe to overlap (the sync holds an advisory lock, reminders claim
each message), so a cron call that overlaps a still-running one does no harm.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import time
from dataclasses import dataclass, field

from django.utils import timezone

log = logging.getLogger("invoicetracker.jobs")

# At most this many tasks per call, so one request stays well inside the platform's deadline.
MAX_TASKS_PER_CALL = 10


@dataclass
class DueRun:
    ran: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"tasks_run": len(self.ran), "tasks_failed": len(self.failed), "seconds": round(self.seconds, 1)}


class _Timer:
    """Stands in for the multiprocessing.Value a cluster worker reports its state through."""

    def __init__(self) -> None:
        self.value = -1.0

    def get_lock(self):
        return contextlib.nullcontext()


def _run_one(broker, ack_id, payload) -> dict:
    from django_q.monitor import monitor
    from django_q.signing import SignedPackage
    from django_q.worker import worker

    task = SignedPackage.loads(payload)
    task["ack_id"] = ack_id
    task["ack_failure"] = True  # max_attempts is 1: a failed daily job is redone by the next day's, not retried
    tasks: queue.SimpleQueue = queue.SimpleQueue()
    results: queue.SimpleQueue = queue.SimpleQueue()
    tasks.put(task)
    tasks.put("STOP")
    # No SIGALRM timeout here: the request's deadline bounds the run.
    worker(tasks, results, _Timer(), timeout=-1)
    done = results.get()
    results.put(done)
    results.put("STOP")
    monitor(results, broker=broker)
    return done


def jobs_run_due(*, max_tasks: int = MAX_TASKS_PER_CALL) -> DueRun:
    """Queue the due schedules, then run queued tasks in this process (at most `max_tasks`)."""
    from django_q.brokers import get_broker
    from django_q.scheduler import scheduler

    started = time.monotonic()
    report = DueRun()
    broker = get_broker()
    scheduler(broker=broker)
    while len(report.ran) < max_tasks:
        batch = broker.dequeue()
        if not batch:
            break
        for ack_id, payload in batch:
            if len(report.ran) >= max_tasks:
                # Claimed but not run: give the claim back so the next call (or a worker) takes it.
                if ack_id is not None:
                    broker.get_connection().filter(pk=ack_id).update(lock=timezone.now())
                else:
                    broker.enqueue(payload)
                continue
            done = _run_one(broker, ack_id, payload)
            name = done.get("name") or str(done.get("id"))
            report.ran.append(name)
            if not done.get("success"):
                report.failed.append(name)
    report.seconds = time.monotonic() - started
    if report.ran:
        log.info("cron: ran %s task(s), %s failed", len(report.ran), len(report.failed))
    return report
