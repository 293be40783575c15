"""The reports page as last computed, shared by every process (the web instances and the worker)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportSnapshot(models.Model):
    """What `panel.reports.reports_page` returns for one period and one language, as JSON
    (`panel.snapshots`), with the version of the data it was computed from.

    Written only by `panel.services`; served as it is while `version` matches the data, served
    marked stale (and refreshed by the worker) once it does not.
    """

    days = models.PositiveSmallIntegerField(_("okres (dni)"))
    language = models.CharField(_("język"), max_length=8)
    # sha256 of panel.selectors.data_version() and the business day the figures were computed for.
    version = models.CharField(_("wersja danych"), max_length=64)
    computed_at = models.DateTimeField(_("obliczono"))
    payload = models.JSONField(_("zawartość"))
    # A refresh waits for the worker since then (a lease: one pending refresh per snapshot).
    refresh_requested_at = models.DateTimeField(_("odświeżenie zlecone"), null=True, blank=True)

    class Meta:
        verbose_name = _("migawka raportów")
        verbose_name_plural = _("migawki raportów")
        constraints = [models.UniqueConstraint(fields=["days", "language"], name="panel_report_snapshot_key")]

    def __str__(self) -> str:
        return f"{self.days} {self.language} {self.computed_at:%Y-%m-%d %H:%M}"
