"""The InFakt sync: opens cases, keeps the due ones current, closes the paid ones.

A daily run for target date D costs, in list pages of 100:

1. the *unpaid window*: unpaid invoices (`paid_date` null) whose due date is in
   the new-case window (last run's window end, D + NEW_CASE_DAYS_BEFORE_DUE] or
   equals the due date of an active case whose next reminder falls due by D
   (or that an operator asked to refresh). Needed dates are merged into date
   ranges whenever one query over the range costs fewer pages than separate ones
   (estimated from the local active cases);
2. *paid since*: invoices paid since the last successful run (closes cases paid
   in between, and records partial payments that InFakt may stamp with a date);
3. *issued late*: unpaid invoices issued since the last run with a due date
   already behind the window;
4. a detail GET only for a due case none of the lists returned (to confirm a
   deletion: a case closes as removed after two 404s on different days);
5. clients of the cases opened or due today whose record is new or stale,
   fetched one by one or by paging /clients.json, whichever costs fewer requests.

The other receivable endpoints (final, advance, margin, OSS invoices) are read
with one query each: every unpaid document due by a week past the window end;
an active case there that the list no longer returns gets one detail GET (paid,
deleted or moved). Corrections
are read by issue date since the endpoint was last read. An endpoint that has
held nothing that matters for QUIET_AFTER_DAYS and has no active case is read
weekly (a probe) instead of daily; `EndpointState` keeps that per endpoint.
Documents are stored with their kind; a correction is linked to its original
and closes (corrected to zero) or pauses for review the original's case.

One record never stops a run: whatever storing it raises rolls back its own
savepoint and becomes a skipped record (InFakt id, endpoint, reason). An
endpoint that fails (404, 500, retries spent) is named on the run, and the
others are still read; the run is *partial* then, or *failed* when the failing
endpoint is /invoices.json or holds a case due for a reminder today (the
reminders are held rather than sent on data that could not be refreshed).

A weekly *full* run reads every issued unpaid invoice by status instead of the
`paid_date` filter, and confirms every active case, so nothing can drift.

The window end only advances when a run completes, so a failed or killed run
is redone by the next one; every write is an idempotent upsert and the unique
invoice column of Case makes a duplicate case impossible.
"""

from __future__ import annotations

import logging
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from cases.claim_selectors import case_fx_keys_needed
from cases.models import Case, Client, Invoice, ReminderStage, case_paused_q
from cases.services import (
    STAYS_CLOSED,
    InvalidInvoice,
    case_apply_invoice_change,
    case_claims_refresh,
    case_close,
    case_mark_found,
    case_mark_missing,
    case_mark_refreshed,
    case_open,
    client_upsert_from_infakt,
    correction_apply,
    correction_reference_keys,
    invoice_upsert_from_infakt,
    is_dunnable,
)
from claims.nbp import exchange_rates_fetch_missing
from common.calendar import business_today, stage_send_date
from common.logs import log_context
from infakt.apps import build_api
from infakt.client import InfaktAPI, PageInfo
from infakt.errors import InfaktAuthError, InfaktError, InfaktForbidden, InfaktNotFound, InfaktPaymentRequired
from infakt.types import (
    ADVANCE_INVOICES,
    CORRECTIVE_INVOICES,
    ENDPOINT_KINDS,
    FINAL_INVOICES,
    INVOICES,
    MARGIN_INVOICES,
    OSS_INVOICES,
    ClientRecord,
    InvoiceRecord,
    SkippedRecord,
    endpoint_for_kind,
)

from .models import EndpointState, SyncRun
from .models import SkippedRecord as SkippedRecordRow
from .selectors import PANEL_SYNC_GROUP, panel_sync_queued_at, sync_run_running

log = logging.getLogger("invoicetracker.sync")

PAGE = 100
# Receivable endpoints beside /invoices.json, read with one query each (corrections last, so that
# the originals they correct are stored first).
OTHER_INVOICE_ENDPOINTS = (FINAL_INVOICES, ADVANCE_INVOICES, MARGIN_INVOICES, OSS_INVOICES)
# An endpoint that found nothing that matters for this long, and has no active case, is read weekly.
QUIET_AFTER_DAYS = 14
PROBE_EVERY_DAYS = 7
# A running run that has not reported for this long is considered dead.
STALE_RUN_AFTER = timedelta(minutes=15)
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


class SyncAlreadyRunning(Exception):
    pass


