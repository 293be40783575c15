"""Reading invoice lists: each record opens, refreshes or closes its case (corrections linked to their
originals), one savepoint per record and one commit per page; what cannot be stored is skipped."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q

from cases.models import Case, Client, Invoice
from cases.services import (
    STAYS_CLOSED,
    InvalidInvoice,
    case_apply_invoice_change,
    case_mark_found,
    case_open,
    correction_apply,
    correction_reference_keys,
    invoice_upsert_from_infakt,
    is_dunnable,
)
from infakt.types import InvoiceRecord, SkippedRecord

from .planning import PAGE
from .state import SyncState

log = logging.getLogger("invoicetracker.sync")

# The fields asked of every invoice list.
INVOICE_FIELDS = [
    "id",
    "uuid",
    "number",
    "kind",
    "status",
    "invoice_date",
    "sale_date",
    "payment_date",
    "paid_date",
    "net_price",
    "tax_price",
    "gross_price",
    "paid_price",
    "left_to_pay",
    "currency",
    "payment_method",
    "bank_account",
    "client_id",
    "client_company_name",
    "client_first_name",
    "client_last_name",
    "client_tax_code",
    "client_street",
    "client_street_number",
    "client_flat_number",
    "client_city",
    "client_post_code",
    "client_country",
    "client_business_activity_kind",
]
# Corrections also name their original.
CORRECTION_FIELDS = [
    *INVOICE_FIELDS,
    "corrected_invoice_number",
    "corrected_invoice_date",
    "corrected_invoice_id",
    "corrected_invoice_uuid",
    "correction_reason",
]


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class RecordReader(SyncState):
    """Stores what a list returns: every phase that reads invoices goes through `read_invoices` or `consider`."""

    def read_invoices(self, records: Iterator[InvoiceRecord | SkippedRecord], *, window_end: date | None) -> None:
        """Read a list (of `self.endpoint`) a page at a time: one lookup and one commit per page, a savepoint
        per record."""
        for chunk in _chunks(records, PAGE):
            ids = [item.id for item in chunk if isinstance(item, InvoiceRecord)]
            cases = {
                case.invoice.infakt_id: case
                for case in Case.objects.filter(invoice__infakt_id__in=ids).select_related("invoice")
            }
            buyers = {item.client_id for item in chunk if isinstance(item, InvoiceRecord)} - self.clients.keys()
            self.clients.update(Client.objects.in_bulk([b for b in buyers if b is not None], field_name="infakt_id"))
            with transaction.atomic():
                for item in chunk:
                    self.counters.invoices_read += 1
                    self.progress_done += 1
                    if isinstance(item, SkippedRecord):
                        self.skip(item.kind, item.record_id, item.reason, item.raw)
                    else:
                        self.consider(item, case=cases.get(item.id), window_end=window_end)
                self.save_progress()

    def consider(self, record: InvoiceRecord, *, case: Case | None, window_end: date | None) -> None:
        """Open, refresh or close for one invoice (whose case, if any, is given). Once a run per invoice.

        Everything stored for the record happens in its own savepoint: whatever it raises (a value
        the database refuses, a constraint, a bug) rolls back that record only and skips it.
        """
        if record.id in self.seen:
            return
        self.seen.add(record.id)
        if is_dunnable(record):
            self.found += 1
        opens = (
            case is None
            and window_end is not None
            and is_dunnable(record)
            and record.payment_date is not None
            and record.payment_date <= window_end
            and (self.open_floor is None or record.payment_date > self.open_floor)
        )
        if case is None and not opens and not record.is_correction:
            return  # not ours (yet): paid, a draft, a proforma or not due soon
        unlinked_before = len(self.unlinked_corrections)
        try:
            try:
                with transaction.atomic():
                    case, outcome = self.apply(record, case, fast=True, opens=opens)
            except IntegrityError:
                # The fast path assumed a new invoice; a stored one without a case turned up.
                del self.unlinked_corrections[unlinked_before:]
                with transaction.atomic():
                    case, outcome = self.apply(record, case, fast=False, opens=opens)
        except InvalidInvoice as exc:
            del self.unlinked_corrections[unlinked_before:]
            self.skip("invoice", str(record.id), str(exc), record.raw)
            return
        except Exception as exc:
            del self.unlinked_corrections[unlinked_before:]
            log.exception("sync run %s: storing invoice %s failed", self.run.pk, record.id)
            self.skip("invoice", str(record.id), f"{type(exc).__name__}: {str(exc).strip()[:500]}", record.raw)
            return
        if case is None:
            return
        if outcome == "opened":
            self.counters.cases_opened += 1
            return
        if case.status == Case.Status.ACTIVE or outcome == "closed":
            self.refreshed_case_ids.add(case.pk)
            self.counters.cases_refreshed += 1
        self.counters.cases_closed += int(outcome == "closed")
        self.counters.cases_updated += int(outcome == "updated")

    def apply(
        self, record: InvoiceRecord, case: Case | None, *, fast: bool, opens: bool = True
    ) -> tuple[Case | None, str]:
        """Store the invoice and bring its case in line; returns the case and what happened."""
        change = invoice_upsert_from_infakt(
            record=record,
            now=self.now,
            existing=case.invoice if case else None,
            known_new=fast and case is None,
            client=self.clients.get(record.client_id),
        )
        if change.invoice.client is not None:
            self.clients.setdefault(change.invoice.client.infakt_id, change.invoice.client)
        if record.is_correction:
            self.apply_correction(change)
            if case is None and not opens:
                return None, "unchanged"
        reopen = (
            case is not None
            and case.status == Case.Status.CLOSED
            and case.close_reason not in STAYS_CLOSED
            and is_dunnable(change.invoice)
        )
        if case is None or reopen:
            case, opened = case_open(
                invoice=change.invoice,
                now=self.now,
                run_id=self.run.pk,
                stages=self.stages,
                known_new=fast and change.created,
            )
            if opened:
                self.note_client(change.invoice)
                self.apply_pending_corrections(change.invoice)
                return case, "opened"
            return case, "unchanged"
        outcome = case_apply_invoice_change(case=case, change=change, now=self.now, run_id=self.run.pk)
        case_mark_found(case=case)
        return case, outcome

    def apply_correction(self, change) -> None:
        """Link a stored correction to its original and close or pause the original's case."""
        correction = change.invoice
        changed = change.created or bool({"gross", "kind", "status"} & change.changed.keys())
        outcome = correction_apply(correction=correction, now=self.now, run_id=self.run.pk, changed=changed)
        if outcome.result == "unlinked":
            self.pending_refs |= correction_reference_keys(correction)
            self.unlinked_corrections.append(
                {
                    "id": correction.infakt_id,
                    "number": correction.number,
                    "corrected_invoice_number": correction.corrected_invoice_number,
                    "gross": correction.gross,
                    "currency": correction.currency,
                }
            )
        elif outcome.result == "closed":
            self.counters.cases_closed += 1
            self.refreshed_case_ids.add(outcome.case.pk)
        elif outcome.result == "paused":
            self.counters.cases_updated += 1

    def apply_pending_corrections(self, invoice: Invoice) -> None:
        """A case just opened for an invoice that stored corrections name: apply them now."""
        keys = {invoice.number, str(invoice.infakt_id), invoice.uuid}
        if not keys & self.pending_refs:
            return
        pending = Invoice.objects.filter(kind=Invoice.Kind.CORRECTION, corrected_invoice__isnull=True).filter(
            Q(corrected_invoice_number__in=keys)
            | Q(raw__corrected_invoice_id=invoice.infakt_id)
            | Q(raw__corrected_invoice_uuid=invoice.uuid)
        )
        for correction in pending.order_by("issue_date", "pk"):
            outcome = correction_apply(correction=correction, now=self.now, run_id=self.run.pk, changed=True)
            if outcome.result == "closed":
                self.counters.cases_closed += 1
