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

Where things are, in dependency order (a module imports only the ones above it):

    errors      SyncAlreadyRunning, SyncFailed, EndpointFailed, ACCOUNT_ERRORS
    planning    PAGE, pages, plan_ranges: the cheapest due-date ranges to ask for
    runs        one run at a time: sync_lock (SYNC_LOCK_KEY), sync_run_start, sync_run_is_stalled,
                last_completed_run
    state       SyncState: a run's counters, progress, skipped records (the phases' base class)
    records     RecordReader: reading a list, one record opening/refreshing/closing its case;
                INVOICE_FIELDS, CORRECTION_FIELDS
    missing     MissingCases: the detail GET for a case no list returned (phase "confirm")
    invoices    InvoiceLists: the window, the due cases, the /invoices.json lists (phases "unpaid", "paid",
                "late", the full sweep)
    endpoints   OtherEndpoints: the other receivable endpoints and their weekly probe (phase "other");
                QUIET_AFTER_DAYS, PROBE_EVERY_DAYS
    clients     ClientFetch: stale or new clients, one by one or paged (phase "clients")
    run         _Sync (the phases in order), sync_run, claims_after_sync
    enqueue     sync_run_enqueue: "run now" from the panel
    refresh     sync_refresh_cases_or_mark: refresh chosen cases now, or mark them for the next sync
"""

from .enqueue import SyncEnqueued, sync_run_enqueue
from .errors import ACCOUNT_ERRORS, EndpointFailed, SyncAlreadyRunning, SyncFailed
from .planning import plan_ranges
from .refresh import REFRESH_MAX_CASES, RefreshOutcome, RefreshResult, sync_refresh_cases_or_mark
from .run import claims_after_sync, sync_run
from .runs import STALE_RUN_AFTER, SYNC_LOCK_KEY, last_completed_run, sync_lock, sync_run_is_stalled

__all__ = [
    "ACCOUNT_ERRORS",
    "REFRESH_MAX_CASES",
    "STALE_RUN_AFTER",
    "SYNC_LOCK_KEY",
    "EndpointFailed",
    "RefreshOutcome",
    "RefreshResult",
    "SyncAlreadyRunning",
    "SyncEnqueued",
    "SyncFailed",
    "claims_after_sync",
    "last_completed_run",
    "plan_ranges",
    "sync_lock",
    "sync_refresh_cases_or_mark",
    "sync_run",
    "sync_run_enqueue",
    "sync_run_is_stalled",
]
