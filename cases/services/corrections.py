"""Corrective invoices: linked to their original, whose case they close or pause until staff confirm the amount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from common.formatting import format_money

from ..models import Case, CaseEvent, Invoice
from .events import case_event_add
from .lifecycle import case_close


@dataclass
class CorrectionOutcome:
    """What a correction did: "unlinked" (original unknown), "closed", "paused" or "noted"."""

    result: str
    original: Invoice | None = None
    case: Case | None = None


def correction_reference_keys(correction: Invoice) -> set[str]:
    """The ways a correction names its original, as strings (number, id, uuid)."""
    keys = {correction.corrected_invoice_number.strip()} - {""}
    raw = correction.raw if isinstance(correction.raw, dict) else {}
    for name in ("corrected_invoice_id", "corrected_invoice_uuid"):
        value = raw.get(name)
        if value not in (None, ""):
            keys.add(str(value).strip())
    return keys


def correction_find_original(*, correction: Invoice) -> Invoice | None:
    """The stored original: by id/uuid when the payload gives them, else by number, else a numeric
    `corrected_invoice_number` taken as an id (one official example names the original that way)."""
    raw = correction.raw if isinstance(correction.raw, dict) else {}
    originals = Invoice.objects.exclude(kind=Invoice.Kind.CORRECTION).exclude(pk=correction.pk)
    by_id, by_uuid = raw.get("corrected_invoice_id"), raw.get("corrected_invoice_uuid")
    if isinstance(by_id, int) and not isinstance(by_id, bool):
        found = originals.filter(infakt_id=by_id).first()
        if found:
            return found
    if isinstance(by_uuid, str) and by_uuid:
        found = originals.filter(uuid=by_uuid).first()
        if found:
            return found
    number = correction.corrected_invoice_number.strip()
    if not number:
        return None
    found = originals.filter(number=number).order_by("-issue_date", "-pk").first()
    if found is None and number.isdigit():
        found = originals.filter(infakt_id=int(number)).first()
    return found


def correction_apply(
    *, correction: Invoice, now: datetime, run_id: int | None = None, changed: bool = True
) -> CorrectionOutcome:
    """Link a correction to its original and keep any dunning of the original honest.

    The rule: never dun an amount a correction may have changed without a person confirming it.
    A correction (with every other one of the same original) that brings the original's total to
    zero or below closes its active case as *corrected*; any other correction of an original under
    dunning pauses the case with no end date until staff confirm the amount (`case_confirm_amount`).
    `changed` says the correction is new to us or its amount changed; otherwise (a re-read) nothing
    happens again, so a confirmed case is not paused a second time by the same correction.
    """
    original = correction.corrected_invoice
    newly_linked = False
    if original is None:
        original = correction_find_original(correction=correction)
        if original is None:
            return CorrectionOutcome("unlinked")
        Invoice.objects.filter(pk=correction.pk).update(corrected_invoice=original)
        correction.corrected_invoice = original
        newly_linked = True
    case = Case.objects.select_related("invoice").filter(invoice=original).first()
    if case is None or not (newly_linked or changed):
        return CorrectionOutcome("noted", original, case)
    amount = format_money(correction.gross, correction.currency)
    total = original.gross + sum(
        Invoice.objects.filter(corrected_invoice=original, kind=Invoice.Kind.CORRECTION).values_list("gross", flat=True)
    )
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.CORRECTION,
        code="case.correction",
        params={
            "number": correction.number,
            "status": correction.status,
            "amount": correction.gross,
            "total": total,
            "currency": original.currency,
        },
        now=now,
        run_id=run_id,
        correction_id=correction.infakt_id,
        correction_number=correction.number,
        amount=correction.gross,
        corrected_total=total,
    )
    if case.status != Case.Status.ACTIVE:
        return CorrectionOutcome("noted", original, case)
    if total <= 0:
        case_close(
            case=case,
            reason=Case.CloseReason.CORRECTED,
            now=now,
            run_id=run_id,
            note=f"{correction.number}: {amount}",
        )
        return CorrectionOutcome("closed", original, case)
    case_pause_for_review(case=case, correction=correction, now=now, run_id=run_id)
    return CorrectionOutcome("paused", original, case)


def case_pause_for_review(*, case: Case, correction: Invoice, now: datetime, run_id: int | None = None) -> None:
    """Pause with no end date: a correction may have changed the amount owed."""
    note = f"korekta {correction.number}"
    Case.objects.filter(pk=case.pk).update(
        paused_until=None, pause_reason=Case.PauseReason.CORRECTION, pause_note=note[:255]
    )
    case.refresh_from_db()
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.PAUSED,
        code="case.paused_review",
        params={"number": correction.number},
        now=now,
        run_id=run_id,
        correction_number=correction.number,
    )


def case_confirm_amount(*, case: Case, user, now: datetime | None = None, note: str = "") -> bool:
    """Staff confirm the amount still owed after a correction: the review pause ends, dunning goes on.

    Records who confirmed and what: the amount InFakt shows left to pay, and the gross after
    corrections. Returns False when the case was not waiting for a review.
    """
    now = now or timezone.now()
    updated = Case.objects.filter(
        pk=case.pk, status=Case.Status.ACTIVE, paused_until__isnull=True, pause_reason=Case.PauseReason.CORRECTION
    ).update(pause_reason="", pause_note="")
    if not updated:
        return False
    case.refresh_from_db()
    invoice = case.invoice
    corrections = list(invoice.corrections.values_list("number", "gross"))
    total = invoice.gross + sum(gross for _number, gross in corrections)
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.CONFIRMED,
        code="case.amount_confirmed",
        params={
            "left": invoice.left_to_pay,
            "numbers": ", ".join(number for number, _gross in corrections) or "—",
            "total": total,
            "note": note,
            "currency": invoice.currency,
        },
        now=now,
        user=user,
        left_to_pay=invoice.left_to_pay,
        corrected_total=total,
        corrections=[number for number, _gross in corrections],
    )
    return True
