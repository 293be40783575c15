"""Case lists and the case page outside the admin (login required by the middleware, view permission here)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from . import exports
from .calendar import business_today
from .claim_selectors import case_claim_context
from .filters import CaseFilter
from .models import Case, Client
from .selectors import (
    CasePaginator,
    case_dunning_state,
    case_list_for_ui,
    case_stages_sent,
    case_sums,
    case_timeline,
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
    def sums(self):
        """The sum row: count and total left to pay per currency of the filtered list (one query)."""
        return case_sums(self.object_list)

    def get_table_pagination(self, table):
        # The sum row's counts are the list's count: the paginator needs no COUNT of its own.
        paginate = super().get_table_pagination(table)
        if paginate is not False:
            count = sum(row.count for row in self.sums)
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


class CaseDetailView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """One case, active or closed, with its timeline: opened, refreshes, payments, e-mails, pauses, closing."""

    permission_required = "cases.view_case"
    raise_exception = True
    template_name = "cases/case_detail.html"
    context_object_name = "case"

    def get_queryset(self):
        return case_list_for_ui(today=business_today()).select_related("closed_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        context.update(
            title=case.invoice.number,
            timeline=case_timeline(case=case),
            stages_sent=case_stages_sent(case_ids=[case.pk]).get(case.pk, []),
            ladder=case_dunning_state(case=case),
            can_act=self.request.user.has_perm("cases.change_case") and case.status == Case.Status.ACTIVE,
            **case_claim_context(case, day=business_today()),
        )
        return context
