"""Invoices from InFakt: which ones may be dunned, and the invoice rows with what changed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

from infakt.types import InvoiceRecord

from ..models import Client, Invoice
from .clients import client_placeholder

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
