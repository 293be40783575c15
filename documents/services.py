"""The formal demand (PDF) for cases of one client, and interest notes: issue, render, send once.

`demand_pdf_for_cases` is what the reminder engine calls for the +14 letter (the coordinator wires
it in): it raises `DemandError` with a clear message when it cannot produce the document, so the
letter can be held rather than sent without its attachment.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases import ladder
from cases.claim_selectors import case_claims, case_is_consumer, claim_display
from cases.models import Case, CaseEvent, Client
from cases.services import case_event_add, case_events_add
from common.calendar import business_today

from .models import InterestNote, InterestNoteCounter
from .pdf import DemandData, DemandLine, InterestNoteData, Party, RenderError, render_demand, render_interest_note

log = logging.getLogger("invoicetracker.documents")


class DemandError(Exception):
    """The demand cannot be produced; the message says why (shown to staff, logged on the case)."""


class DemandIncomplete(DemandError):
    """A rate or an exchange rate is missing ("do uzupełnienia") and a complete demand was required."""


class InterestNoteError(Exception):
    pass


def _creditor() -> Party:
    if not settings.SELLER_NAME:
        raise DemandError("SELLER_NAME is not set: the creditor cannot be named")
    return Party(name=settings.SELLER_NAME, address=settings.SELLER_ADDRESS, nip=settings.SELLER_NIP)


def _debtor(client: Client | None) -> Party:
    if client is None:
        raise DemandError("the invoice has no client record")
    return Party(name=client.name, address=client.address, nip=client.nip_normalized)


def _place() -> str:
    if settings.SELLER_CITY:
        return settings.SELLER_CITY
    # "ul. Przykładowa 1, 00-001 Warszawa" -> "Warszawa"
    tail = settings.SELLER_ADDRESS.rsplit(",", 1)[-1].strip()
    parts = tail.split(" ", 1)
    return parts[1] if len(parts) == 2 and parts[0][:2].isdigit() else ""


def _contact() -> str:
    return " · ".join(part for part in (settings.REMINDER_CONTACT_EMAIL, settings.REMINDER_CONTACT_PHONE) if part)


def demand_data_for_cases(*, cases: Sequence[Case], day: date, language: str | None = None) -> DemandData:
    """Everything the demand states, for cases of one client (with the claims as of `day`)."""
    cases = list(Case.objects.select_related("invoice", "invoice__client").filter(pk__in=[c.pk for c in cases]))
    if not cases:
        raise DemandError("no cases given")
    clients = {case.invoice.client_id for case in cases}
    if len(clients) != 1:
        raise DemandError("a demand covers the cases of one client; these belong to several")
    owed = [case for case in cases if case.invoice.left_to_pay > 0]
    if not owed:
        raise DemandError("nothing is left to pay on these cases")
    owed.sort(key=lambda case: (case.invoice.due_date or date.max, case.invoice.number))
    client = owed[0].invoice.client
    claims = case_claims(cases=owed, day=day)
    consumer = case_is_consumer(owed[0])
    lines, totals = [], {}
    for case in owed:
        invoice, claim = case.invoice, claims[case.pk]
        text = claim_display(claim, currency=invoice.currency, consumer=consumer)
        lines.append(
            DemandLine(
                invoice_number=invoice.number,
                issue_date=invoice.issue_date,
                due_date=invoice.due_date,
                currency=invoice.currency,
                principal=claim.left_to_pay,
                interest=claim.interest,
                compensation=0 if consumer else claim.compensation,
                compensation_note="" if consumer else text.compensation_detail,
                interest_note=f"{claim.interest_from:%d.%m.%Y}–{claim.interest_to:%d.%m.%Y}"
                if claim.interest_from
                else "",
            )
        )
        previous = totals.get(invoice.currency, 0)
        totals[invoice.currency] = None if previous is None or claim.total is None else previous + claim.total
    accounts = {case.invoice.bank_account for case in owed if case.invoice.bank_account}
    return DemandData(
        creditor=_creditor(),
        debtor=_debtor(client),
        place=_place(),
        day=day,
        deadline=ladder.demand_deadline(day),
        bank_account=accounts.pop() if len(accounts) == 1 else settings.SELLER_BANK_ACCOUNT,
        lines=lines,
        language=language or (client.language if client else "pl"),
        consumer=consumer,
        contact=_contact(),
        totals=totals,
    )


def demand_pdf_for_cases(
    *, cases: Sequence[Case], day: date, language: str | None = None, require_complete: bool = False
) -> bytes:
    """The *Przedsądowe wezwanie do zapłaty* for cases of one client as PDF bytes.

    Missing rates read "stawka do uzupełnienia" / "kurs EUR do uzupełnienia" in the PDF; with
    `require_complete` they raise `DemandIncomplete` instead (a letter going out on its own).
    Raises `DemandError` when the demand cannot be produced.
    """
    data = demand_data_for_cases(cases=cases, day=day, language=language)
    if require_complete and any(total is None for total in data.totals.values()):
        raise DemandIncomplete("a rate or an exchange rate is missing (do uzupełnienia)")
    try:
        return render_demand(data)
    except RenderError as exc:
        raise DemandError(f"the PDF could not be rendered: {exc}") from exc


def demand_failure_record(*, cases: Sequence[Case], error: str, user=None) -> None:
    """Report on each case's timeline that its demand could not be produced."""
    case_events_add(
        cases=cases,
        now=timezone.now(),
        kind=CaseEvent.Kind.NOTE,
        code="demand.failed",
        params={"error": error[:400]},
        demand_error=error,
        user=user,
    )


