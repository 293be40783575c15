"""The run's state and bookkeeping, shared by every phase: counters, progress saved on the run's row,
skipped records, and what the phases pass each other (invoices seen, clients needed, cases refreshed).

The phases are mixins of `SyncState` (records, missing, invoices, endpoints, clients); `run._Sync`
puts them together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from cases.models import Client, Invoice, ReminderStage
from infakt.client import InfaktAPI, PageInfo
from infakt.types import INVOICES

from ..models import SkippedRecord as SkippedRecordRow
from ..models import SyncRun

log = logging.getLogger("invoicetracker.sync")


@dataclass
class Counters:
    invoices_read: int = 0
    cases_opened: int = 0
    cases_refreshed: int = 0
    cases_updated: int = 0
    cases_closed: int = 0
    clients_fetched: int = 0
    records_skipped: int = 0
    problems: list[str] = field(default_factory=list)


class SyncState:
    """What one run knows and counts; the phases (mixins below) read and add to it."""

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
        self.counters = Counters()
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

    def note_client(self, invoice: Invoice) -> None:
        if invoice.client_infakt_id is not None:
            self.client_ids_needed.add(invoice.client_infakt_id)


def _jsonable(raw: object) -> object:
    if raw is None or isinstance(raw, dict | list | str | int | float | bool):
        return raw
    return repr(raw)
