"""The other receivable endpoints (final, advance, margin, OSS invoices, corrections): read daily while
they matter, else probed weekly; an endpoint's failure is recorded, and fails the run only when it holds
/invoices.json or a case due today."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

from django.conf import settings

from cases.models import Case, Invoice
from infakt.errors import InfaktError
from infakt.types import (
    ADVANCE_INVOICES,
    CORRECTIVE_INVOICES,
    ENDPOINT_KINDS,
    FINAL_INVOICES,
    INVOICES,
    MARGIN_INVOICES,
    OSS_INVOICES,
    endpoint_for_kind,
)

from ..models import EndpointState, SyncRun
from .errors import ACCOUNT_ERRORS, EndpointFailed
from .missing import MissingCases
from .records import CORRECTION_FIELDS, INVOICE_FIELDS

log = logging.getLogger("invoicetracker.sync")

# Receivable endpoints beside /invoices.json, read with one query each (corrections last, so that
# the originals they correct are stored first).
OTHER_INVOICE_ENDPOINTS = (FINAL_INVOICES, ADVANCE_INVOICES, MARGIN_INVOICES, OSS_INVOICES)
# An endpoint that found nothing that matters for this long, and has no active case, is read weekly.
QUIET_AFTER_DAYS = 14
PROBE_EVERY_DAYS = 7
# Stripped from an endpoint's error before it is shown to staff.
_QUERY_STRING = re.compile(r"[?]\S*")


class OtherEndpoints(MissingCases):
    """The phase "other": reads the receivable endpoints beside /invoices.json; records failed endpoints."""

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
