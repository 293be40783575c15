"""The case list's ChangeList: ties broken by the invoice, and each row's claim for today.

The site adds the rest to every list (invoicetracker.admin_site.IndexFriendlyOrdering): the tie-breaker in
the sort's direction and the date hierarchy read through indexes (common.admin_dates).
"""

from __future__ import annotations

from django.contrib.admin.views.main import ChangeList

from common.calendar import business_today

from ..claim_selectors import case_claims


class CaseChangeList(ChangeList):
    def _get_deterministic_ordering(self, ordering):
        """A sort on an invoice column breaks ties by the invoice (one case per invoice): PostgreSQL then
        walks the invoice's (column, id) index and joins each case, instead of sorting every case."""
        ordering = super()._get_deterministic_ordering(ordering)
        first = ordering[0] if ordering else None
        if isinstance(first, str) and first.lstrip("-").startswith("invoice__") and ordering[-1] in {"pk", "-pk"}:
            ordering[-1] = "-invoice_id" if first.startswith("-") else "invoice_id"
        return ordering

    def get_results(self, request):
        super().get_results(request)
        # The claim of each row on the page, in a constant number of queries (column "roszczenie").
        claims = case_claims(cases=self.result_list, day=business_today())
        for case in self.result_list:
            case.claim_today = claims.get(case.pk)
