"""Writes to the dunning domain: the one way any app changes a client, an invoice, a case or its timeline.

Every function is keyword-only and safe to repeat. The package follows the seams of the work:
- `events`: the case's timeline (`case_event_add`, `case_events_add`, `case_event_new`);
- `clients`: NIP and e-mail parsing, clients from InFakt;
- `invoices`: which invoices may be dunned, invoices from InFakt and what changed;
- `schedule`: the letter ladder on a case (next rung, claiming and releasing a rung, rescheduling);
- `lifecycle`: opening, reopening and closing a case, following its invoice, missing/found, refreshed;
- `corrections`: corrective invoices and the review pause they start (`case_confirm_amount` ends it);
- `claims`: the stored claim per case, waivers, public medical entities;
- `actions`: what staff do on a case (pause, resume, hand over, note, call, promise to pay);
- `totals`: folding the lists' totals that PostgreSQL keeps (`case_totals_compact`).

Dependency order inside the package (a module imports only the ones before it, never a later one):
events, clients → invoices (clients) → schedule → lifecycle (events, invoices, schedule) →
corrections (events, lifecycle); claims (events), actions (events) and totals stand beside them.
Callers import the names below from `cases.services`, or from the submodule that defines them.
"""

from .actions import (
    case_call_log,
    case_mark_handed_over,
    case_note_add,
    case_pause,
    case_promise_end,
    case_promise_to_pay,
    case_resume,
)
from .claims import case_claims_refresh, case_set_waivers, client_set_public_medical
from .clients import (
    client_placeholder,
    client_upsert_from_infakt,
    invoice_client_sort_name_refresh,
    is_valid_polish_nip,
    normalize_nip,
    split_emails,
)
from .corrections import (
    CorrectionOutcome,
    case_confirm_amount,
    case_pause_for_review,
    correction_apply,
    correction_find_original,
    correction_reference_keys,
)
from .events import EVENT_FIELDS, case_event_add, case_event_new, case_events_add
from .invoices import (
    DUNNABLE_KINDS,
    DUNNABLE_STATUSES,
    InvalidInvoice,
    InvoiceChange,
    invoice_upsert_from_infakt,
    is_dunnable,
)
from .lifecycle import (
    STAYS_CLOSED,
    case_apply_invoice_change,
    case_close,
    case_mark_found,
    case_mark_missing,
    case_mark_refreshed,
    case_open,
    case_request_refresh,
)
from .schedule import (
    case_claim_rung,
    case_lock_for_manual,
    case_release_rung,
    case_schedule_next,
    case_uncount_letter,
    cases_reschedule,
)
from .totals import case_totals_compact

__all__ = [
    "DUNNABLE_KINDS",
    "DUNNABLE_STATUSES",
    "EVENT_FIELDS",
    "STAYS_CLOSED",
    "CorrectionOutcome",
    "InvalidInvoice",
    "InvoiceChange",
    "case_apply_invoice_change",
    "case_call_log",
    "case_claim_rung",
    "case_claims_refresh",
    "case_close",
    "case_confirm_amount",
    "case_event_add",
    "case_event_new",
    "case_events_add",
    "case_lock_for_manual",
    "case_mark_found",
    "case_mark_handed_over",
    "case_mark_missing",
    "case_mark_refreshed",
    "case_note_add",
    "case_open",
    "case_pause",
    "case_pause_for_review",
    "case_promise_end",
    "case_promise_to_pay",
    "case_release_rung",
    "case_request_refresh",
    "case_resume",
    "case_schedule_next",
    "case_set_waivers",
    "case_totals_compact",
    "case_uncount_letter",
    "cases_reschedule",
    "client_placeholder",
    "client_set_public_medical",
    "client_upsert_from_infakt",
    "correction_apply",
    "correction_find_original",
    "correction_reference_keys",
    "invoice_client_sort_name_refresh",
    "invoice_upsert_from_infakt",
    "is_dunnable",
    "is_valid_polish_nip",
    "normalize_nip",
    "split_emails",
]
