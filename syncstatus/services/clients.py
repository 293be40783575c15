"""Clients of the cases opened or due today whose record is new or stale: fetched one by one, or by paging
/clients.json while that costs fewer requests."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from cases.models import Case, Client
from cases.services import client_upsert_from_infakt
from infakt.errors import InfaktError
from infakt.types import ClientRecord, SkippedRecord

from ..models import SyncRun
from .planning import pages
from .state import SyncState

log = logging.getLogger("invoicetracker.sync")


class ClientFetch(SyncState):
    """The phase "clients"."""

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
        if len(wanted) > 1 and (total is None or pages(total) < len(wanted)):
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