# --- Interest notes ----------------------------------------------------------------------------


def interest_note_candidates(*, day: date, min_amount: int | None = None) -> list[tuple[Case, object]]:
    """Cases closed as paid after their due date, with no note yet and interest above `INTEREST_NOTE_MIN`.

    Returns (case, claim) pairs, the largest interest first. The interest runs from the day after the
    art. 115 due date to the payment day (`paid_date`), on the amount left each day.
    """
    threshold = settings.INTEREST_NOTE_MIN if min_amount is None else min_amount
    candidates = list(
        Case.objects.filter(
            status=Case.Status.CLOSED,
            close_reason=Case.CloseReason.PAID,
            invoice__paid_date__gt=F("invoice__due_date"),
            interest_note__isnull=True,
            waive_interest=False,
        )
        .select_related("invoice", "invoice__client")
        .defer("invoice__raw", "invoice__client__raw")
        .order_by("-invoice__paid_date", "pk")
    )
    found = []
    for start in range(0, len(candidates), 2000):
        chunk = candidates[start : start + 2000]
        claims = case_claims(cases=chunk, day=day)
        for case in chunk:
            claim = claims[case.pk]
            if claim.interest is not None and claim.interest > threshold:
                found.append((case, claim))
    found.sort(key=lambda pair: (-pair[1].interest, pair[0].pk))
    return found


def _counter_next(year: int) -> int:
    """The next number of `year`, under a row lock held until the caller's transaction ends."""
    InterestNoteCounter.objects.bulk_create([InterestNoteCounter(year=year, last_number=0)], ignore_conflicts=True)
    counter = InterestNoteCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def interest_note_issue(*, case: Case, user=None, day: date | None = None) -> InterestNote:
    """Issue the numbered interest note of a case closed as paid late (once per case)."""
    day = day or business_today()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        case = Case.objects.select_related("invoice", "invoice__client").get(pk=case.pk)
        if InterestNote.objects.filter(case=case).exists():
            raise InterestNoteError("this case already has an interest note")
        invoice = case.invoice
        if case.close_reason != Case.CloseReason.PAID or invoice.paid_date is None:
            raise InterestNoteError("the invoice has not been paid")
        claim = case_claims(cases=[case], day=day)[case.pk]
        if claim.interest is None:
            raise InterestNoteError("stawka do uzupełnienia: a rate for the period is missing")
        if claim.interest <= 0:
            raise InterestNoteError("the invoice was paid on time: no interest")
        client = invoice.client
        consumer = case_is_consumer(case)
        sequence = _counter_next(day.year)
        number = f"NO/{sequence}/{day.year}"
        # What the PDF states and the note's row record alike.
        amounts = {
            "currency": invoice.currency,
            "principal": invoice.gross,
            "interest": claim.interest,
            "interest_from": claim.interest_from,
            "interest_to": claim.interest_to,
        }
        data = InterestNoteData(
            number=number,
            creditor=_creditor(),
            debtor=_debtor(client),
            place=_place(),
            day=day,
            invoice_number=invoice.number,
            due_date=invoice.due_date,
            **amounts,
            bank_account=invoice.bank_account or settings.SELLER_BANK_ACCOUNT,
            deadline=ladder.demand_deadline(day),
            consumer=consumer,
            language=client.language if client else "pl",
        )
        note = InterestNote.objects.create(
            case=case,
            year=day.year,
            sequence=sequence,
            number=number,
            issue_date=day,
            **amounts,
            language=data.language,
            data=_jsonable(asdict(data)),
            issued_at=timezone.now(),
            issued_by=user,
        )
        case_event_add(
            case=case,
            now=note.issued_at,
            kind=CaseEvent.Kind.CLAIM,
            code="interest_note.issued",
            params={"number": number, "interest": claim.interest, "currency": invoice.currency},
            interest_note=number,
            interest=claim.interest,
            user=user,
        )
    return note


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def interest_note_data(note: InterestNote) -> InterestNoteData:
    raw = dict(note.data)
    for key in ("day", "due_date", "interest_from", "interest_to", "deadline"):
        raw[key] = date.fromisoformat(raw[key])
    raw["creditor"] = Party(**raw["creditor"])
    raw["debtor"] = Party(**raw["debtor"])
    return InterestNoteData(**raw)


