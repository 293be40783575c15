"""Cases the lists should have returned but did not: one detail GET each; two 404s on different days
close the case as removed."""

from __future__ import annotations

from django.utils import timezone

from cases.models import Case
from cases.services import case_close, case_mark_missing
from infakt.errors import InfaktError, InfaktNotFound
from infakt.types import endpoint_for_kind

from .records import RecordReader


class MissingCases(RecordReader):
    """The phase "confirm", and the active cases of another endpoint its list no longer returns."""

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
