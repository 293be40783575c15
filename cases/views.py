"""Case lists and the case page outside the admin (login required by the middleware, view permission here)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from common.calendar import business_today
from common.formatting import format_date, format_money

from . import exports, services
from .claim_selectors import case_claim_context
from .filters import CaseFilter
from .forms import CallForm, CasePauseForm, HandOverForm, NoteForm, PromiseForm
from .models import Case, Client
from .selectors import (
    CASE_SEARCH_DENSE_FROM,
    CasePaginator,
    case_dunning_state,
    case_list_for_ui,
    case_stages_sent,
    case_sums,
    case_sums_up_to,
    case_timeline,
    case_totals,
)
from .tables import CaseTable, ClosedCaseTable


class CaseListView(LoginRequiredMixin, PermissionRequiredMixin, SingleTableMixin, FilterView):
    """/cases/active/ and /cases/closed/: 100 rows a page, sortable, filterable, exportable (CSV, XLSX).

    `?_export=csv` (or xlsx) with the same filters and sort returns every matching case.
    """

    permission_required = "cases.view_case"
    raise_exception = True
    status = Case.Status.ACTIVE
    filterset_class = CaseFilter
    table_pagination = {"per_page": 100, "paginator_class": CasePaginator}
    template_name = "cases/case_filter.html"
    export_formats = ("csv", "xlsx")

    def get_queryset(self):
        return case_list_for_ui(today=business_today(), status=self.status)

    def get_table_class(self):
        return ClosedCaseTable if self.status == Case.Status.CLOSED else CaseTable

    def get_export_filename(self, export_format):
        return f"sprawy-{self.status}-{business_today():%Y-%m-%d}.{export_format}"

    def get(self, request, *args, **kwargs):
        export_format = request.GET.get("_export")
        if export_format in self.export_formats:
            return self.export(export_format)
        return super().get(request, *args, **kwargs)

    def export(self, export_format: str):
        """The whole filtered, sorted list, streamed: built without the page's count, rows or form,
        so the first byte leaves before any case is read (a server-side cursor reads the rest)."""
        filterset = self.get_filterset(self.get_filterset_class())
        if not filterset.is_bound or filterset.is_valid() or not self.get_strict():
            cases = filterset.qs
        else:
            cases = filterset.queryset.none()
        table = self.get_table_class()(cases)
        RequestConfig(self.request, paginate=False).configure(table)  # the list's sort, no paging
        cases = table.data.data
        columns = exports.columns_for(self.status)
        filename = self.get_export_filename(export_format)
        if export_format == "csv":
            return exports.csv_response(cases, columns, filename)
        return exports.xlsx_response(cases, columns, filename, title=str(self.title))

    @cached_property
    def _sums(self) -> tuple[list, bool]:
        """(the sum row, whether it was left out). A text search's sum row is added up from at most
        CASE_SEARCH_DENSE_FROM cases, in the query that counts them; a wider search (a word most clients
        share) gets "more than" and no total unless asked for (`?sums=all`): its exact total reads every
        match (30,000 for "Sp." at 100,000 cases), the page itself 100. Filters always get exact sums; the
        whole list's and one client's are the totals PostgreSQL keeps (`case_totals`), not their cases
        (70,000 active, 1,750 of the biggest client) added up."""
        filterset = getattr(self, "filterset", None)
        if filterset is not None and (not filterset.filtered or filterset.only_client is not None):
            # The whole list, or one client's: the totals PostgreSQL keeps.
            totals = case_totals(self.status, client_id=filterset.only_client)
            if totals is not None:
                return totals, False
        if filterset is None or not filterset.searched or self.request.GET.get("sums") == "all":
            return case_sums(self.object_list), False
        sums = case_sums_up_to(self.object_list, CASE_SEARCH_DENSE_FROM)
        return (sums, False) if sums is not None else ([], True)

    @property
    def sums(self) -> list:
        return self._sums[0]

    @property
    def sums_capped(self) -> bool:
        return self._sums[1]

    @property
    def search_is_wide(self) -> bool:
        """A text search found more than CASE_SEARCH_DENSE_FROM cases (known from the sum row's query)."""
        filterset = getattr(self, "filterset", None)
        searched = filterset is not None and filterset.searched
        return searched and (self.sums_capped or sum(row.count for row in self.sums) > CASE_SEARCH_DENSE_FROM)

    def get_table_data(self):
        """The page's cases. A text search found in more than CASE_SEARCH_DENSE_FROM cases (a word most
        clients share) is read in the dense shape: the same rows, found walking the list in display order
        and stopping after the page, not read all and sorted (issue 13)."""
        data = super().get_table_data()
        if self.search_is_wide:
            return self.filterset.qs_dense()
        return data

    def get_table_pagination(self, table):
        # The sum row's counts are the list's count (or, for a wide search, the capped count): the
        # paginator needs no COUNT of its own.
        paginate = super().get_table_pagination(table)
        if paginate is not False:
            count = CASE_SEARCH_DENSE_FROM if self.sums_capped else sum(row.count for row in self.sums)
            paginate["paginator_class"] = type("CountedCasePaginator", (CasePaginator,), {"count": count})
        return paginate

    @property
    def title(self):
        return _("Sprawy zamknięte") if self.status == Case.Status.CLOSED else _("Sprawy aktywne")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        for key in ("page", "_export"):
            query.pop(key, None)
        context.update(
            title=self.title,
            status=self.status,
            export_query=query.urlencode(),
            can_act=self.request.user.has_perm("cases.change_case"),
            sums=self.sums,
            sums_capped=self.sums_capped,
            search_cap=CASE_SEARCH_DENSE_FROM,
            filter_client=self.filter_client(),
        )
        return context

    def filter_client(self):
        """The client the list is narrowed to (`?client_id=`), for the heading; None when not narrowed."""
        form = self.filterset.form
        client_id = form.cleaned_data.get("client_id") if hasattr(form, "cleaned_data") else None
        if not client_id:
            return None
        return Client.objects.filter(pk=int(client_id)).only("pk", "company_name", "first_name", "last_name").first()


# The clerk's actions on the case page: name -> form (prefixed by the name, so the fields of the
# forms on one page never clash).
CASE_ACTIONS = {
    "promise": PromiseForm,
    "call": CallForm,
    "note": NoteForm,
    "pause": CasePauseForm,
    "handover": HandOverForm,
}


class CaseDetailView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """One case, active or closed, with its timeline: opened, refreshes, payments, e-mails, pauses, closing.

    Staff (`cases.change_case`) act on an active case from here (POST `action` + the action's form):
    promise to pay, a phone call, a note, a pause, hand over. Each writes the timeline through
    `cases.services`; the page redirects back with a message, or shows the form again with its
    errors and the input kept. Managers see no forms, and their POSTs are refused (403).
    "Send the next letter now" posts to the worklist app (it calls `notifications`).
    """

    permission_required = "cases.view_case"
    raise_exception = True
    template_name = "cases/case_detail.html"
    context_object_name = "case"

    def get_queryset(self):
        return case_list_for_ui(today=business_today()).select_related("closed_by")

    def _can_act(self, case: Case) -> bool:
        return self.request.user.has_perm("cases.change_case") and case.status == Case.Status.ACTIVE

    def _form(self, action: str, case: Case, data=None):
        form_class = CASE_ACTIONS[action]
        kwargs = {"case": case} if form_class is PromiseForm else {}
        return form_class(data, prefix=action, **kwargs)

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("cases.change_case"):
            raise PermissionDenied
        self.object = case = self.get_object()
        action = request.POST.get("action", "")
        if action not in CASE_ACTIONS:
            return HttpResponseBadRequest(gettext("Nieznane działanie."))
        if case.status != Case.Status.ACTIVE:
            messages.error(request, gettext("Sprawa jest zamknięta: działania są niedostępne."))
            return redirect("cases:detail", pk=case.pk)
        form = self._form(action, case, data=request.POST)
        if form.is_valid():
            try:
                done = self._apply(action, case, form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, done)
                return redirect(reverse("cases:detail", args=[case.pk]) + "#actions")
        context = self.get_context_data(object=case, bound=(action, form))
        return self.render_to_response(context, status=400)

    def _apply(self, action: str, case: Case, data: dict) -> str:
        user = self.request.user
        if action == "promise":
            services.case_promise_to_pay(case=case, user=user, on=data["on"], amount=data["amount"], note=data["note"])
            return gettext(
                "Zapisano obietnicę zapłaty %(amount)s do %(day)s; przypomnienia wstrzymane do tego dnia."
            ) % {
                "amount": format_money(data["amount"], case.invoice.currency),
                "day": format_date(data["on"]),
            }
        if action == "call":
            services.case_call_log(case=case, user=user, outcome=data["outcome"], text=data["text"])
            return gettext("Zapisano rozmowę telefoniczną.")
        if action == "note":
            services.case_note_add(case=case, user=user, text=data["text"])
            return gettext("Zapisano notatkę.")
        if action == "pause":
            services.case_pause(case=case, until=data["until"], reason=data["reason"], note=data["note"], user=user)
            return gettext("Wstrzymano przypomnienia do %(day)s.") % {"day": format_date(data["until"])}
        services.case_mark_handed_over(cases=[case], user=user, to=data["to"], on=data["on"], note=data["note"])
        return gettext("Oznaczono sprawę jako przekazaną: %(to)s.") % {"to": data["to"]}

    def get_context_data(self, bound=None, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        can_act = self._can_act(case)
        forms = {}
        if can_act:
            forms = {action: self._form(action, case) for action in CASE_ACTIONS}
            if bound is not None:
                forms[bound[0]] = bound[1]
        context.update(
            title=case.invoice.number,
            timeline=case_timeline(case=case),
            stages_sent=case_stages_sent(case_ids=[case.pk]).get(case.pk, []),
            ladder=case_dunning_state(case=case),
            can_act=can_act,
            can_send=can_act and self.request.user.has_perm("notifications.send_manual"),
            action_forms=forms,
            open_action=bound[0] if bound is not None else "",
            promise_state=case.promise_state(business_today()),
            **case_claim_context(case, day=business_today()),
        )
        return context
