"""The letter ladder on a case: its next rung and day (`cases.ladder`), claiming and releasing a rung."""

from __future__ import annotations

from datetime import date

from django.db.models import F
from django.db.models.functions import Greatest

from .. import ladder
from ..models import Case, Invoice, ReminderStage, case_paused_q


def _active_stages() -> list[ReminderStage]:
    return list(ReminderStage.objects.filter(is_active=True).order_by("offset_days"))


def case_schedule_next(*, case: Case, stages: list[ReminderStage] | None = None, save: bool = True) -> Case:
    """Point the case at its next rung and the day it falls due (cases.ladder); None at the ladder's end.

    At the end of the ladder an active case becomes *to hand over* (unless already handed over);
    a rung added later takes it back onto the ladder.
    """
    if stages is None:
        stages = _active_stages()
    nxt = None
    day = None
    if case.status == Case.Status.ACTIVE and case.invoice.due_date is not None:
        rung = ladder.next_rung(
            due=case.invoice.due_date,
            offsets=[s.offset_days for s in stages],
            handled=case.last_stage_offset,
            previous=case.previous_letter,
        )
        if rung is not None:
            nxt = next(s for s in stages if s.offset_days == rung.offset)
            day = rung.day
    case.next_stage = nxt
    case.next_reminder_date = day
    fields = ["next_stage", "next_reminder_date"]
    if case.status == Case.Status.ACTIVE and case.handover != Case.Handover.HANDED_OVER:
        at_end = nxt is None and case.last_stage_offset is not None and bool(stages)
        wanted = Case.Handover.TO_HAND_OVER if at_end else ""
        if case.handover != wanted:
            case.handover = wanted
            fields.append("handover")
    if save:
        case.save(update_fields=fields)
    return case


def cases_reschedule(*, stages: list[ReminderStage] | None = None) -> int:
    """Re-point every active case at its next rung after the stage ladder changed. Returns how many moved."""
    if stages is None:
        stages = _active_stages()
    moved = 0
    for case in Case.objects.filter(status=Case.Status.ACTIVE).select_related("invoice", "next_stage"):
        before = (case.next_stage_id, case.next_reminder_date, case.handover)
        case_schedule_next(case=case, stages=stages, save=False)
        if (case.next_stage_id, case.next_reminder_date, case.handover) != before:
            case.save(update_fields=["next_stage", "next_reminder_date", "handover"])
            moved += 1
    return moved


def case_claim_rung(
    *,
    case_id: int,
    expected: int | None,
    offset: int,
    day: date,
    letter: bool,
    stages: list[ReminderStage],
    respect_pause: bool = True,
) -> Case | None:
    """Move a case from rung `expected` to `offset` if nobody moved it and it may still get letters.

    The conditional update that claims a rung (house style: claim before acting). With `letter`
    the rung's letter goes out on `day`: an overdue one becomes the case's previous letter
    (L, offset_prev) and the sent-letters count goes up. Returns the re-scheduled case, or None.
    """
    claimable = Case.objects.filter(pk=case_id, status=Case.Status.ACTIVE)
    claimable = (
        claimable.filter(last_stage_offset__isnull=True)
        if expected is None
        else claimable.filter(last_stage_offset=expected)
    )
    claimable = claimable.filter(invoice__left_to_pay__gt=0).exclude(invoice__status=Invoice.Status.PAID)
    if respect_pause:  # staff may send by hand to a paused case
        claimable = claimable.exclude(case_paused_q(day))
    values: dict = {"last_stage_offset": offset}
    if letter:
        values["letters_sent"] = F("letters_sent") + 1
        if ladder.letter_counts_as_previous(offset):
            values |= {"last_letter_on": day, "last_letter_offset": offset}
    if not claimable.update(**values):
        return None
    case = Case.objects.select_related("invoice", "invoice__client").get(pk=case_id)
    case_schedule_next(case=case, stages=stages)
    return case


def case_release_rung(
    *,
    case_id: int,
    offset: int,
    floor: int | None,
    previous: ladder.Letter | None,
    letter: bool,
    stages: list[ReminderStage],
) -> bool:
    """Undo a claim whose letter was refused, so the case stays due: back to rung `floor` and the
    previous letter it had before."""
    values: dict = {
        "last_stage_offset": floor,
        "last_letter_on": previous.day if previous else None,
        "last_letter_offset": previous.offset if previous else None,
    }
    if letter:
        values["letters_sent"] = Greatest(F("letters_sent") - 1, 0)
    if not Case.objects.filter(pk=case_id, last_stage_offset=offset).update(**values):
        return False
    case = Case.objects.select_related("invoice").get(pk=case_id)
    case_schedule_next(case=case, stages=stages)
    return True


def case_uncount_letter(*, case_id: int) -> None:
    """A claimed letter finally did not go out (attempts exhausted): it is not counted as sent."""
    Case.objects.filter(pk=case_id).update(letters_sent=Greatest(F("letters_sent") - 1, 0))


def case_lock_for_manual(*, case_id: int) -> Case:
    """The case row locked for a manual send (inside the caller's transaction)."""
    return Case.objects.select_for_update(of=("self",)).select_related("invoice", "invoice__client").get(pk=case_id)
