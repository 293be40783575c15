"""Reads of the dunning domain shared by commands, views and reports."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Case, CaseEvent


def case_list(*, status: str = "all") -> QuerySet[Case]:
    cases = Case.objects.select_related("invoice", "invoice__client", "next_stage")
    if status in {Case.Status.ACTIVE, Case.Status.CLOSED}:
        cases = cases.filter(status=status)
    return cases.order_by("invoice__due_date", "id")


def case_stages_sent(*, case_ids: list[int]) -> dict[int, list[int]]:
    """Offsets of the reminder stages actually sent, per case (from the case timeline)."""
    sent: dict[int, list[int]] = {}
    events = CaseEvent.objects.filter(case_id__in=case_ids, kind=CaseEvent.Kind.REMINDER, data__sent=True)
    for case_id, offset in events.order_by("at").values_list("case_id", "data__offset"):
        sent.setdefault(case_id, []).append(offset)
    return sent
