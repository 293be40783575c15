"""The case list's filters (the admin's right-hand column)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.calendar import business_today

from ..models import Invoice, ReminderStage, case_paused_q
from ..selectors import DAYS_PAST_DUE_BUCKETS, case_filter_days_bucket, invoice_currencies, missing_email_q


class ConditionFilter(admin.SimpleListFilter):
    """A filter of fixed choices, each a condition: `conditions()` maps a value to (label, Q)."""

    def conditions(self) -> dict[str, tuple[str, Q]]:
        raise NotImplementedError

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _condition) in self.conditions().items()]

    def queryset(self, request, queryset):
        chosen = self.conditions().get(self.value())
        return queryset if chosen is None else queryset.filter(chosen[1])


class InvoiceFieldFilter(admin.SimpleListFilter):
    """Cases whose invoice has the chosen value of its `field`."""

    field = ""

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"invoice__{self.field}": self.value()})
        return queryset


class DaysPastDueFilter(admin.SimpleListFilter):
    title = _("dni po terminie")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [(key, label) for key, label, _low, _high in DAYS_PAST_DUE_BUCKETS]

    def queryset(self, request, queryset):
        if self.value():
            return case_filter_days_bucket(queryset, today=business_today(), bucket=self.value())
        return queryset


class LastStageFilter(admin.SimpleListFilter):
    title = _("ostatni etap")
    parameter_name = "last_stage"

    def lookups(self, request, model_admin):
        stages = ReminderStage.objects.order_by("offset_days").values_list("offset_days", "name")
        return [("none", _("jeszcze żaden")), *((str(offset), name) for offset, name in stages)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(last_stage_offset__isnull=True)
        if value and value.lstrip("-").isdigit():
            return queryset.filter(last_stage_offset=int(value))
        return queryset


class PausedFilter(ConditionFilter):
    title = _("wstrzymana")
    parameter_name = "paused"

    def conditions(self):
        paused = case_paused_q(business_today())
        return {"yes": (_("tak"), paused), "no": (_("nie"), ~paused)}


class MissingEmailFilter(ConditionFilter):
    title = _("e-mail kontrahenta")
    parameter_name = "email"

    def conditions(self):
        return {
            "missing": (_("brak poprawnego e-maila"), missing_email_q(joined=True)),
            "ok": (_("jest e-mail"), Q(invoice__client__has_usable_email=True)),
        }


class CurrencyFilter(InvoiceFieldFilter):
    title = _("waluta")
    parameter_name = "currency"
    field = "currency"

    def lookups(self, request, model_admin):
        return [(code, code) for code in invoice_currencies()]


class KindFilter(InvoiceFieldFilter):
    title = _("rodzaj dokumentu")
    parameter_name = "kind"
    field = "kind"

    def lookups(self, request, model_admin):
        return Invoice.Kind.choices
