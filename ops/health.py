"""The uptime check's answer: can we reach the database, and is the InFakt data current?

Reveals nothing sensitive: no host names, versions, keys or customer figures; only states,
the age of the last successful sync and the number of background tasks waiting.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

log = logging.getLogger("invoicetracker.health")


def _last_successful_sync_finished_at() -> tuple[bool, datetime | None]:
    """(database reachable, when the last successful sync finished)."""
    from syncstatus.selectors import sync_run_last_successful

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        last = sync_run_last_successful()
    except DatabaseError as exc:
        log.error("health: database unreachable (%s)", type(exc).__name__)
        return False, None
    return True, last.finished_at if last is not None else None


def _queue_backlog() -> int | None:
    """Tasks waiting for a worker (None when the broker cannot say)."""
    try:
        from django_q.brokers import get_broker  # django_q reads Q_CLUSTER at import

        return int(get_broker().queue_size())
    except Exception as exc:
        log.warning("health: task queue unreadable (%s)", type(exc).__name__)
        return None


def health_status(*, now: datetime | None = None) -> dict:
    """{status, database, sync, last_successful_sync_age_hours, ...}; status "ok" or "fail"."""
    now = now or timezone.now()
    problems: list[str] = []
    data: dict = {
        "status": "ok",
        "database": "ok",
        "sync": "ok",
        "last_successful_sync_age_hours": None,
        "sync_stale_after_hours": settings.SYNC_STALE_AFTER_HOURS,
        "queue_backlog": None,
        "checked_at": now.isoformat(timespec="seconds"),
    }
    reachable, finished_at = _last_successful_sync_finished_at()
    if not reachable:
        data["database"] = "unreachable"
        data["sync"] = "unknown"
        problems.append("database_unreachable")
    else:
        if finished_at is None:
            data["sync"] = "never"
            problems.append("sync_never_succeeded")
        else:
            age = (now - finished_at).total_seconds() / 3600
            data["last_successful_sync_age_hours"] = round(age, 2)
            if age > settings.SYNC_STALE_AFTER_HOURS:
                data["sync"] = "stale"
                problems.append("sync_stale")
        data["queue_backlog"] = _queue_backlog()
    if problems:
        data["status"] = "fail"
    data["problems"] = problems
    return data
