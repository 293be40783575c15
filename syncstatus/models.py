"""Sync runs: what every run of the InFakt sync did, kept for the status panel."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SyncRun(models.Model):
    class Kind(models.TextChoices):
        DAILY = "daily", _("dzienna")
        FULL = "full", _("pełna")
        REFRESH = "refresh", _("odświeżenie spraw")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("harmonogram")
        COMMAND = "command", _("polecenie")
        PANEL = "panel", _("panel")
        ADMIN = "admin", _("administracja")

    class Status(models.TextChoices):
        RUNNING = "running", _("w toku")
        SUCCESS = "success", _("sukces")
        PARTIAL = "partial", _("częściowy")
        FAILED = "failed", _("błąd")

    kind = models.CharField(_("rodzaj"), max_length=10, choices=Kind, default=Kind.DAILY)
    trigger = models.CharField(_("wyzwalacz"), max_length=10, choices=Trigger, default=Trigger.COMMAND)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uruchomił"), on_delete=models.SET_NULL, null=True, blank=True
    )
    dry_run = models.BooleanField(_("próbny"), default=False)
    target_date = models.DateField(_("dzień"))
    # Due dates this run looked at for new cases: (window_start, window_end].
    window_start = models.DateField(_("okno od"), null=True, blank=True)
    window_end = models.DateField(_("okno do"), null=True, blank=True)
    started_at = models.DateTimeField(_("start"), db_index=True)
    finished_at = models.DateTimeField(_("koniec"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("ostatni sygnał"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RUNNING)
    phase = models.CharField(_("etap"), max_length=64, blank=True)
    progress_done = models.PositiveIntegerField(_("postęp: zrobione"), default=0)
    progress_total = models.PositiveIntegerField(_("postęp: wszystkie"), default=0)

    invoices_read = models.PositiveIntegerField(_("odczytane faktury"), default=0)
    cases_opened = models.PositiveIntegerField(_("otwarte sprawy"), default=0)
    cases_refreshed = models.PositiveIntegerField(_("odświeżone sprawy"), default=0)
    cases_updated = models.PositiveIntegerField(_("zmienione sprawy"), default=0)
    cases_closed = models.PositiveIntegerField(_("zamknięte sprawy"), default=0)
    clients_fetched = models.PositiveIntegerField(_("pobrani kontrahenci"), default=0)
    records_skipped = models.PositiveIntegerField(_("pominięte rekordy"), default=0)
    api_requests = models.PositiveIntegerField(_("zapytania API"), default=0)
    api_requests_by_kind = models.JSONField(_("zapytania API wg rodzaju"), default=dict, blank=True)
    api_rate_limited = models.PositiveIntegerField(_("odpowiedzi 429"), default=0)
    api_retries = models.PositiveIntegerField(_("ponowienia"), default=0)
    error = models.TextField(_("błąd"), blank=True)
    # Endpoints that failed during the run ({"endpoint": ..., "error": ...}); the others went on.
    failed_endpoints = models.JSONField(_("niedostępne endpointy"), default=list, blank=True)
    # Corrections read in this run whose original is not known here ({"id", "number", "corrected", "gross"}).
    unlinked_corrections = models.JSONField(_("korekty bez znanej faktury"), default=list, blank=True)
    # How many clients InFakt holds (total_count of /clients.json), to choose
    # between paging the client list and fetching clients one by one.
    infakt_client_total = models.PositiveIntegerField(_("kontrahenci w InFakt"), null=True, blank=True)
    # After a successful daily sync: the NBP rates fetched for the active cases and the stored claims
    # refreshed ({"fetched": [..], "failed": [{"currency", "month", "error"}], "refreshed": n, "error": ""}).
    # An NBP outage is recorded here and never fails the sync.
    claims_refresh = models.JSONField(_("kursy NBP i roszczenia"), default=dict, blank=True)

    class Meta:
        verbose_name = _("synchronizacja")
        verbose_name_plural = _("synchronizacje")
        ordering = ["-started_at"]
        permissions = [("run_sync", _("Może uruchomić synchronizację"))]
        constraints = [
            # The cross-process lock: at most one run is "running" at any time.
            models.UniqueConstraint(fields=["status"], condition=Q(status="running"), name="one_running_sync"),
            models.CheckConstraint(
                condition=Q(status="running", finished_at__isnull=True)
                | ~Q(status="running") & Q(finished_at__isnull=False),
                name="sync_finished_iff_not_running",
            ),
        ]
        indexes = [models.Index(fields=["status", "-target_date"], name="syncrun_status_target_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target_date:%d.%m.%Y} ({self.get_status_display()})"

    @property
    def duration(self) -> timedelta | None:
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class SkippedRecord(models.Model):
    """An InFakt record a run could not use, with the reason; nothing is dropped silently."""

    run = models.ForeignKey(
        SyncRun, on_delete=models.CASCADE, related_name="skipped_records", verbose_name=_("synchronizacja")
    )
    kind = models.CharField(_("rodzaj"), max_length=16)
    # The InFakt list endpoint the record came from ("invoices", "corrective_invoices", "clients", ...).
    endpoint = models.CharField(_("endpoint"), max_length=32, blank=True)
    record_id = models.TextField(_("identyfikator"), blank=True)
    reason = models.TextField(_("powód"))
    raw = models.JSONField(_("dane"), null=True, blank=True)
    created_at = models.DateTimeField(_("utworzono"), auto_now_add=True)

    class Meta:
        verbose_name = _("pominięty rekord")
        verbose_name_plural = _("pominięte rekordy")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}: {self.reason}"


class EndpointState(models.Model):
    """What the sync knows about one InFakt receivable endpoint, to read a quiet one weekly, not daily.

    `last_read_on`: the target date of the last run that read it; `last_found_on`: the last run
    that found something there that matters (an unpaid document, or for corrections any new one).
    """

    endpoint = models.CharField(_("endpoint"), max_length=32, unique=True)
    last_read_on = models.DateField(_("ostatni odczyt"), null=True, blank=True)
    last_found_on = models.DateField(_("ostatnio coś zawierał"), null=True, blank=True)
    last_found = models.PositiveIntegerField(_("dokumentów przy ostatnim odczycie"), default=0)

    class Meta:
        verbose_name = _("stan endpointu InFakt")
        verbose_name_plural = _("stany endpointów InFakt")
        ordering = ["endpoint"]

    def __str__(self) -> str:
        return self.endpoint
