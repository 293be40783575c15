"""Rate tables in the admin: staff add and edit rows, managers (view permission only) read them.

Each list warns when its table has no row for today: claims for such days read
"stawka do uzupełnienia" until someone enters the announced value with its source.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CommercialRate, ExchangeRate, ReferenceRate, StatutoryRate, format_bp
from .signals import rates_changed

WARSAW = ZoneInfo("Europe/Warsaw")


def _today():
    now: datetime = timezone.now()
    return now.astimezone(WARSAW).date()


class RatesChangedMixin:
    """Every save or delete here tells `rates_changed` (the stored claims are refreshed)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        rates_changed.send(sender=type(obj))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        rates_changed.send(sender=type(obj))

    def delete_queryset(self, request, queryset):
        model = queryset.model
        super().delete_queryset(request, queryset)
        rates_changed.send(sender=model)


class RateAdmin(RatesChangedMixin, admin.ModelAdmin):
    list_per_page = 100
    date_hierarchy = None

    @admin.display(description=_("stawka"), ordering="rate_bp")
    def rate(self, obj):
        return format_bp(obj.rate_bp)

    def changelist_view(self, request, extra_context=None):
        today = _today()
        model = self.model
        if not model.objects.filter(valid_from__lte=today).exclude(valid_to__lt=today).exists():
            messages.warning(
                request,
                _(
                    "Tabela „%(table)s” nie obejmuje dzisiejszej daty (%(day)s): dodaj obowiązującą stawkę ze źródłem. "
                    "Do tego czasu sprawy pokazują „stawka do uzupełnienia”."
                )
                % {"table": model._meta.verbose_name_plural, "day": f"{today:%d.%m.%Y}"},
            )
        return super().changelist_view(request, extra_context)


@admin.register(ReferenceRate)
class ReferenceRateAdmin(RateAdmin):
    list_display = ("valid_from", "valid_to", "rate", "source")


@admin.register(StatutoryRate)
class StatutoryRateAdmin(RateAdmin):
    list_display = ("valid_from", "valid_to", "rate", "source")


@admin.register(CommercialRate)
class CommercialRateAdmin(RateAdmin):
    list_display = ("valid_from", "valid_to", "rate", "medical_rate", "source")

    @admin.display(description=_("podmioty lecznicze"), ordering="medical_rate_bp")
    def medical_rate(self, obj):
        return format_bp(obj.medical_rate_bp)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(RatesChangedMixin, admin.ModelAdmin):
    list_display = ("currency", "month", "effective_date", "rate", "table_no", "origin", "source")
    list_filter = ("currency", "origin")
    list_per_page = 100
    fields = ("currency", "month", "effective_date", "rate", "table_no", "source")

    def save_model(self, request, obj, form, change):
        # A row saved here was typed in by staff (NBP unreachable): say so.
        obj.origin = ExchangeRate.Origin.MANUAL
        if not obj.source:
            obj.source = f"wpisany ręcznie przez {request.user.get_username()}"
        super().save_model(request, obj, form, change)
