"""Writes to the dunning domain. Every function is keyword-only and safe to repeat."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from claims.selectors import rate_tables
from infakt.types import ClientRecord, InvoiceRecord

from . import ladder, timeline
from .calendar import business_today
from .claim_selectors import CLAIM_FIELDS, case_fx_keys_needed, claim_payments, claims_for_rows
from .formatting import format_money
from .models import Case, CaseEvent, Client, Invoice, ReminderStage, case_paused_q

DUNNABLE_STATUSES = frozenset({Invoice.Status.SENT, Invoice.Status.PRINTED})
# Receivables a case may be opened for (sent or printed, money left, a due date). Never proformas or drafts.
DUNNABLE_KINDS = frozenset(
    {
        Invoice.Kind.VAT,
        Invoice.Kind.FINAL,
        Invoice.Kind.ADVANCE,
        Invoice.Kind.MARGIN,
        Invoice.Kind.OSS,
        Invoice.Kind.CORRECTION,  # a positive correction with money left is dunned as its own case
    }
)


# Closed cases the sync never reopens by itself: closed by a person, or corrected to zero (InFakt may
# still list the original as unpaid: whether a correction lowers its left_to_pay is undocumented).
STAYS_CLOSED = frozenset({Case.CloseReason.MANUAL, Case.CloseReason.CORRECTED})


# --- Normalisation -------------------------------------------------------------


def normalize_nip(raw: str) -> str:
    """Digits of a Polish NIP ("PL 526-104-08-28" -> "5261040828"); other VAT ids upper-cased, no separators."""
    compact = re.sub(r"[^0-9A-Za-z]", "", raw or "").upper()
    if compact.startswith("PL") and compact[2:].isdigit():
        return compact[2:]
    return compact


def is_valid_polish_nip(nip: str) -> bool:
    if not re.fullmatch(r"\d{10}", nip):
        return False
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    checksum = sum(int(d) * w for d, w in zip(nip, weights, strict=False)) % 11
    return checksum != 10 and checksum == int(nip[9])


def split_emails(raw: str) -> tuple[list[str], list[str]]:
    """Split InFakt's e-mail field (comma/semicolon/whitespace separated) into (valid, invalid)."""
    valid: list[str] = []
    invalid: list[str] = []
    for part in re.split(r"[,;\s]+", raw or ""):
        address = part.strip().strip("<>")
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            if address not in invalid:
                invalid.append(address)
        else:
            if address.lower() not in (v.lower() for v in valid):
                valid.append(address)
    return valid, invalid


# --- Clients -------------------------------------------------------------------


def client_upsert_from_infakt(*, record: ClientRecord, now: datetime) -> Client:
    emails, invalid = split_emails(record.email)
    values = {
        "company_name": record.company_name,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "business_activity_kind": record.business_activity_kind,
        "nip": record.nip,
        "nip_normalized": normalize_nip(record.nip),
        "email_raw": record.email,
        "emails": emails,
        "invalid_emails": invalid,
        "has_usable_email": bool(emails),
        "phone": record.phone_number,
        "street": record.street,
        "street_number": record.street_number,
        "flat_number": record.flat_number,
        "postal_code": record.postal_code,
        "city": record.city,
        "country": (record.country or "")[:2].upper(),
        "fetched_at": now,
        "raw": record.raw,
    }
    client, _created = Client.objects.update_or_create(infakt_id=record.id, defaults=values)
    invoice_client_sort_name_refresh(client=client)
    return client


def invoice_client_sort_name_refresh(*, client: Client) -> int:
    """Copy the client's name onto its invoices whose sort key differs (one bulk UPDATE; usually no row).

    The lists sort by client through `Invoice.client_sort_name`; a sync that renames a client calls this."""
    name = client.name
    return Invoice.objects.filter(client=client).exclude(client_sort_name=name).update(client_sort_name=name)


