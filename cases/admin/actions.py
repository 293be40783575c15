"""How the case admin's actions run, shared by the actions the higher layers add to it.

An action that needs parameters (a date, a reason, a stage) first shows an intermediate page like
Django's delete confirmation (`action_parameters`); it then calls a service for each case it applies
to (`run_per_case`), reports what was done and what was skipped (`report`) and goes back to the case
page when it was started there (`back_to_case`): `parameter_action` is that shape, `per_case_action`
the same with a service called case by case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import Case

# The parameter page lists the selected cases up to this many (and says how many there are).
SHOWN_MAX = 100


@dataclass(frozen=True)
class ActionStep:
    """The intermediate page of an action: its form, the action's name and the page's texts."""

    form_class: type[forms.Form]
    action: str
    title: str
    intro: str


def action_parameters(modeladmin, request, queryset, step: ActionStep) -> forms.Form | TemplateResponse:
    """A valid form once the page was applied, else the page to show (again, with the errors)."""
    if "apply" in request.POST:
        form = step.form_class(request.POST)
        if form.is_valid():
            return form
    else:
        form = step.form_class()
    return_case = request.POST.get("_case", "")
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": step.title,
        "intro": step.intro,
        "form": form,
        "action": step.action,
        "cases": queryset[:SHOWN_MAX],
        "count": queryset.count(),
        "select_across": request.POST.get("select_across", "0"),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "return_case": return_case if return_case.isdigit() else "",
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/cases/case/action_form.html", context)


def back_to_case(request) -> HttpResponseRedirect | None:
    """Back to the case page when the action was started from it, else (None) to the list."""
    case_pk = request.POST.get("_case", "")
    if case_pk.isdigit():
        return HttpResponseRedirect(reverse("admin:cases_case_change", args=[int(case_pk)]))
    return None


def is_active(case: Case) -> bool:
    return case.status == Case.Status.ACTIVE


def run_per_case(cases, run: Callable[[Case], Any], *, applies: Callable[[Case], bool] = is_active) -> tuple[int, int]:
    """Runs `run(case)` for each case it `applies` to; returns (done, skipped).

    A `run` that returns False (e.g. `case_close` finding nothing to close) counts as skipped.
    """
    done = skipped = 0
    for case in cases:
        if applies(case) and run(case) is not False:
            done += 1
        else:
            skipped += 1
    return done, skipped


def report(modeladmin, request, message, skipped: int) -> None:
    if skipped:
        message = f"{message} " + str(_("Pominięto (zamknięte lub nie dotyczy): %(n)s") % {"n": skipped})
    modeladmin.message_user(request, message, messages.SUCCESS)


def parameter_action(modeladmin, request, queryset, step: ActionStep | None, apply: Callable[[dict], Any]):
    """An action's shape: its parameter page first when it has a `step`, then `apply(data)` (which
    reports), then back to the case page when it was started there."""
    data: dict = {}
    if step is not None:
        form = action_parameters(modeladmin, request, queryset, step)
        if isinstance(form, TemplateResponse):
            return form
        data = form.cleaned_data
    apply(data)
    return back_to_case(request)


def per_case_action(
    modeladmin,
    request,
    queryset,
    *,
    run: Callable[[Case, dict], Any],
    message: Callable[[int, dict], str],
    step: ActionStep | None = None,
    cases=None,
    applies: Callable[[Case], bool] = is_active,
):
    """An action on each selected case: `run(case, data)` for every case of `cases` (the selection by
    default) it `applies` to, then `message(done, data)` with the count of the skipped."""

    chosen = queryset if cases is None else cases

    def apply(data):
        done, skipped = run_per_case(chosen, lambda case: run(case, data), applies=applies)
        report(modeladmin, request, message(done, data), skipped)

    return parameter_action(modeladmin, request, queryset, step, apply)
