"""The case admin's "generate demand", added to `cases.admin.CaseAdmin` where the site is assembled
(invoicetracker/admin.py): `cases` never imports `documents`. The action returns the PDF for the selected
cases (one client), or reports why it cannot, on the page and on each case's timeline.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from common.calendar import business_today

from .services import DemandError, demand_failure_record, demand_pdf_for_cases
from .views import pdf_response


class GenerateDemandAction:
    """A model admin of cases with the action `generate_demand`."""

    @admin.action(description=_("Generuj przedsądowe wezwanie do zapłaty (PDF)"), permissions=["change"])
    def generate_demand(self, request, queryset):
        cases = list(queryset.select_related(None).only("pk"))
        try:
            content = demand_pdf_for_cases(cases=cases, day=business_today())
        except DemandError as exc:
            demand_failure_record(cases=cases, error=str(exc), user=request.user)
            self.message_user(request, _("Nie można przygotować wezwania: %(error)s") % {"error": exc}, messages.ERROR)
            return None
        return pdf_response(content, f"wezwanie-{business_today():%Y-%m-%d}.pdf", inline=False)