class SyncFailed(Exception):
    def __init__(self, run: SyncRun) -> None:
        super().__init__(run.error)
        self.run = run


class _DryRunRollback(Exception):
    pass


_QUERY_STRING = re.compile(r"[?]\S*")
# Errors about the key or the account (401, 402, 403): the whole run fails at once.
ACCOUNT_ERRORS = (InfaktAuthError, InfaktForbidden, InfaktPaymentRequired)


class EndpointFailed(Exception):
    """An endpoint failed in a way that must fail the whole run (see the module docstring)."""


# --- Locking -------------------------------------------------------------------


# An arbitrary application-wide key for PostgreSQL's advisory lock.
SYNC_LOCK_KEY = 0x1A7E5C


@contextmanager
def sync_lock() -> Iterator[bool | None]:
    """Hold PostgreSQL's session advisory lock for the sync while the block runs.

    Yields True when held, False when another session holds it, None on a
    database without advisory locks (SQLite in development: the heartbeat of
    the running row decides there). The server drops the lock by itself when
    the holding process dies, so a killed run never blocks the next one.
    """
    if connection.vendor != "postgresql":
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SYNC_LOCK_KEY])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SYNC_LOCK_KEY])


def _refusal(running: SyncRun | None) -> SyncAlreadyRunning:
    if running is None:
        return SyncAlreadyRunning("Inna synchronizacja właśnie trwa; spróbuj ponownie po jej zakończeniu.")
    return SyncAlreadyRunning(
        f"Synchronizacja #{running.pk} trwa od {timezone.localtime(running.started_at):%H:%M:%S} "
        f"(etap: {running.phase or 'start'}); spróbuj ponownie po jej zakończeniu."
    )


def _start_run(*, lock: bool | None, **values) -> SyncRun:
    """Insert the run as "running"; the partial unique index refuses a second one.

    A "running" row left by a process that died is closed as failed first: with
    the advisory lock in our hands it cannot belong to a live run; without
    advisory locks it must have been silent for STALE_RUN_AFTER.
    """
    if lock is False:
        raise _refusal(SyncRun.objects.filter(status=SyncRun.Status.RUNNING).first())
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return SyncRun.objects.create(started_at=now, heartbeat_at=now, status=SyncRun.Status.RUNNING, **values)
        except IntegrityError:
            running = SyncRun.objects.filter(status=SyncRun.Status.RUNNING).first()
            if running is None:
                continue
            if lock is None and running.heartbeat_at >= now - STALE_RUN_AFTER:
                raise _refusal(running) from None
            SyncRun.objects.filter(pk=running.pk, status=SyncRun.Status.RUNNING).update(
                status=SyncRun.Status.FAILED,
                finished_at=now,
                error=f"Przerwana: proces zakończył się bez końca synchronizacji "
                f"(ostatni sygnał {timezone.localtime(running.heartbeat_at):%Y-%m-%d %H:%M:%S}, "
                f"etap: {running.phase or 'start'}). Następna synchronizacja dokończyła pracę.",
            )
    raise _refusal(None)


def last_completed_run(*, before: SyncRun | None = None) -> SyncRun | None:
    runs = SyncRun.objects.filter(
        status__in=[SyncRun.Status.SUCCESS, SyncRun.Status.PARTIAL],
        dry_run=False,
        kind__in=[SyncRun.Kind.DAILY, SyncRun.Kind.FULL],
        window_end__isnull=False,
    )
    if before is not None:
        runs = runs.exclude(pk=before.pk)
    return runs.order_by("-window_end", "-started_at").first()


# --- Planning ------------------------------------------------------------------


def _pages(records: int) -> int:
    return max(1, math.ceil(records / PAGE))


def plan_ranges(needed: Iterable[date], estimate: dict[date, int]) -> list[tuple[date, date]]:
    """Cover every needed due date with date ranges so that the list pages are fewest.

    `estimate` maps a due date to the number of unpaid invoices expected there;
    a range costs max(1, ceil(invoices in it / 100)) requests, the dates between
    its needed ones included. Dynamic programming over the sorted needed dates
    finds the cheapest cover; among equally cheap covers, the one reading the
    fewest records.
    """
    days = sorted(set(needed))
    if not days:
        return []
    known = sorted(estimate)
    prefix = [0]
    for day in known:
        prefix.append(prefix[-1] + estimate[day])

    def count(start: date, end: date) -> int:
        return prefix[bisect_right(known, end)] - prefix[bisect_left(known, start)]

    # best[i]: (requests, records) to cover days[:i]; cut[i]: where its last range starts.
    best: list[tuple[int, int]] = [(0, 0)]
    cut: list[int] = [0]
    for i in range(1, len(days) + 1):
        options = []
        for j in range(i):
            records = count(days[j], days[i - 1])
            options.append(((best[j][0] + _pages(records), best[j][1] + records), j))
        cost, j = min(options)
        best.append(cost)
        cut.append(j)
    ranges = []
    i = len(days)
    while i:
        j = cut[i]
        ranges.append((days[j], days[i - 1]))
        i = j
    return ranges[::-1]


