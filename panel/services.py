"""The panel's writes: the reports snapshots (`panel.models.ReportSnapshot`, read by panel.snapshots).

Every process (the web instances, the worker) reads and writes the same rows, so a snapshot computed by
one is served by all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import ReportSnapshot

# A queued refresh holds the snapshot this long; then a visitor may queue another (a lost task, a busy worker).
REFRESH_LEASE = timedelta(minutes=5)


def report_snapshot_store(*, days: int, language: str, version: str, payload: dict, at: datetime | None = None) -> None:
    """Insert or replace the snapshot of (days, language) in one statement (INSERT ... ON CONFLICT), which
    also ends any pending refresh's lease."""
    ReportSnapshot.objects.bulk_create(
        [
            ReportSnapshot(
                days=days,
                language=language,
                version=version,
                computed_at=at or timezone.now(),
                payload=payload,
                refresh_requested_at=None,
            )
        ],
        update_conflicts=True,
        unique_fields=["days", "language"],
        update_fields=["version", "computed_at", "payload", "refresh_requested_at"],
    )


def report_snapshot_refresh_claim(snapshot: ReportSnapshot, *, now: datetime | None = None) -> bool:
    """Take the snapshot's refresh lease (a conditional UPDATE, so of concurrent visitors in any process
    exactly one wins): True when the caller is to queue the refresh."""
    now = now or timezone.now()
    free = Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lt=now - REFRESH_LEASE)
    return bool(ReportSnapshot.objects.filter(free, pk=snapshot.pk).update(refresh_requested_at=now))
