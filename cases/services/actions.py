"""What staff do on a case (the case page, the admin, the worklist; issue 13): pause and resume, hand over,
a note, a phone call, a promise to pay."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from common.calendar import business_today

from ..models import Case, CaseEvent
from .events import case_event_add


def case_pause(*, case: Case, until: date, reason: str, note: str = "", user=None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    Case.objects.filter(pk=case.pk).update(paused_until=until, pause_reason=reason, pause_note=note)
    case.refresh_from_db()
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.PAUSED,
        code="case.paused",
        params={"until": until.isoformat(), "reason": reason, "note": note},
        now=now,
        user=user,
    )


def case_resume(*, case: Case, user=None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    Case.objects.filter(pk=case.pk).update(paused_until=None, pause_reason="", pause_note="")
    case.refresh_from_db()
    case_event_add(case=case, kind=CaseEvent.Kind.RESUMED, code="case.resumed", now=now, user=user)


def case_mark_handed_over(
    *, cases, user, to: str, on: date | None = None, note: str = "", now: datetime | None = None
) -> int:
    """Staff hand cases over (to a collection agency, a lawyer...): with a date, to whom and a note.

    Takes a queryset or a list of cases; only active cases are marked. Returns how many changed.
    """
    now = now or timezone.now()
    to = (to or "").strip()
    if not to:
        raise ValidationError("Podaj, komu przekazano sprawę.")
    on = on or business_today(now)
    ids = [c.pk for c in cases]
    changed = 0
    for case in Case.objects.filter(pk__in=ids, status=Case.Status.ACTIVE).select_related("invoice"):
        updated = Case.objects.filter(pk=case.pk, status=Case.Status.ACTIVE).update(
            handover=Case.Handover.HANDED_OVER,
            handed_over_on=on,
            handed_over_to=to[:255],
            handover_note=note[:500],
            handed_over_by=user,
        )
        if updated:
            changed += 1
            case_event_add(
                case=case,
                kind=CaseEvent.Kind.HANDED_OVER,
                code="case.handed_over",
                params={"on": on.isoformat(), "to": to, "note": note},
                now=now,
                user=user,
                to=to,
                on=on.isoformat(),
            )
    return changed


def case_note_add(*, case: Case, user, text: str, now: datetime | None = None) -> CaseEvent:
    """Staff write a note on the case's timeline."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("Notatka jest pusta.")
    return case_event_add(
        case=case,
        kind=CaseEvent.Kind.NOTE,
        code="case.note",
        params={"text": text},
        now=now or timezone.now(),
        user=user,
    )


def case_call_log(*, case: Case, user, outcome: str, text: str = "", now: datetime | None = None) -> CaseEvent:
    """Staff log a phone call with the debtor: its outcome (CaseEvent.CallOutcome) and what was said."""
    if outcome not in CaseEvent.CallOutcome.values:
        raise ValidationError("Nieznany wynik rozmowy.")
    text = (text or "").strip()
    return case_event_add(
        case=case,
        kind=CaseEvent.Kind.CALL,
        code="case.call",
        params={"outcome": outcome, "text": text},
        now=now or timezone.now(),
        user=user,
        outcome=outcome,
        text=text,
    )


def case_promise_to_pay(
    *, case: Case, user, on: date, amount: int, note: str = "", now: datetime | None = None
) -> None:
    """The debtor promised to pay `amount` (grosze) by `on`: the case is paused until that day.

    The promise is kept when InFakt shows that much more paid than when it was made (or the invoice
    paid); broken when the day passed without it (`Case.promise_state`). A new promise replaces
    the old one. A correction under review must be confirmed first (its pause has no end).
    """
    now = now or timezone.now()
    case = Case.objects.select_related("invoice").get(pk=case.pk)
    if case.status != Case.Status.ACTIVE:
        raise ValidationError("Sprawa jest zamknięta.")
    if case.awaits_amount_review:
        raise ValidationError("Najpierw potwierdź kwotę po korekcie.")
    if on < business_today(now):
        raise ValidationError("Termin obietnicy nie może być w przeszłości.")
    if amount <= 0 or amount > case.invoice.left_to_pay:
        raise ValidationError("Obiecana kwota musi być większa od zera i nie większa niż pozostało do zapłaty.")
    note = (note or "").strip()[:200]
    Case.objects.filter(pk=case.pk).update(
        promise_date=on,
        promise_amount=amount,
        promise_paid_before=case.invoice.paid,
        paused_until=on,
        pause_reason=Case.PauseReason.PROMISE_TO_PAY,
        pause_note=note,
    )
    case.refresh_from_db()
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.PROMISE,
        code="case.promise",
        params={"amount": amount, "currency": case.invoice.currency, "until": on.isoformat(), "note": note},
        now=now,
        user=user,
        amount=amount,
        on=on.isoformat(),
    )


def case_promise_end(*, case: Case, user, note: str = "", now: datetime | None = None) -> bool:
    """Staff followed up a promise (kept or broken): it leaves the worklist. False if there was none."""
    now = now or timezone.now()
    case = Case.objects.select_related("invoice").get(pk=case.pk)
    state = case.promise_state(business_today(now))
    if not state:
        return False
    Case.objects.filter(pk=case.pk).update(promise_date=None, promise_amount=None, promise_paid_before=None)
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.PROMISE,
        code="case.promise_end",
        params={
            "amount": case.promise_amount,
            "received": case.promise_received,
            "currency": case.invoice.currency,
            "state": state,
            "note": note.strip(),
        },
        now=now,
        user=user,
        state=state,
        received=case.promise_received,
    )
    case.refresh_from_db()
    return True
