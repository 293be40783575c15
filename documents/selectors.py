"""Reads for the reports: interest noted in interest notes, per month, and what has been collected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from .models import InterestNote


@dataclass(frozen=True)
class NoteTotals:
    currency: str
    noted: int
    collected: int
    count: int


def interest_note_totals() -> list[NoteTotals]:
    """Interest noted (all notes issued) and collected (notes marked paid), per currency: one query."""
    rows = (
        InterestNote.objects.values("currency")
        .annotate(noted=Sum("interest"), collected=Sum("interest", filter=Q(paid_at__isnull=False)), count=Count("id"))
        .order_by("currency")
    )
    return [NoteTotals(row["currency"], row["noted"] or 0, row["collected"] or 0, row["count"] or 0) for row in rows]


def interest_noted_per_month(*, start: date, end: date) -> dict[date, dict[str, int]]:
    """Interest noted per month of issue (first day) and currency, between `start` and `end`: one query."""
    rows = (
        InterestNote.objects.filter(issue_date__gte=start, issue_date__lte=end)
        .annotate(month=TruncMonth("issue_date"))
        .values("month", "currency")
        .annotate(total=Sum("interest"))
        .order_by("month")
    )
    result: dict[date, dict[str, int]] = {}
    for row in rows:
        result.setdefault(row["month"], {})[row["currency"]] = row["total"]
    return result
