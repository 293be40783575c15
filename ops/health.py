"""The uptime check's answer: can we reach the database, is the InFakt data current, and are the
reminders going out?

Reveals nothing sensitive: no host names, versions, keys, addresses or customer figures; only
states, ages, and counts of messages and of background tasks waiting.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Q
from django.utils import timezone

from notifications.models import Notification

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


def _sending_health(now: datetime) -> tuple[str, dict]:
    """("ok" | "failing" | "uncertain", counts): failing while an SMTP failure of the last 24 hours
    came after the last successful send; uncertain while a message may or may not have gone (staff
    must confirm or resend it), including a claim left without an SMTP answer by a crashed run."""
    status = Notification.Status
    since = now - timedelta(hours=24)
    recent = Notification.objects.filter(
        status__in=[status.SENT, status.FAILED], send_date__gte=timezone.localdate(since)
    ).aggregate(
        sent=Count("pk", filter=Q(status=status.SENT, sent_at__gte=since)),
        failed=Count("pk", filter=Q(status=status.FAILED, updated_at__gte=since)),
    )
    stale_claim = now - timedelta(minutes=settings.REMINDER_CLAIM_STALE_MINUTES)
    uncertain = Notification.objects.filter(
        Q(status=status.UNCERTAIN) | Q(status=status.QUEUED, updated_at__lt=stale_claim)
    ).count()
    last_sent = (
        Notification.objects.filter(status=status.SENT, sent_at__isnull=False)
        .order_by("-send_date", "-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    failing = (
        Notification.objects.filter(status=status.FAILED, updated_at__gte=since)
        .filter(Q(updated_at__gt=last_sent) if last_sent else Q())
        .exists()
    )
    counts = {
        "sent_last_24h": recent["sent"],
        "failed_last_24h": recent["failed"],
        "uncertain": uncertain,
        "last_successful_send_age_hours": round((now - last_sent).total_seconds() / 3600, 2) if last_sent else None,
    }
    return ("failing" if failing else "uncertain" if uncertain else "ok"), counts


def health_status(*, now: datetime | None = None) -> dict:
    """{status, database, sync, last_successful_sync_age_hours, email, emails, ...}; status "ok" or "fail"."""
    now = now or timezone.now()
    problems: list[str] = []
    data: dict = {
        "status": "ok",
        "database": "ok",
        "sync": "ok",
        "last_successful_sync_age_hours": None,
        "sync_stale_after_hours": settings.SYNC_STALE_AFTER_HOURS,
        "queue_backlog": None,
        "email": "unknown",
        "emails": None,
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
        try:
            data["email"], data["emails"] = _sending_health(now)
        except DatabaseError as exc:
            log.error("health: e-mail log unreadable (%s)", type(exc).__name__)
            problems.append("database_unreachable")
        else:
            if data["email"] != "ok":
                problems.append(f"email_{data['email']}")
    if problems:
        data["status"] = "fail"
    data["problems"] = problems
    return data
