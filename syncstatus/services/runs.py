"""One run at a time: PostgreSQL's advisory lock, the running row (a dead one closed, a live one refused),
stall detection, and the last completed run that the next one continues from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ..models import SyncRun
from .errors import SyncAlreadyRunning

# A running run that has not reported for this long is considered dead.
STALE_RUN_AFTER = timedelta(minutes=15)

# An arbitrary application-wide key for PostgreSQL's advisory lock.
SYNC_LOCK_KEY = 0x1A7E5C


@contextmanager
def sync_lock() -> Iterator[bool | None]:
    """Hold PostgreSQL's session advisory lock for the sync while the block runs.

    Yields True when held, False when another session holds it, None on a
    database without advisory locks (SQLite in development: the heartbeat of
    the running row decides there). The server drops the lock by itself when
    the holding process dies, so a killed run never blocks the next one.
    """
    if connection.vendor != "postgresql":
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SYNC_LOCK_KEY])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SYNC_LOCK_KEY])


def _refusal(running: SyncRun | None) -> SyncAlreadyRunning:
    if running is None:
        return SyncAlreadyRunning("Inna synchronizacja właśnie trwa; spróbuj ponownie po jej zakończeniu.")
    return SyncAlreadyRunning(
        f"Synchronizacja #{running.pk} trwa od {timezone.localtime(running.started_at):%H:%M:%S} "
        f"(etap: {running.phase or 'start'}); spróbuj ponownie po jej zakończeniu."
    )


def sync_run_start(*, lock: bool | None, **values) -> SyncRun:
    """Insert the run as "running"; the partial unique index refuses a second one.

    A "running" row left by a process that died is closed as failed first: with
    the advisory lock in our hands it cannot belong to a live run; without
    advisory locks it must have been silent for STALE_RUN_AFTER.
    """
    if lock is False:
        raise _refusal(SyncRun.objects.filter(status=SyncRun.Status.RUNNING).first())
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return SyncRun.objects.create(started_at=now, heartbeat_at=now, status=SyncRun.Status.RUNNING, **values)
        except IntegrityError:
            running = SyncRun.objects.filter(status=SyncRun.Status.RUNNING).first()
            if running is None:
                continue
            if lock is None and running.heartbeat_at >= now - STALE_RUN_AFTER:
                raise _refusal(running) from None
            SyncRun.objects.filter(pk=running.pk, status=SyncRun.Status.RUNNING).update(
                status=SyncRun.Status.FAILED,
                finished_at=now,
                error=f"Przerwana: proces zakończył się bez końca synchronizacji "
                f"(ostatni sygnał {timezone.localtime(running.heartbeat_at):%Y-%m-%d %H:%M:%S}, "
                f"etap: {running.phase or 'start'}). Następna synchronizacja dokończyła pracę.",
            )
    raise _refusal(None)


def last_completed_run(*, before: SyncRun | None = None) -> SyncRun | None:
    runs = SyncRun.objects.filter(
        status__in=[SyncRun.Status.SUCCESS, SyncRun.Status.PARTIAL],
        dry_run=False,
        kind__in=[SyncRun.Kind.DAILY, SyncRun.Kind.FULL],
        window_end__isnull=False,
    )
    if before is not None:
        runs = runs.exclude(pk=before.pk)
    return runs.order_by("-window_end", "-started_at").first()


def sync_run_is_stalled(run: SyncRun, *, now: datetime | None = None) -> bool:
    """A running row whose heartbeat stopped more than STALE_RUN_AFTER ago (the next run closes it)."""
    now = now or timezone.now()
    return run.status == SyncRun.Status.RUNNING and run.heartbeat_at < now - STALE_RUN_AFTER
