"""A case as the sync sees it: opened, reopened, closed, following its invoice, missing from InFakt, refreshed."""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Case, CaseEvent, Invoice, ReminderStage
from .events import case_event_add
from .invoices import InvoiceChange, is_dunnable
from .schedule import case_schedule_next

# Closed cases the sync never reopens by itself: closed by a person, or corrected to zero (InFakt may
# still list the original as unpaid: whether a correction lowers its left_to_pay is undocumented).
STAYS_CLOSED = frozenset({Case.CloseReason.MANUAL, Case.CloseReason.CORRECTED})


def case_open(
    *,
    invoice: Invoice,
    now: datetime,
    run_id: int | None = None,
    stages: list[ReminderStage] | None = None,
    known_new: bool = False,
) -> tuple[Case, bool]:
    """Open the invoice's case; the unique invoice column makes a second one impossible.

    Returns (case, opened). An existing closed case is reopened when it was not
    closed by a person (e.g. a payment InFakt later reversed). With `known_new`
    the caller vouches there is no case yet (a duplicate then raises IntegrityError).
    """
    case = Case(invoice=invoice, opened_at=now, last_refreshed_at=now)
    case_schedule_next(case=case, stages=stages, save=False)
    if known_new:
        case.save(force_insert=True)
    else:
        try:
            with transaction.atomic():
                case.save(force_insert=True)
        except IntegrityError:
            return _open_existing(invoice=invoice, now=now, run_id=run_id, stages=stages)
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.OPENED,
        code="case.opened",
        params={"number": invoice.number, "due": invoice.due_date.isoformat() if invoice.due_date else ""},
        now=now,
        run_id=run_id,
        left_to_pay=invoice.left_to_pay,
    )
    return case, True


def _open_existing(*, invoice: Invoice, now: datetime, run_id: int | None, stages) -> tuple[Case, bool]:
    existing = Case.objects.select_related("invoice").get(invoice=invoice)
    if existing.status == Case.Status.CLOSED and existing.close_reason not in STAYS_CLOSED:
        _reopen(existing, now=now, run_id=run_id, stages=stages)
        return existing, True
    return existing, False


def _reopen(case: Case, *, now: datetime, run_id: int | None, stages: list[ReminderStage] | None) -> None:
    previous = case.close_reason
    case.status = Case.Status.ACTIVE
    case.closed_at = None
    case.close_reason = ""
    case.closed_by = None
    case.save(update_fields=["status", "closed_at", "close_reason", "closed_by"])
    case_schedule_next(case=case, stages=stages)
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.REOPENED,
        code="case.reopened",
        params={"previous": previous},
        now=now,
        run_id=run_id,
    )


def case_close(*, case: Case, reason: str, now: datetime, user=None, run_id: int | None = None, note: str = "") -> bool:
    """Close an active case. Returns False when it was already closed (nothing changes)."""
    updated = Case.objects.filter(pk=case.pk, status=Case.Status.ACTIVE).update(
        status=Case.Status.CLOSED,
        closed_at=now,
        close_reason=reason,
        closed_by=user,
        next_reminder_date=None,
        next_stage=None,
    )
    if not updated:
        return False
    case.refresh_from_db()
    params = {"reason": reason, "note": note, "currency": case.invoice.currency}
    if reason == Case.CloseReason.PAID and case.invoice.paid_date:
        params["paid_on"] = case.invoice.paid_date.isoformat()
    if reason == Case.CloseReason.PAID and case.invoice.overpaid > 0:
        params["overpaid"] = case.invoice.overpaid
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.CLOSED,
        code="case.closed",
        params=params,
        now=now,
        run_id=run_id,
        user=user,
        reason=reason,
    )
    return True


def case_apply_invoice_change(*, case: Case, change: InvoiceChange, now: datetime, run_id: int | None = None) -> str:
    """Bring a case in line with its refreshed invoice. Returns "closed", "updated" or "unchanged"."""
    invoice = change.invoice
    case.invoice = invoice
    if case.status != Case.Status.ACTIVE:
        return "unchanged"
    if change.payment_seen:
        old, new = change.changed["paid"]
        # The payment itself (the change in paid), and what is left: not the cumulative total.
        case_event_add(
            case=case,
            kind=CaseEvent.Kind.PAYMENT,
            code="case.payment" if new >= old else "case.payment_reversed",
            params={"amount": abs(new - old), "left": invoice.left_to_pay, "currency": invoice.currency},
            now=now,
            run_id=run_id,
            paid_before=old,
            paid=new,
            left_to_pay=invoice.left_to_pay,
        )
    if invoice.is_fully_paid:
        reason = Case.CloseReason.PAID
        if invoice.status != Invoice.Status.PAID and invoice.paid <= 0 and invoice.corrections.exists():
            reason = Case.CloseReason.CORRECTED  # InFakt lowered left_to_pay itself after a correction
        case_close(case=case, reason=reason, now=now, run_id=run_id)
        return "closed"
    if not is_dunnable(invoice):
        case_close(
            case=case,
            reason=Case.CloseReason.NOT_DUNNABLE,
            now=now,
            run_id=run_id,
            note=f"{invoice.get_status_display()}, {invoice.get_kind_display()}",
        )
        return "closed"
    other = {k: v for k, v in change.changed.items() if k not in {"paid", "left_to_pay"}}
    if other:
        changes = [[name, _raw(a), _raw(b)] for name, (a, b) in other.items()]
        case_event_add(
            case=case, kind=CaseEvent.Kind.CHANGED, code="case.changed",
            params={"changes": changes, "currency": invoice.currency}, now=now, run_id=run_id,
            changed={name: [str(a), str(b)] for name, (a, b) in other.items()},
        )  # fmt: skip
        if "due_date" in other:
            case_schedule_next(case=case)
    return "updated" if change.changed else "unchanged"


def _raw(value: object):
    """A changed invoice value as a timeline parameter: money stays grosze, dates ISO, the rest text."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def case_mark_missing(*, case: Case, now: datetime) -> None:
    """InFakt answered 404 for the case's invoice once: remembered, so a second 404 on another day closes it."""
    Case.objects.filter(pk=case.pk).update(missing_since=now)


def case_mark_found(*, case: Case) -> None:
    """The invoice InFakt once could not find is back: forget the first 404."""
    if case.missing_since is not None:
        Case.objects.filter(pk=case.pk).update(missing_since=None)


def case_mark_refreshed(*, case_ids: list[int], now: datetime) -> None:
    Case.objects.filter(pk__in=case_ids).update(last_refreshed_at=now, refresh_requested_at=None)


def case_request_refresh(*, cases, now: datetime | None = None) -> int:
    return cases.filter(status=Case.Status.ACTIVE).update(refresh_requested_at=now or timezone.now())
