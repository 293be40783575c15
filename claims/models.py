"""Rate tables a Polish creditor's claim depends on (rates live in data, never in code).

Percentages are integer basis points (1575 = 15.75 %). Every row says where its value comes
from (the Monitor Polski announcement, the NBP resolution or table). A period with no row is
"not covered": claims for it read "stawka do uzupełnienia", never zero.

This app is a low layer: it imports nothing from `cases`, `notifications` or `syncstatus`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DatedRate(models.Model):
    """A rate in force from `valid_from` to `valid_to` (inclusive; empty = until further notice).

    The two fields every rate table starts with, its ordering and its label; each table declares its
    rate and source after them (so forms keep that field order).
    """

    valid_from = models.DateField(_("obowiązuje od"), unique=True)
    valid_to = models.DateField(_("obowiązuje do"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["valid_from"]

    def __str__(self) -> str:
        return f"{self.valid_from:%d.%m.%Y}: {format_bp(self.rate_bp)}"


def period_order(name: str, *, open_ended: bool = True) -> models.CheckConstraint:
    """A rate's period ends on or after its start (or, `open_ended`, has no end yet)."""
    condition = Q(valid_to__gte=F("valid_from"))
    if open_ended:
        condition = Q(valid_to__isnull=True) | condition
    return models.CheckConstraint(condition=condition, name=name)


class ReferenceRate(DatedRate):
    """The NBP reference rate, in force from `valid_from` to `valid_to` (inclusive; empty = until further notice)."""

    rate_bp = models.PositiveIntegerField(_("stopa (punkty bazowe)"), help_text=_("575 = 5,75 %"))
    source = models.CharField(_("źródło"), max_length=255)

    class Meta(DatedRate.Meta):
        verbose_name = _("stopa referencyjna NBP")
        verbose_name_plural = _("stopy referencyjne NBP")
        constraints = [period_order("refrate_period_order")]


class CommercialRate(models.Model):
    """Interest for delay in commercial transactions for one half-year, as announced in Monitor Polski.

    `rate_bp`: debtors other than public medical entities (reference rate + 10 pp since 2020, + 8 pp
    before); `medical_rate_bp`: a public entity that is a medical entity (reference + 8 pp).
    """

    valid_from = models.DateField(_("od (1 stycznia lub 1 lipca)"), unique=True)
    valid_to = models.DateField(_("do"))
    rate_bp = models.PositiveIntegerField(_("stawka (punkty bazowe)"))
    medical_rate_bp = models.PositiveIntegerField(_("stawka dla podmiotów leczniczych (punkty bazowe)"))
    source = models.CharField(_("źródło"), max_length=255)

    class Meta:
        verbose_name = _("odsetki w transakcjach handlowych")
        verbose_name_plural = _("odsetki w transakcjach handlowych")
        ordering = ["valid_from"]
        constraints = [period_order("commrate_period_order", open_ended=False)]

    def __str__(self) -> str:
        return f"{self.valid_from:%d.%m.%Y}–{self.valid_to:%d.%m.%Y}: {format_bp(self.rate_bp)}"


class StatutoryRate(DatedRate):
    """Statutory interest for delay (art. 481 § 2 of the Civil Code): reference rate + 5.5 pp, for consumers."""

    rate_bp = models.PositiveIntegerField(_("stawka (punkty bazowe)"))
    source = models.CharField(_("źródło"), max_length=255)

    class Meta(DatedRate.Meta):
        verbose_name = _("odsetki ustawowe za opóźnienie")
        verbose_name_plural = _("odsetki ustawowe za opóźnienie")
        constraints = [period_order("statrate_period_order")]


class ExchangeRate(models.Model):
    """An NBP table A average rate: the last one published in `month` (1 PLN-denominated unit of `currency`).

    The compensation of an invoice due in month M uses the rate of the last business day of M−1,
    i.e. the row with `month` = first day of M−1.
    """

    class Origin(models.TextChoices):
        NBP_API = "nbp", _("API NBP")
        MANUAL = "manual", _("wpisany ręcznie")

    currency = models.CharField(_("waluta"), max_length=3, default="EUR")
    month = models.DateField(_("miesiąc (pierwszy dzień)"))
    effective_date = models.DateField(_("data tabeli"))
    rate = models.DecimalField(_("kurs średni (zł)"), max_digits=12, decimal_places=4)
    table_no = models.CharField(_("numer tabeli"), max_length=32, blank=True)
    origin = models.CharField(_("pochodzenie"), max_length=8, choices=Origin, default=Origin.NBP_API)
    source = models.CharField(_("źródło"), max_length=255, blank=True)
    fetched_at = models.DateTimeField(_("zapisano"), auto_now_add=True)

    class Meta:
        verbose_name = _("kurs średni NBP")
        verbose_name_plural = _("kursy średnie NBP")
        ordering = ["currency", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "month"], name="exchangerate_one_per_month"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchangerate_positive"),
            models.CheckConstraint(condition=Q(month__day=1), name="exchangerate_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.effective_date:%d.%m.%Y}: {self.rate}"


def format_bp(bp: int | None) -> str:
    """1575 -> "15,75 %"."""
    if bp is None:
        return ""
    return f"{bp // 100},{bp % 100:02d} %"
