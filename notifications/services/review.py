"""The first-run review (policy section 4) and holds staff put on planned letters.

A later issue builds a clerk's worklist on these: `reminder_letters_planned` (selectors) lists
a day's planned letters by client; `reminder_hold_letter` / `reminder_hold_client` hold them.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from cases.models import Case, Client
from common.calendar import business_today

from ..models import Notification, ReminderReview
from ..selectors import case_due_stage, reminder_letters_planned, reminder_review_pending, reminder_stages_active
from .records import record_held, rung_pass

Reason = Notification.Reason


def reminder_review_approve(
    *, user, exclude_case_ids: list[int] | None = None, day: date | None = None, now: datetime | None = None
) -> ReminderReview:
    """Approve the first letters (optionally excluding cases): sending then proceeds as usual.

    An excluded case's letter of the day is recorded as skipped by staff choice (its next rung
    follows the ladder). Returns the approval; approving twice changes nothing more.
    """
    now = now or timezone.now()
    day = day or business_today(now)
    existing = ReminderReview.objects.first()
    if existing is not None:
        return existing
    excluded = sorted({int(pk) for pk in exclude_case_ids or []})
    stages = reminder_stages_active()
    with transaction.atomic():
        review = ReminderReview.objects.create(day=day, approved_at=now, approved_by=user, excluded_case_ids=excluded)
        for case in Case.objects.filter(pk__in=excluded).select_related("invoice", "invoice__client"):
            due = case_due_stage(case=case, day=day, stages=stages)
            if due is None or due.stage is None:
                continue
            skips = [*due.skips, (due.stage, Reason.REVIEW_EXCLUDED)]
            rung_pass(case, due.stage.offset_days, skips, day=day, stages=stages, run=None, now=now, user=user)
        Notification.objects.filter(status=Notification.Status.HELD, reason=Reason.FIRST_RUN_REVIEW).update(
            error="Zatwierdzone.", updated_at=timezone.now()
        )
    return review


def reminder_hold_letter(*, case: Case, user, day: date | None = None, note: str = "", now=None) -> bool:
    """Hold the case's letter planned for `day` (staff): it does not go that day. False if none is planned."""
    now = now or timezone.now()
    day = day or business_today(now)
    case = Case.objects.select_related("invoice", "invoice__client").get(pk=case.pk)
    due = case_due_stage(case=case, day=day, stages=reminder_stages_active())
    if due is None or due.stage is None:
        return False
    record_held(
        case=case,
        stage=due.stage,
        day=day,
        reason=Reason.STAFF_HOLD,
        message=note or "Wstrzymane przez pracownika na ten dzień.",
        run=None,
        now=now,
        user=user,
    )
    return True


def reminder_hold_client(*, client: Client, user, day: date | None = None, note: str = "", now=None) -> int:
    """Hold all of the client's letters planned for `day`. Returns how many."""
    now = now or timezone.now()
    day = day or business_today(now)
    held = 0
    for group in reminder_letters_planned(day=day):
        if group.client is None or group.client.pk != client.pk:
            continue
        for due in group.letters:
            held += reminder_hold_letter(case=due.case, user=user, day=day, note=note, now=now)
    return held


__all__ = [
    "reminder_hold_client",
    "reminder_hold_letter",
    "reminder_review_approve",
    "reminder_review_pending",
]