# --- The run -------------------------------------------------------------------


@dataclass
class _Counters:
    invoices_read: int = 0
    cases_opened: int = 0
    cases_refreshed: int = 0
    cases_updated: int = 0
    cases_closed: int = 0
    clients_fetched: int = 0
    records_skipped: int = 0
    problems: list[str] = field(default_factory=list)


class _Sync:
    def __init__(
        self,
        run: SyncRun,
        api: InfaktAPI,
        *,
        previous: SyncRun | None,
        case_ids: list[int] | None,
        progress: Callable[[str], None] | None,
    ) -> None:
        self.run = run
        self.api = api
        self.previous = previous
        self.case_ids = case_ids
        self.progress = progress or (lambda message: None)
        self.now = run.started_at
        self.day: date = run.target_date
        self.counters = _Counters()
        # The API object may serve several runs (tests, benchmarks): count this run's share only.
        self.stats_before = api.stats.as_dict()
        self.seen: set[int] = set()  # InFakt invoice ids already handled in this run
        self.stages = list(ReminderStage.objects.filter(is_active=True).order_by("offset_days"))
        self.client_ids_needed: set[int] = set()
        self.refreshed_case_ids: set[int] = set()
        self.clients: dict[int, Client] = {}  # InFakt client id -> stored client, filled page by page
        self.progress_done = self.progress_total = 0  # records read / expected in the current phase
        self.endpoint = INVOICES  # the endpoint being read, for skipped records
        self.failed_endpoints: dict[str, str] = {}  # endpoint -> error, in this run
        self.unlinked_corrections: list[dict] = []
        self.found = 0  # documents that matter found by the current endpoint read
        # Lists read without a due-date floor open cases only for due dates after this (the backfill limit).
        self.open_floor: date | None = None
        # How stored corrections whose original is still unknown name it: an opened case checks these.
        self.pending_refs: set[str] = set()
        unlinked = Invoice.objects.filter(kind=Invoice.Kind.CORRECTION, corrected_invoice__isnull=True)
        for values in unlinked.values_list(
            "corrected_invoice_number", "raw__corrected_invoice_id", "raw__corrected_invoice_uuid"
        ):
            self.pending_refs |= {str(value).strip() for value in values if value not in (None, "")}

    # -- bookkeeping

    def phase(self, name: str, label: str) -> None:
        self.progress(label)
        self.progress_done = self.progress_total = 0
        self.save_progress(phase=name)

    def on_page(self, page: PageInfo) -> None:
        """Each query's first page tells how many records the phase will read."""
        if page.offset == 0:
            self.progress_total += page.total_count or page.count

    def save_progress(self, **extra) -> None:
        stats, before = self.api.stats, self.stats_before
        by_kind = {
            kind: n - before["requests_by_kind"].get(kind, 0)
            for kind, n in stats.requests_by_kind.items()
            if n - before["requests_by_kind"].get(kind, 0)
        }
        c = self.counters
        SyncRun.objects.filter(pk=self.run.pk).update(
            heartbeat_at=timezone.now(),
            invoices_read=c.invoices_read,
            cases_opened=c.cases_opened,
            cases_refreshed=c.cases_refreshed,
            cases_updated=c.cases_updated,
            cases_closed=c.cases_closed,
            clients_fetched=c.clients_fetched,
            records_skipped=c.records_skipped,
            api_requests=stats.requests - before["requests"],
            api_requests_by_kind=by_kind,
            api_rate_limited=stats.rate_limited - before["rate_limited"],
            api_retries=stats.retries - before["retries"],
            failed_endpoints=[{"endpoint": name, "error": error} for name, error in self.failed_endpoints.items()],
            unlinked_corrections=self.unlinked_corrections,
            progress_done=min(self.progress_done, self.progress_total),
            progress_total=self.progress_total,
            **extra,
        )

    def skip(self, kind: str, record_id: str | None, reason: str, raw: object, *, endpoint: str | None = None) -> None:
        endpoint = endpoint or (self.endpoint if kind == "invoice" else "clients")
        self.counters.records_skipped += 1
        log.warning("sync run %s skipped %s %s from /%s.json: %s", self.run.pk, kind, record_id, endpoint, reason)
        SkippedRecordRow.objects.create(
            run=self.run,
            kind=kind,
            endpoint=endpoint,
            record_id=str(record_id or ""),
            reason=reason,
            raw=_jsonable(raw),
        )

    # -- steps

    def window(self) -> tuple[date, date]:
        """Due dates (start, end] that get new cases today.

        Normally D + NEW_CASE_DAYS_BEFORE_DUE. When the first stage is before the
        due date and moves back off a weekend or holiday (an invoice due on
        Monday is reminded on Friday), the window reaches far enough that its
        case is open on the day that reminder goes out.
        """
        end = self.day + timedelta(days=settings.NEW_CASE_DAYS_BEFORE_DUE)
        first = self.stages[0].offset_days if self.stages else 0
        if first < 0:
            while stage_send_date(end + timedelta(days=1), first) <= self.day:
                end += timedelta(days=1)
        if self.previous is None:
            start = end - timedelta(days=settings.INITIAL_BACKFILL_DAYS + settings.NEW_CASE_DAYS_BEFORE_DUE + 1)
        else:
            start = min(self.previous.window_end, end)
        return start, end

    def due_cases(self) -> list[Case]:
        """Active cases this run must refresh: the next reminder is due by D, or an operator asked."""
        active = Case.objects.filter(status=Case.Status.ACTIVE).select_related("invoice")
        if self.case_ids is not None:
            return list(active.filter(pk__in=self.case_ids))
        due = Q(next_reminder_date__lte=self.day) & ~case_paused_q(self.day)
        return list(active.filter(due | Q(refresh_requested_at__isnull=False)))

    def read_invoices(self, records: Iterator[InvoiceRecord | SkippedRecord], *, window_end: date | None) -> None:
        """Read a list (of `self.endpoint`)."""
        """Handle records a page at a time: one lookup and one commit per page, a savepoint per record."""
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

    def note_client(self, invoice: Invoice) -> None:
        if invoice.client_infakt_id is not None:
            self.client_ids_needed.add(invoice.client_infakt_id)

    def unpaid_window(self, due: list[Case], start: date, end: date, *, include_window: bool) -> None:
        needed = {c.invoice.due_date for c in due if c.invoice.due_date}
        if include_window:
            needed.update(start + timedelta(days=i) for i in range(1, (end - start).days + 1))
        estimate = dict(
            Case.objects.filter(status=Case.Status.ACTIVE, invoice__due_date__isnull=False)
            .values_list("invoice__due_date")
            .annotate(n=Count("id"))
            .values_list("invoice__due_date", "n")
        )
        for low, high in plan_ranges(needed, estimate):
            filters = {"payment_date_gteq": low, "payment_date_lteq": high, "paid_date_null": True}
            self.read_invoices(
                self.api.iter_invoices(filters=filters, order="id asc", fields=INVOICE_FIELDS, on_page=self.on_page),
                window_end=end,
            )

    def full_sweep(self, end: date) -> None:
        oldest = (
            Case.objects.filter(status=Case.Status.ACTIVE)
            .order_by("invoice__due_date")
            .values_list("invoice__due_date", flat=True)
            .first()
        )
        floor = self.day - timedelta(days=settings.INITIAL_BACKFILL_DAYS)
        low = min(oldest, floor) if oldest else floor
        for status in (Invoice.Status.SENT, Invoice.Status.PRINTED):
            filters = {"status_eq": status.value, "payment_date_gteq": low, "payment_date_lteq": end}
            self.read_invoices(
                self.api.iter_invoices(filters=filters, order="id asc", fields=INVOICE_FIELDS, on_page=self.on_page),
                window_end=end,
            )

    def paid_since(self, window_end: date) -> None:
        if self.previous is None:
            return
        since = self.previous.target_date - timedelta(days=1)
        filters = {"paid_date_gteq": since}
        self.read_invoices(
            self.api.iter_invoices(filters=filters, order="id asc", fields=INVOICE_FIELDS, on_page=self.on_page),
            window_end=window_end,
        )

    def issued_late(self, window_start: date, window_end: date) -> None:
        if self.previous is None:
            return
        filters = {
            "invoice_date_gteq": self.previous.target_date - timedelta(days=1),
            "payment_date_lteq": window_start,
            "paid_date_null": True,
        }
        self.read_invoices(
            self.api.iter_invoices(filters=filters, order="id asc", fields=INVOICE_FIELDS, on_page=self.on_page),
            window_end=window_end,
        )

    def confirm_missing(self, expected: list[Case]) -> None:
        """Cases the lists should have returned but did not: ask for each invoice by uuid."""
        unseen = [case for case in expected if case.invoice.infakt_id not in self.seen]
        # A case closed earlier in this run (a correction to zero) needs no confirmation.
        still_active = set(
            Case.objects.filter(pk__in=[c.pk for c in unseen], status=Case.Status.ACTIVE).values_list("pk", flat=True)
        )
        for case in unseen:
            if case.pk not in still_active:
                continue
            endpoint = endpoint_for_kind(case.invoice.kind)
            if endpoint in self.failed_endpoints:
                continue  # its list failed today: a detail GET would only fail the same way
            self.endpoint = endpoint
            try:
                record = self.api.get_invoice(case.invoice.uuid, endpoint=endpoint)
            except InfaktNotFound:
                self.seen.add(case.invoice.infakt_id)  # asked once a run
                self.mark_missing(case)
                continue
            except InfaktError as exc:
                self.counters.problems.append(f"{case.invoice.number}: {exc}")
                continue
            self.counters.invoices_read += 1
            self.consider(record, case=case, window_end=None)

    def mark_missing(self, case: Case) -> None:
        first = case.missing_since
        if first is not None and timezone.localtime(first).date() < self.day:
            if case_close(
                case=case,
                reason=Case.CloseReason.REMOVED,
                now=self.now,
                run_id=self.run.pk,
                note="InFakt odpowiada 404",
            ):
                self.counters.cases_closed += 1
        elif first is None:
            case_mark_missing(case=case, now=self.now)
            self.counters.problems.append(f"{case.invoice.number}: brak w InFakt (404), zamknięcie po potwierdzeniu")

    def fetch_clients(self, due: list[Case]) -> None:
        stale_before = self.now - timedelta(days=settings.CLIENT_STALE_DAYS)
        for case in due:
            if case.status == Case.Status.ACTIVE:
                self.note_client(case.invoice)
        known = dict(Client.objects.filter(infakt_id__in=self.client_ids_needed).values_list("infakt_id", "fetched_at"))
        wanted = {cid for cid in self.client_ids_needed if known.get(cid) is None or known[cid] < stale_before}
        if not wanted:
            return
        self.progress_total = len(wanted)
        total = self.previous.infakt_client_total if self.previous and self.previous.infakt_client_total else None
        if len(wanted) > 1 and (total is None or _pages(total) < len(wanted)):
            wanted = self.page_clients(wanted)
        for client_id in sorted(wanted):
            try:
                self.store_client(self.api.get_client(client_id))
            except InfaktError as exc:
                self.counters.problems.append(f"kontrahent {client_id}: {exc}")
        self.save_progress()

    def page_clients(self, wanted: set[int]) -> set[int]:
        """Page /clients.json while that stays cheaper than single GETs; return what is still wanted."""
        remaining = set(wanted)
        totals: list[int] = []
        for item in self.api.iter_clients(order="id asc", on_page=lambda page: totals.append(page.total_count or 0)):
            if isinstance(item, SkippedRecord):
                if item.record_id is not None and item.record_id.isdigit() and int(item.record_id) in remaining:
                    remaining.discard(int(item.record_id))
                    self.skip(item.kind, item.record_id, item.reason, item.raw)
                continue
            if item.id in remaining:
                remaining.discard(item.id)
                self.store_client(item)
            if not remaining:
                break
        if totals:
            SyncRun.objects.filter(pk=self.run.pk).update(infakt_client_total=max(totals))
        return remaining

    def store_client(self, record: ClientRecord) -> None:
        # Invoices already point at this row: it was created as a placeholder when their case opened.
        try:
            with transaction.atomic():
                client_upsert_from_infakt(record=record, now=self.now)
        except Exception as exc:  # one client must never stop the run
            log.exception("sync run %s: storing client %s failed", self.run.pk, record.id)
            self.skip("client", str(record.id), f"{type(exc).__name__}: {str(exc).strip()[:500]}", record.raw)
            return
        self.counters.clients_fetched += 1
        self.progress_done += 1

    def execute(self) -> None:
        kind = self.run.kind
        start, end = self.window()
        if kind != SyncRun.Kind.REFRESH:
            SyncRun.objects.filter(pk=self.run.pk).update(window_start=start, window_end=end)
        due = self.due_cases()
        self.phase(
            "unpaid", f"Faktury nieopłacone (okno {start:%Y-%m-%d} – {end:%Y-%m-%d}, do odświeżenia: {len(due)})"
        )
        self.endpoint = INVOICES
        try:
            if kind == SyncRun.Kind.FULL:
                self.full_sweep(end)
            else:
                self.unpaid_window(due, start, end, include_window=kind == SyncRun.Kind.DAILY)
            if kind != SyncRun.Kind.REFRESH:
                self.phase("paid", "Faktury opłacone od ostatniej synchronizacji")
                self.paid_since(end)
                self.phase("late", "Faktury wystawione po terminie okna")
                self.issued_late(start, end)
        except InfaktError as exc:
            self.endpoint_failed(INVOICES, exc)
        if kind != SyncRun.Kind.REFRESH:
            self.phase("other", "Pozostałe dokumenty: końcowe, zaliczkowe, marża, OSS, korekty")
            self.other_endpoints(start, end)
        if kind == SyncRun.Kind.FULL:
            due = list(Case.objects.filter(status=Case.Status.ACTIVE).select_related("invoice"))
        self.phase("confirm", "Potwierdzanie brakujących faktur")
        self.confirm_missing(due)
        self.phase("clients", "Kontrahenci")
        self.fetch_clients(due)
        case_mark_refreshed(case_ids=sorted(self.refreshed_case_ids), now=self.now)
        self.raise_if_fatal(due)

    # -- the other receivable endpoints

    def endpoint_failed(self, endpoint: str, exc: InfaktError) -> None:
        if isinstance(exc, ACCOUNT_ERRORS):
            raise exc  # the key or the account, not the endpoint: every other request would fail the same way
        # The query string adds nothing for staff (and is long): the path, the status and the API's words stay.
        text = _QUERY_STRING.sub("", str(exc))
        self.failed_endpoints[endpoint] = f"{type(exc).__name__}: {text}"[:500]
        self.counters.problems.append(f"/{endpoint}.json: {self.failed_endpoints[endpoint]}")
        log.warning("sync run %s: endpoint /%s.json failed: %s", self.run.pk, endpoint, exc)
        self.save_progress()

    def raise_if_fatal(self, due: list[Case]) -> None:
        """Fail the run when /invoices.json failed, or a failed endpoint holds a case due today."""
        fatal = [INVOICES] if INVOICES in self.failed_endpoints else []
        due_endpoints = {endpoint_for_kind(case.invoice.kind) for case in due if case.status == Case.Status.ACTIVE}
        fatal += sorted((self.failed_endpoints.keys() - {INVOICES}) & due_endpoints)
        if fatal:
            names = ", ".join(f"/{name}.json" for name in fatal)
            raise EndpointFailed(
                f"InFakt nie odpowiedział poprawnie dla: {names} ("
                + "; ".join(self.failed_endpoints[name] for name in fatal)
                + ")"
            )

    def endpoint_due(self, endpoint: str, state: EndpointState | None, active_kinds: set[str]) -> bool:
        """Read daily while the endpoint matters (active cases, or something found lately); else weekly."""
        if self.run.kind == SyncRun.Kind.FULL or state is None or state.last_read_on is None:
            return True
        if ENDPOINT_KINDS[endpoint] in active_kinds:
            return True
        if state.last_found_on is not None and state.last_found_on >= self.day - timedelta(days=QUIET_AFTER_DAYS):
            return True
        return state.last_read_on <= self.day - timedelta(days=PROBE_EVERY_DAYS)

    def other_endpoints(self, start: date, end: date) -> None:
        states = EndpointState.objects.in_bulk(field_name="endpoint")
        active_kinds = set(
            Case.objects.filter(status=Case.Status.ACTIVE).values_list("invoice__kind", flat=True).distinct()
        )
        for endpoint in (*OTHER_INVOICE_ENDPOINTS, CORRECTIVE_INVOICES):
            state = states.get(endpoint)
            if not self.endpoint_due(endpoint, state, active_kinds):
                continue
            self.endpoint = endpoint
            self.found = 0
            self.open_floor = self.day - timedelta(days=settings.INITIAL_BACKFILL_DAYS)
            try:
                if endpoint == CORRECTIVE_INVOICES:
                    self.read_corrections(state, end)
                    if self.positive_corrections_pending(active_kinds):
                        self.read_other_invoices(endpoint, end, has_cases="correction" in active_kinds)
                else:
                    self.read_other_invoices(endpoint, end, has_cases=ENDPOINT_KINDS[endpoint] in active_kinds)
            except InfaktError as exc:
                self.endpoint_failed(endpoint, exc)
                continue
            if not self.run.dry_run:
                EndpointState.objects.update_or_create(
                    endpoint=endpoint,
                    defaults={"last_read_on": self.day, "last_found": self.found}
                    | ({"last_found_on": self.day} if self.found else {}),
                )
        self.endpoint = INVOICES
        self.open_floor = None

    @staticmethod
    def positive_corrections_pending(active_kinds: set[str]) -> bool:
        """Corrections dunned as their own case, or unpaid positive ones waiting for their due date."""
        if Invoice.Kind.CORRECTION in active_kinds:
            return True
        return Invoice.objects.filter(
            kind=Invoice.Kind.CORRECTION,
            gross__gt=0,
            left_to_pay__gt=0,
            status__in=[Invoice.Status.SENT, Invoice.Status.PRINTED],
            case__isnull=True,
        ).exists()

    def read_other_invoices(self, endpoint: str, end: date, *, has_cases: bool) -> None:
        """Every unpaid document due by a week past the window end (opens and refreshes cases).

        An active case of the endpoint the list did not return was paid, deleted or moved: one
        detail GET each tells which (cheaper than a daily paid-since query for the few there are).
        """
        fields = CORRECTION_FIELDS if endpoint == CORRECTIVE_INVOICES else INVOICE_FIELDS
        # A week beyond the window: a document falling due before the next weekly probe is seen now,
        # and makes the endpoint one that is read daily.
        filters: dict[str, object] = {
            "paid_date_null": True,
            "payment_date_lteq": end + timedelta(days=PROBE_EVERY_DAYS),
        }
        self.read_invoices(
            self.api.iter_invoices(
                endpoint=endpoint, filters=filters, order="id asc", fields=fields, on_page=self.on_page
            ),
            window_end=end,
        )
        if has_cases:
            kind = ENDPOINT_KINDS[endpoint]
            active = Case.objects.filter(status=Case.Status.ACTIVE, invoice__kind=kind).select_related("invoice")
            self.confirm_missing([case for case in active if case.invoice.infakt_id not in self.seen])

    def read_corrections(self, state: EndpointState | None, end: date) -> None:
        """Corrections issued since the endpoint was last read (the backfill period the first time)."""
        if state is not None and state.last_read_on is not None:
            since = state.last_read_on - timedelta(days=1)
        else:
            since = self.day - timedelta(days=settings.INITIAL_BACKFILL_DAYS)
        before = self.counters.invoices_read
        self.read_invoices(
            self.api.iter_invoices(
                endpoint=CORRECTIVE_INVOICES,
                filters={"invoice_date_gteq": since},
                order="id asc",
                fields=CORRECTION_FIELDS,
                on_page=self.on_page,
            ),
            window_end=end,  # a positive correction already due soon opens its own case now
        )
        self.found = self.counters.invoices_read - before