def client_placeholder(*, infakt_id: int, record: InvoiceRecord) -> Client:
    """A client known only from an invoice's buyer snapshot, until its record is fetched."""
    client, _created = Client.objects.get_or_create(
        infakt_id=infakt_id,
        defaults={
            "company_name": record.client_company_name,
            "first_name": record.client_first_name,
            "last_name": record.client_last_name,
            "nip": record.client_tax_code,
            "nip_normalized": normalize_nip(record.client_tax_code),
            "street": record.client_street,
            "street_number": record.client_street_number,
            "flat_number": record.client_flat_number,
            "postal_code": record.client_post_code,
            "city": record.client_city,
            "country": (record.client_country or "")[:2].upper(),
        },
    )
    return client


# --- Invoices ------------------------------------------------------------------


class InvalidInvoice(ValueError):
    """An InFakt invoice whose values cannot be stored as they are."""


def is_dunnable(record: InvoiceRecord | Invoice) -> bool:
    """Issued (sent or printed), a receivable kind, money still owed, and a due date to count from.

    A correction qualifies only when it raises the amount (positive gross) and is itself unpaid.
    """
    if isinstance(record, Invoice):
        status, kind, left, due, gross = record.status, record.kind, record.left_to_pay, record.due_date, record.gross
    else:
        status, kind, left, due = record.status, record.kind, record.left_to_pay, record.payment_date
        gross = record.gross_price
    if kind == Invoice.Kind.CORRECTION and gross <= 0:
        return False
    return status in DUNNABLE_STATUSES and kind in DUNNABLE_KINDS and left > 0 and due is not None


def _invoice_values(record: InvoiceRecord, *, now: datetime) -> dict:
    correction = record.kind == Invoice.Kind.CORRECTION
    if record.left_to_pay > record.gross_price and not correction:
        raise InvalidInvoice(f"left_to_pay {record.left_to_pay} exceeds gross_price {record.gross_price}")
    if not re.fullmatch(r"[A-Z]{3}", record.currency or ""):
        raise InvalidInvoice(f"currency: expected an ISO 4217 code, got {record.currency!r}")
    if record.kind and record.kind not in Invoice.Kind.values:
        raise InvalidInvoice(f"kind: unknown value {record.kind!r} (expected one of {', '.join(Invoice.Kind.values)})")
    return {
        "uuid": record.uuid,
        "number": record.number,
        "kind": record.kind or Invoice.Kind.VAT,
        "status": record.status,
        "issue_date": record.invoice_date,
        "sale_date": record.sale_date,
        "due_date": record.payment_date,
        "paid_date": record.paid_date,
        "net": record.net_price,
        "tax": record.tax_price,
        "gross": record.gross_price,
        "paid": record.paid_price,
        "left_to_pay": max(record.left_to_pay, 0),
        "currency": record.currency,
        "payment_method": record.payment_method,
        "bank_account": record.bank_account,
        "client_infakt_id": record.client_id,
        "overpaid": record.overpaid,
        "corrected_invoice_number": record.corrected_invoice_number if correction else "",
        "last_seen_at": now,
        "raw": record.raw,
    }


@dataclass
class InvoiceChange:
    invoice: Invoice
    created: bool
    changed: dict[str, tuple[object, object]] = field(default_factory=dict)

    @property
    def payment_seen(self) -> bool:
        old, new = self.changed.get("paid", (0, 0))
        return not self.created and "paid" in self.changed and int(new) > int(old)


_TRACKED = ("status", "due_date", "paid_date", "gross", "paid", "left_to_pay", "number", "kind", "currency")


