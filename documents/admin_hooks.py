"""The "generate demand" action on the case admin, installed from this (higher) layer at start-up.

`cases` never imports `documents`: `DocumentsConfig.ready()` adds the action to the registered
`CaseAdmin`. The action returns the PDF for the selected cases (one client), or reports why it
cannot, on the page and on each case's timeline.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from common.calendar import business_today

from .services import DemandError, demand_failure_record, demand_pdf_for_cases
from .views import pdf_response


@admin.action(description=_("Generuj przedsądowe wezwanie do zapłaty (PDF)"), permissions=["change"])
def generate_demand(modeladmin, request, queryset):
    cases = list(queryset.select_related(None).only("pk"))
    try:
        content = demand_pdf_for_cases(cases=cases, day=business_today())
    except DemandError as exc:
        demand_failure_record(cases=cases, error=str(exc), user=request.user)
        modeladmin.message_user(
            request, _("Nie można przygotować wezwania: %(error)s") % {"error": exc}, messages.ERROR
        )
        return None
    return pdf_response(content, f"wezwanie-{business_today():%Y-%m-%d}.pdf", inline=False)


def install() -> None:
    model_admin = admin.site._registry.get(Case)
    if model_admin is None:  # pragma: no cover - the case admin is part of the project
        return
    actions = list(type(model_admin).actions or [])
    if generate_demand not in actions:
        type(model_admin).actions = [*actions, generate_demand]