def sync_run(
    *,
    target_date: date | None = None,
    kind: str = SyncRun.Kind.DAILY,
    trigger: str = SyncRun.Trigger.COMMAND,
    dry_run: bool = False,
    api: InfaktAPI | None = None,
    user=None,
    case_ids: list[int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SyncRun:
    """Run one sync to the end and return its record. Raises SyncAlreadyRunning or SyncFailed."""
    day = target_date or business_today()
    with sync_lock() as lock:
        run = _start_run(lock=lock, kind=kind, trigger=trigger, target_date=day, dry_run=dry_run, triggered_by=user)
        with log_context(sync_run_id=run.pk):
            return _execute(run, api or build_api(), case_ids=case_ids, progress=progress)


def sync_run_is_stalled(run: SyncRun, *, now: datetime | None = None) -> bool:
    """A running row whose heartbeat stopped more than STALE_RUN_AFTER ago (the next run closes it)."""
    now = now or timezone.now()
    return run.status == SyncRun.Status.RUNNING and run.heartbeat_at < now - STALE_RUN_AFTER


@dataclass(frozen=True)
class SyncEnqueued:
    """What `sync_run_enqueue` did: queued the sync for `day`, or refused because one is running
    (`running`) or already waits for a worker (`waiting_since`)."""

    queued: bool
    day: date
    running: SyncRun | None = None
    waiting_since: datetime | None = None


def sync_run_enqueue(*, user=None, now: datetime | None = None) -> SyncEnqueued:
    """Queue today's daily sync as a django-q2 task ("run now" of the panel, trigger PANEL), once the
    caller's transaction commits; refuse while another one runs (a stalled row does not count) or
    waits for a worker."""
    from django_q.tasks import async_task  # django_q reads Q_CLUSTER at import

    now = now or timezone.now()
    day = business_today(now)
    running = sync_run_running()
    if running is not None and not sync_run_is_stalled(running, now=now):
        return SyncEnqueued(False, day, running=running)
    waiting_since = panel_sync_queued_at()
    if waiting_since is not None:
        return SyncEnqueued(False, day, waiting_since=waiting_since)
    user_id = user.pk if user is not None else None
    transaction.on_commit(
        lambda: async_task(
            "syncstatus.tasks.panel_sync",
            user_id=user_id,
            group=PANEL_SYNC_GROUP,
            task_name=f"panel-sync-{now:%Y%m%d-%H%M%S}-{user_id}",
        )
    )
    return SyncEnqueued(True, day)


def _execute(
    run: SyncRun, api: InfaktAPI, *, case_ids: list[int] | None, progress: Callable[[str], None] | None
) -> SyncRun:
    dry_run = run.dry_run
    sync = _Sync(run, api, previous=last_completed_run(before=run), case_ids=case_ids, progress=progress)
    status, error = SyncRun.Status.SUCCESS, ""
    try:
        if dry_run:
            try:
                with transaction.atomic():
                    sync.execute()
                    raise _DryRunRollback
            except _DryRunRollback:
                pass
        else:
            sync.execute()
    except Exception as exc:
        log.exception("sync run %s failed", run.pk)
        status, error = SyncRun.Status.FAILED, f"{type(exc).__name__}: {exc}"
    else:
        if sync.counters.records_skipped or sync.counters.problems or sync.failed_endpoints:
            status = SyncRun.Status.PARTIAL
            error = "\n".join(sync.counters.problems[:50])
    if status != SyncRun.Status.FAILED and not dry_run:
        sync.save_progress(phase="claims")
        claims_after_sync(run, case_ids=case_ids)
    sync.save_progress(status=status, error=error, finished_at=timezone.now(), phase="done")
    run.refresh_from_db()
    log.info(
        "sync run %s %s: opened=%s refreshed=%s closed=%s requests=%s",
        run.pk,
        run.status,
        run.cases_opened,
        run.cases_refreshed,
        run.cases_closed,
        run.api_requests,
    )
    if status == SyncRun.Status.FAILED:
        raise SyncFailed(run)
    return run


def claims_after_sync(run: SyncRun, *, case_ids: list[int] | None = None) -> dict:
    """After a sync that did not fail: fetch the NBP rates the active cases need (a daily run) and
    store the claims again (every active case; a sync of chosen cases: those cases).

    Never raises: an NBP outage (or any error here) is recorded on the run, the sync keeps its
    status, and the cases say "kurs EUR do uzupełnienia" until the rate is fetched or entered.
    """
    record: dict = {"fetched": [], "failed": [], "refreshed": 0, "error": ""}
    day = run.target_date
    try:
        if case_ids is None and run.kind == SyncRun.Kind.DAILY:
            report = exchange_rates_fetch_missing(keys=case_fx_keys_needed(), today=day)
            record["fetched"] = [f"{currency} {month:%Y-%m}" for currency, month in report.fetched]
            record["failed"] = [
                {"currency": currency, "month": f"{month:%Y-%m}", "error": error[:300]}
                for currency, month, error in report.failed
            ]
        record["refreshed"] = case_claims_refresh(day=day, case_ids=case_ids)
    except Exception as exc:  # the sync itself succeeded: this must not fail it
        log.exception("claims after sync run %s failed", run.pk)
        record["error"] = f"{type(exc).__name__}: {exc}"[:500]
    if record["failed"]:
        log.warning("sync run %s: %s NBP rate(s) not fetched", run.pk, len(record["failed"]))
    SyncRun.objects.filter(pk=run.pk).update(claims_refresh=record)
    return record


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _jsonable(raw: object) -> object:
    if raw is None or isinstance(raw, dict | list | str | int | float | bool):
        return raw
    return repr(raw)