def invoice_upsert_from_infakt(
    *,
    record: InvoiceRecord,
    now: datetime,
    existing: Invoice | None = None,
    known_new: bool = False,
    client: Client | None = None,
) -> InvoiceChange:
    """Store the latest InFakt state of an invoice; report what changed. Raises InvalidInvoice.

    Callers that already looked the invoice up pass it as `existing`, or say
    `known_new` (then a concurrent insert raises IntegrityError to them), and
    may pass the buyer's `client`; each saves a query on bulk paths.
    """
    values = _invoice_values(record, now=now)
    invoice = existing or (None if known_new else Invoice.objects.filter(infakt_id=record.id).first())
    if invoice is None:
        if record.client_id is not None:
            values["client"] = client or _client_for(record)
        if known_new:
            return InvoiceChange(invoice=Invoice.objects.create(infakt_id=record.id, **values), created=True)
        try:
            with transaction.atomic():
                return InvoiceChange(invoice=Invoice.objects.create(infakt_id=record.id, **values), created=True)
        except IntegrityError:
            invoice = Invoice.objects.get(infakt_id=record.id)  # stored meanwhile by another process
    changed = {
        name: (getattr(invoice, name), values[name]) for name in _TRACKED if getattr(invoice, name) != values[name]
    }
    if record.client_id is not None and invoice.client_infakt_id != record.client_id:
        values["client"] = _client_for(record)
    for name, value in values.items():
        setattr(invoice, name, value)
    invoice.save()
    return InvoiceChange(invoice=invoice, created=False, changed=changed)


def _client_for(record: InvoiceRecord) -> Client:
    return Client.objects.filter(infakt_id=record.client_id).first() or client_placeholder(
        infakt_id=record.client_id, record=record
    )


# --- Cases ---------------------------------------------------------------------


def case_event_new(
    *,
    case: Case | None = None,
    case_id: int | None = None,
    kind: str,
    now: datetime,
    code: str = "",
    params: dict | None = None,
    message: str = "",
    user=None,
    run_id: int | None = None,
    data: dict | None = None,
) -> CaseEvent:
    """An unsaved timeline row (for `bulk_create`): a coded text (cases.timeline) or, for a kind
    without a code, a plain message. The Polish text goes into `message` too (search, older readers)."""
    params = dict(params or {})
    if code:
        if code not in timeline.REGISTRY:
            raise ValueError(f"Unknown timeline code {code!r}: register it in cases.timeline.")
        message = message or timeline.render_polish(code, params)
    if not message:
        raise ValueError("A timeline row needs a code or a message.")
    # Messages quote InFakt text (numbers, names) of any length: the column keeps the first 500 characters.
    return CaseEvent(
        case=case,
        case_id=case.pk if case is not None else case_id,
        at=now,
        kind=kind,
        code=code,
        params=params,
        message=message[:500],
        data=data or {},
        sync_run_id=run_id,
        user=user,
    )


def _event(
    case: Case,
    kind: str,
    message: str = "",
    *,
    now: datetime,
    run_id: int | None = None,
    user=None,
    code: str = "",
    params: dict | None = None,
    **data,
):
    event = case_event_new(
        case=case, kind=kind, now=now, code=code, params=params, message=message, user=user, run_id=run_id, data=data
    )
    event.save(force_insert=True)
    return event


