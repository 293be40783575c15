"""A sync run from start to end: the phases in order (`_Sync.execute`), a dry run rolled back, the run's
status (success, partial, failed), and the claims stored again after a run that did not fail."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.claim_selectors import case_fx_keys_needed
from cases.models import Case
from cases.services import case_claims_refresh, case_mark_refreshed, case_totals_compact
from claims.nbp import exchange_rates_fetch_missing
from common.calendar import business_today
from common.logs import log_context
from infakt.apps import build_api
from infakt.client import InfaktAPI
from infakt.errors import InfaktError
from infakt.types import INVOICES

from ..models import SyncRun
from .clients import ClientFetch
from .endpoints import OtherEndpoints
from .errors import SyncFailed
from .invoices import InvoiceLists
from .runs import last_completed_run, sync_lock, sync_run_start

log = logging.getLogger("invoicetracker.sync")


class _DryRunRollback(Exception):
    pass


class _Sync(InvoiceLists, OtherEndpoints, ClientFetch):
    """One run: the phases (each a mixin on `state.SyncState`) walked in order."""

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
        run = sync_run_start(lock=lock, kind=kind, trigger=trigger, target_date=day, dry_run=dry_run, triggered_by=user)
        with log_context(sync_run_id=run.pk):
            return _execute(run, api or build_api(), case_ids=case_ids, progress=progress)


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
    if not dry_run:
        totals_compact_after_sync(run)
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


def totals_compact_after_sync(run: SyncRun) -> None:
    """Fold the rows the run's changes added to the lists' totals (`cases.services.case_totals_compact`).
    Never raises: unfolded rows are still right, only slower to add up."""
    try:
        case_totals_compact()
    except Exception:
        log.exception("folding the case totals after sync run %s failed", run.pk)


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