def interest_note_pdf(note: InterestNote) -> bytes:
    try:
        return render_interest_note(interest_note_data(note))
    except (RenderError, KeyError, TypeError, ValueError) as exc:
        raise InterestNoteError(f"the PDF could not be rendered: {exc}") from exc


SUBJECTS = {"pl": "Nota odsetkowa {number}", "en": "Interest note {number}"}
BODIES = {
    "pl": "Dzień dobry,\n\nw załączeniu przesyłamy notę odsetkową {number} dotyczącą faktury {invoice}.\n\n{seller}",
    "en": "Hello,\n\nplease find attached interest note {number} for invoice {invoice}.\n\n{seller}",
}


def interest_note_send(*, note: InterestNote, user=None) -> bool:
    """E-mail the note with its PDF, exactly once: claim, commit, send, record. True when sent.

    A note already sent, or whose sending was interrupted (uncertain), is refused; one the server
    refused (`failed`) may be sent again.
    """
    if transaction.get_connection().in_atomic_block:
        raise InterestNoteError("send outside a transaction: the claim must be committed before SMTP")
    note = InterestNote.objects.select_related("case__invoice__client").get(pk=note.pk)
    client = note.case.invoice.client
    recipients = list(client.emails) if client and client.has_usable_email else []
    if not recipients:
        raise InterestNoteError("the client has no usable e-mail address")
    pdf = interest_note_pdf(note)  # a render failure claims nothing
    claimed = InterestNote.objects.filter(
        pk=note.pk, send_status__in=[InterestNote.SendStatus.PENDING, InterestNote.SendStatus.FAILED]
    ).update(send_status=InterestNote.SendStatus.SENDING, send_attempts=F("send_attempts") + 1, sent_to=recipients)
    if not claimed:
        raise InterestNoteError("the note has already been sent (or its sending is uncertain)")
    language = note.language if note.language in SUBJECTS else "pl"
    invoice = note.case.invoice
    message = EmailMessage(
        subject=SUBJECTS[language].format(number=note.number),
        body=BODIES[language].format(number=note.number, invoice=invoice.number, seller=settings.SELLER_NAME),
        from_email=settings.REMINDER_FROM_EMAIL,
        to=recipients,
        cc=list(settings.REMINDER_CC),
        reply_to=list(settings.REMINDER_REPLY_TO) or None,
        headers={"X-InvoiceTracker-Interest-Note": note.number, "X-InvoiceTracker-Invoice": str(invoice.infakt_id)},
    )
    message.attach(f"{note.number.replace('/', '-')}.pdf", pdf, "application/pdf")
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{exc.__class__.__name__}: {exc}"[:500]
        InterestNote.objects.filter(pk=note.pk).update(send_status=InterestNote.SendStatus.FAILED, send_error=error)
        _note_event(note, "interest_note.send_failed", {"number": note.number, "error": error}, user)
        log.warning("interest note %s not sent: %s", note.number, error)
        return False
    now = timezone.now()
    InterestNote.objects.filter(pk=note.pk).update(send_status=InterestNote.SendStatus.SENT, sent_at=now, send_error="")
    _note_event(note, "interest_note.sent", {"number": note.number, "recipients": list(recipients)}, user, now=now)
    return True


def _note_event(note: InterestNote, code: str, params: dict, user, now=None) -> None:
    case_event_add(
        case_id=note.case_id,
        now=now or timezone.now(),
        kind=CaseEvent.Kind.CLAIM,
        code=code,
        params=params,
        interest_note=note.number,
        user=user,
    )


def interest_note_mark_paid(*, note: InterestNote, day: date, user=None) -> bool:
    updated = InterestNote.objects.filter(pk=note.pk, paid_at__isnull=True).update(paid_at=day)
    if updated:
        _note_event(note, "interest_note.paid", {"number": note.number, "day": day.isoformat()}, user)
    return bool(updated)