def case_event_add(
    *,
    case: Case,
    kind: str,
    now: datetime,
    code: str = "",
    params: dict | None = None,
    message: str = "",
    user=None,
    run_id: int | None = None,
    **data,
):
    """Add a line to the case's timeline (the public way for other apps).

    Pass a registered `code` with raw `params` (cases.timeline; rendered in the reader's language),
    or, for a kind that has no code yet, a plain `message` (shown as written)."""
    return _event(case, kind, message, now=now, run_id=run_id, user=user, code=code, params=params, **data)


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
            _event(
                case,
                CaseEvent.Kind.HANDED_OVER,
                code="case.handed_over",
                params={"on": on.isoformat(), "to": to, "note": note},
                now=now,
                user=user,
                to=to,
                on=on.isoformat(),
            )
    return changed


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
    _event(
        case,
        CaseEvent.Kind.OPENED,
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
    _event(case, CaseEvent.Kind.REOPENED, code="case.reopened", params={"previous": previous}, now=now, run_id=run_id)


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
    _event(
        case, CaseEvent.Kind.CLOSED, code="case.closed", params=params, now=now, run_id=run_id, user=user, reason=reason
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
        _event(
            case,
            CaseEvent.Kind.PAYMENT,
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
        _event(
            case, CaseEvent.Kind.CHANGED, code="case.changed",
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


def _shown(value: object, invoice: Invoice) -> str:
    """A changed invoice value as staff read it: money formatted, dates as 31.12.2026."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return format_money(value, invoice.currency)
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    return str(value)


def case_mark_refreshed(*, case_ids: list[int], now: datetime) -> None:
    Case.objects.filter(pk__in=case_ids).update(last_refreshed_at=now, refresh_requested_at=None)


def case_request_refresh(*, cases, now: datetime | None = None) -> int:
    return cases.filter(status=Case.Status.ACTIVE).update(refresh_requested_at=now or timezone.now())


def case_pause(*, case: Case, until: date, reason: str, note: str = "", user=None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    Case.objects.filter(pk=case.pk).update(paused_until=until, pause_reason=reason, pause_note=note)
    case.refresh_from_db()
    _event(
        case,
        CaseEvent.Kind.PAUSED,
        code="case.paused",
        params={"until": until.isoformat(), "reason": reason, "note": note},
        now=now,
        user=user,
    )


def case_resume(*, case: Case, user=None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    Case.objects.filter(pk=case.pk).update(paused_until=None, pause_reason="", pause_note="")
    case.refresh_from_db()
    _event(case, CaseEvent.Kind.RESUMED, code="case.resumed", now=now, user=user)


# --- Claims (issue 12) ---------------------------------------------------------------


def case_claims_refresh(*, day: date | None = None, case_ids: Iterable[int] | None = None, batch: int = 5000) -> int:
    """Store the claim (interest, compensation, total) as of `day` of every active case, or of `case_ids`.

    The aging report and the admin's sorting read these stored values; they are refreshed after every
    daily sync (`syncstatus`) and right away by each service that changes a claim (a waiver, the
    public-medical switch, a rate edited in the admin: `cases.apps`). Returns the number of cases.

    Reads the cases as plain values (one server-side cursor, the payments in one query) and writes
    each batch with one UPDATE (PostgreSQL: `UPDATE ... FROM (VALUES ...)`).
    """
    day = day or business_today()
    cases = Case.objects.filter(status=Case.Status.ACTIVE)
    if case_ids is not None:
        case_ids = list(case_ids)
        if not case_ids:
            return 0
        cases = cases.filter(pk__in=case_ids)
        tables = rate_tables(fx_keys=case_fx_keys_needed(case_ids=case_ids))
        payments = claim_payments(case_ids)
    else:
        tables = rate_tables(fx_keys=case_fx_keys_needed())
        payments = claim_payments(active=True)
    rows = cases.order_by().values(*CLAIM_FIELDS)
    done, chunk = 0, []
    for row in rows.iterator(chunk_size=batch):
        chunk.append(row)
        if len(chunk) == batch:
            done += _store_claims(chunk, day=day, tables=tables, payments=payments)
            chunk = []
    if chunk:
        done += _store_claims(chunk, day=day, tables=tables, payments=payments)
    return done


def _store_claims(rows: list[dict], *, day: date, tables, payments) -> int:
    claims = claims_for_rows(rows=rows, day=day, tables=tables, payments=payments)
    values = [
        (row["pk"], claims[row["pk"]].interest, claims[row["pk"]].compensation, claims[row["pk"]].total) for row in rows
    ]
    alias = router.db_for_write(Case)
    connection = connections[alias]
    with transaction.atomic(using=alias):
        if connection.vendor != "postgresql":
            Case.objects.bulk_update(
                [
                    Case(
                        pk=pk,
                        claim_interest=interest,
                        claim_compensation=compensation,
                        claim_total=total,
                        claim_as_of=day,
                    )
                    for pk, interest, compensation, total in values
                ],
                ["claim_interest", "claim_compensation", "claim_total", "claim_as_of"],
            )
            return len(values)
        table = connection.ops.quote_name(Case._meta.db_table)
        placeholders = ", ".join(["(%s, %s::bigint, %s::bigint, %s::bigint)"] * len(values))
        params = [value for row in values for value in row]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS c SET claim_interest = v.interest, claim_compensation = v.compensation, "  # noqa: S608 - model table name
                f"claim_total = v.total, claim_as_of = %s "
                f"FROM (VALUES {placeholders}) AS v(id, interest, compensation, total) WHERE c.id = v.id",
                [day, *params],
            )
    return len(values)


def case_set_waivers(
    *, case: Case, waive_interest: bool, waive_compensation: bool, reason: str, user=None, now=None
) -> Case:
    """Waive (or restore) the interest and/or the compensation of a case, logged on its timeline."""
    reason = (reason or "").strip()
    if (waive_interest or waive_compensation) and not reason:
        raise ValueError("A waiver needs a reason.")
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        changed = (case.waive_interest, case.waive_compensation) != (waive_interest, waive_compensation)
        case.waive_interest = waive_interest
        case.waive_compensation = waive_compensation
        case.waiver_reason = reason if (waive_interest or waive_compensation) else ""
        case.save(update_fields=["waive_interest", "waive_compensation", "waiver_reason"])
        if changed:
            _event(
                case,
                CaseEvent.Kind.CLAIM,
                code="claim.waivers",
                params={"interest": waive_interest, "compensation": waive_compensation, "reason": reason},
                now=now,
                user=user,
                waive_interest=waive_interest,
                waive_compensation=waive_compensation,
                reason=reason,
            )
    if changed:
        case_claims_refresh(case_ids=[case.pk])
        case.refresh_from_db()
    return case


def client_set_public_medical(*, client: Client, value: bool, user=None) -> bool:
    """Mark a client as a public medical entity (or not); True when it changed. Logged on its active cases."""
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.is_public_medical_entity == value:
            return False
        client.is_public_medical_entity = value
        client.save(update_fields=["is_public_medical_entity", "updated_at"])
        code = "claim.public_medical" if value else "claim.not_public_medical"
        now = timezone.now()
        CaseEvent.objects.bulk_create(
            case_event_new(case_id=case.pk, kind=CaseEvent.Kind.CLAIM, code=code, now=now, user=user)
            for case in Case.objects.filter(invoice__client=client, status=Case.Status.ACTIVE).only("pk")
        )
    case_claims_refresh(
        case_ids=Case.objects.filter(invoice__client=client, status=Case.Status.ACTIVE).values_list("pk", flat=True)
    )
    return True


# --- Corrections ---------------------------------------------------------------


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
    _event(
        case,
        CaseEvent.Kind.CORRECTION,
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
    _event(
        case,
        CaseEvent.Kind.PAUSED,
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
    _event(
        case,
        CaseEvent.Kind.CONFIRMED,
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


# --- The clerk's actions on the case page (issue 13) ------------------------------------


def case_note_add(*, case: Case, user, text: str, now: datetime | None = None) -> CaseEvent:
    """Staff write a note on the case's timeline."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("Notatka jest pusta.")
    return _event(
        case, CaseEvent.Kind.NOTE, code="case.note", params={"text": text}, now=now or timezone.now(), user=user
    )


def case_call_log(*, case: Case, user, outcome: str, text: str = "", now: datetime | None = None) -> CaseEvent:
    """Staff log a phone call with the debtor: its outcome (CaseEvent.CallOutcome) and what was said."""
    if outcome not in CaseEvent.CallOutcome.values:
        raise ValidationError("Nieznany wynik rozmowy.")
    text = (text or "").strip()
    return _event(
        case,
        CaseEvent.Kind.CALL,
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
    _event(
        case,
        CaseEvent.Kind.PROMISE,
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
    _event(
        case,
        CaseEvent.Kind.PROMISE,
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
