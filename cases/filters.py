"""django-filter filter sets for the case lists.

Every filter is translated into conditions on stored columns (the days-past-due
range becomes a due-date range), so PostgreSQL can use its indexes and the page
COUNT stays cheap on 100,000 cases.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from common.calendar import business_today

from .forms import DateInput
from .models import Case, Invoice, ReminderStage, case_paused_q
from .selectors import case_filter_days_past_due, case_search_dense_q, case_search_q, missing_email_q
from .services.clients import normalize_nip

YES_NO = [("true", _("tak")), ("false", _("nie"))]


class DateRangeWidget(django_filters.widgets.SuffixedMultiWidget):
    """Two browser date pickers sending `<name>_after` and `<name>_before`."""

    template_name = "django_filters/widgets/multiwidget.html"
    suffixes = ["after", "before"]

    def __init__(self, attrs=None):
        super().__init__((DateInput(), DateInput()), attrs)

    def decompress(self, value):
        return [value.start, value.stop] if value else [None, None]


def number_range(step: str = "1"):
    return django_filters.widgets.RangeWidget(attrs={"type": "number", "step": step, "class": "short"})


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Szukaj"),
        method="filter_text",
        widget=forms.TextInput(attrs={"placeholder": _("numer, kontrahent, NIP, e-mail"), "type": "search"}),
    )
    client = django_filters.CharFilter(label=_("Kontrahent"), method="filter_client")
    # One client, by its id: set by the client links of the lists and the client page (issue 13).
    client_id = django_filters.NumberFilter(field_name="invoice__client_id", widget=forms.HiddenInput)
    nip = django_filters.CharFilter(label=_("NIP"), method="filter_nip")
    due = django_filters.DateFromToRangeFilter(
        label=_("Termin płatności (od–do)"), field_name="invoice__due_date", widget=DateRangeWidget()
    )
    days = django_filters.RangeFilter(label=_("Dni po terminie (od–do)"), method="filter_days", widget=number_range())
    stage = django_filters.ModelChoiceFilter(
        label=_("Ostatni etap"),
        queryset=ReminderStage.objects.order_by("offset_days"),
        method="filter_stage",
        empty_label=_("dowolny"),
    )
    amount = django_filters.RangeFilter(
        label=_("Pozostało do zapłaty, zł (od–do)"), method="filter_amount", widget=number_range("0.01")
    )
    missing_email = django_filters.ChoiceFilter(
        label=_("Brak e-maila"), choices=YES_NO, method="filter_missing_email", empty_label=_("wszystkie")
    )
    paused = django_filters.ChoiceFilter(
        label=_("Wstrzymana"), choices=YES_NO, method="filter_paused", empty_label=_("wszystkie")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Rodzaj dokumentu"),
        choices=Invoice.Kind.choices,
        field_name="invoice__kind",
        empty_label=_("wszystkie"),
    )
    handover = django_filters.ChoiceFilter(
        label=_("Przekazanie"), choices=Case.Handover.choices, field_name="handover", empty_label=_("wszystkie")
    )

    # The text searches' shape: `case_search_q` (through the indexes) unless `qs_dense` asks for the other.
    _dense = False

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(self._search_q(value)) if value else queryset

    def filter_client(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(self._search_q(value, names_only=True)) if value else queryset

    def _search_q(self, value, *, names_only=False):
        search_q = case_search_dense_q if self._dense else case_search_q
        return search_q(value, names_only=names_only)

    @property
    def searched(self) -> bool:
        """A valid form with a text search (the search box or the client's name)."""
        given = self._given() or {}
        return any((given.get(key) or "").strip() for key in ("q", "client"))

    def _given(self) -> dict | None:
        """The filters given a value (sorting and paging are not filters); None for an invalid form."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        return {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "", [], ())}

    @property
    def filtered(self) -> bool:
        """Any filter or search given (or an invalid one): False for the whole list."""
        return self._given() != {}

    @property
    def only_client(self) -> int | None:
        """The client the list is narrowed to when that is its only filter (`?client_id=`), else None."""
        given = self._given() or {}
        return int(given["client_id"]) if set(given) == {"client_id"} else None

    def qs_dense(self):
        """The same cases as `qs`, the text searches in the dense shape (`case_search_dense_q`): for a word
        found in many cases, the page is read walking the list in display order. No query of its own."""
        self._dense = True
        try:
            return self.filter_queryset(self.queryset.all())
        finally:
            self._dense = False

    def filter_nip(self, queryset, name, value):
        nip = normalize_nip(value)
        return queryset.filter(invoice__client__nip_normalized__startswith=nip) if nip else queryset

    def filter_days(self, queryset, name, value):
        low = int(value.start) if value.start is not None else None
        high = int(value.stop) if value.stop is not None else None
        return case_filter_days_past_due(queryset, today=business_today(), low=low, high=high)

    def filter_stage(self, queryset, name, value):
        return queryset.filter(last_stage_offset=value.offset_days)

    def filter_amount(self, queryset, name, value):
        if value.start is not None:
            queryset = queryset.filter(invoice__left_to_pay__gte=int(Decimal(value.start) * 100))
        if value.stop is not None:
            queryset = queryset.filter(invoice__left_to_pay__lte=int(Decimal(value.stop) * 100))
        return queryset

    def filter_missing_email(self, queryset, name, value):
        if value == "true":
            return queryset.filter(missing_email_q())
        if value == "false":
            return queryset.filter(invoice__client__has_usable_email=True)
        return queryset

    def filter_paused(self, queryset, name, value):
        paused = case_paused_q(business_today())
        if value == "true":
            return queryset.filter(paused)
        if value == "false":
            return queryset.exclude(paused)
        return queryset
