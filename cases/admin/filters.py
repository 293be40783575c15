"""The case list's filters (the admin's right-hand column)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.calendar import business_today

from ..models import Invoice, ReminderStage, case_paused_q
from ..selectors import DAYS_PAST_DUE_BUCKETS, case_filter_days_bucket, invoice_currencies, missing_email_q


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


class PausedFilter(admin.SimpleListFilter):
    title = _("wstrzymana")
    parameter_name = "paused"

    def lookups(self, request, model_admin):
        return [("yes", _("tak")), ("no", _("nie"))]

    def queryset(self, request, queryset):
        paused = case_paused_q(business_today())
        if self.value() == "yes":
            return queryset.filter(paused)
        if self.value() == "no":
            return queryset.exclude(paused)
        return queryset


class MissingEmailFilter(admin.SimpleListFilter):
    title = _("e-mail kontrahenta")
    parameter_name = "email"

    def lookups(self, request, model_admin):
        return [("missing", _("brak poprawnego e-maila")), ("ok", _("jest e-mail"))]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(missing_email_q())
        if self.value() == "ok":
            return queryset.filter(invoice__client__has_usable_email=True)
        return queryset


class CurrencyFilter(admin.SimpleListFilter):
    title = _("waluta")
    parameter_name = "currency"

    def lookups(self, request, model_admin):
        return [(code, code) for code in invoice_currencies()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(invoice__currency=self.value())
        return queryset


class KindFilter(admin.SimpleListFilter):
    title = _("rodzaj dokumentu")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return Invoice.Kind.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(invoice__kind=self.value())
        return queryset
