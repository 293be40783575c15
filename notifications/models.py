"""The log of reminder e-mails: one row per (case, stage) attempt series, and one row per sending run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Client, ReminderStage


class ReminderRun(models.Model):
    """One run of `reminders_send_due` (not dry runs): what it did, for the status panel."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("harmonogram")
        COMMAND = "command", _("polecenie")

    day = models.DateField(_("dzień"), db_index=True)
    trigger = models.CharField(_("wyzwalacz"), max_length=10, choices=Trigger, default=Trigger.COMMAND)
    started_at = models.DateTimeField(_("start"))
    finished_at = models.DateTimeField(_("koniec"), null=True, blank=True)
    # The SyncRun whose data the run relied on (None when there was none); an id, not a
    # foreign key, so notifications does not depend on syncstatus' schema.
    sync_run_id = models.BigIntegerField(_("synchronizacja"), null=True, blank=True)
    # Why nothing was sent (the sync failed, is stale, missing, or not a business day).
    held_reason = models.CharField(_("powód wstrzymania"), max_length=500, blank=True)
    planned = models.PositiveIntegerField(_("zaplanowane"), default=0)
    sent = models.PositiveIntegerField(_("wysłane"), default=0)
    failed = models.PositiveIntegerField(_("błędy"), default=0)
    gave_up = models.PositiveIntegerField(_("porzucone po limicie prób"), default=0)
    uncertain = models.PositiveIntegerField(_("niepewne"), default=0)
    held = models.PositiveIntegerField(_("wstrzymane"), default=0)
    skipped = models.PositiveIntegerField(_("pominięte etapy"), default=0)
    no_email = models.PositiveIntegerField(_("bez adresu e-mail"), default=0)
    paused = models.PositiveIntegerField(_("sprawy wstrzymane"), default=0)
    cancelled = models.PositiveIntegerField(_("anulowane przed wysyłką"), default=0)
    deferred = models.PositiveIntegerField(_("odłożone na następny dzień roboczy"), default=0)
    messages = models.PositiveIntegerField(_("wysłane e-maile"), default=0)
    smtp_connections = models.PositiveIntegerField(_("połączenia SMTP"), default=0)
    error = models.TextField(_("błąd"), blank=True)

    class Meta:
        verbose_name = _("wysyłka przypomnień")
        verbose_name_plural = _("wysyłki przypomnień")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y} #{self.pk}"

    @property
    def was_held(self) -> bool:
        return bool(self.held_reason)


class OutgoingEmail(models.Model):
    """What a reminder e-mail and each letter in it record alike: the content, who sent it and when.

    Declared once here; they come first in each model's field order (the admin lists fields by name).
    """

    recipients = models.JSONField(_("odbiorcy"), default=list, blank=True)
    cc = models.JSONField(_("DW"), default=list, blank=True)
    subject = models.CharField(_("temat"), max_length=255, blank=True)
    body_text = models.TextField(_("treść"), blank=True)
    body_html = models.TextField(_("treść HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    language = models.CharField(_("język"), max_length=2, blank=True)
    error = models.TextField(_("błąd"), blank=True)
    created_at = models.DateTimeField(_("utworzono"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("zmieniono"), auto_now=True)
    sent_at = models.DateTimeField(_("wysłano"), null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("wysłał"), on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class ReminderMessage(OutgoingEmail):
    """One outgoing reminder e-mail: one client's letters of one day (a digest) or one letter.

    Its status moves with the status of every Notification linked to it: they are claimed,
    sent, refused or left uncertain together.
    """

    Status = None  # set below to Notification.Status (the same states)

    client = models.ForeignKey(
        Client, verbose_name=_("kontrahent"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, default="queued", db_index=True)
    mode = models.CharField(_("tryb"), max_length=6, default="auto")
    send_date = models.DateField(_("dzień wysyłki"), db_index=True)
    # `X-InvoiceTracker-Items`: "18433587:-1, 18433590:+14".
    items = models.TextField(_("pozycje"), blank=True)
    lead_offset = models.SmallIntegerField(_("etap (najwyższy)"), null=True, blank=True)
    run = models.ForeignKey(
        ReminderRun, verbose_name=_("wysyłka"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(OutgoingEmail.Meta):
        verbose_name = _("e-mail z przypomnieniem")
        verbose_name_plural = _("e-maile z przypomnieniami")
        indexes = [models.Index(fields=["client", "send_date"], name="remindermessage_client_day_idx")]

    def __str__(self) -> str:
        return f"{self.send_date:%d.%m.%Y} · {self.subject}"


class ReminderReview(models.Model):
    """The first-run review (policy section 4): staff approved the first letters the app ever sends."""

    day = models.DateField(_("dzień"))
    approved_at = models.DateTimeField(_("zatwierdzono"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("zatwierdził"), on_delete=models.SET_NULL, null=True, blank=True
    )
    excluded_case_ids = models.JSONField(_("wyłączone sprawy"), default=list, blank=True)

    class Meta:
        verbose_name = _("zatwierdzenie pierwszej wysyłki")
        verbose_name_plural = _("zatwierdzenia pierwszej wysyłki")
        ordering = ["-approved_at"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"


class Notification(OutgoingEmail):
    class Status(models.TextChoices):
        QUEUED = "queued", _("w kolejce")  # claimed; the SMTP answer is pending
        SENT = "sent", _("wysłane")
        FAILED = "failed", _("błąd")  # SMTP refused; retried on a later run up to a limit
        SKIPPED = "skipped", _("pominięte")  # stage passed over, or no usable e-mail
        HELD = "held", _("wstrzymane")  # the day's sync failed or is stale
        UNCERTAIN = "uncertain", _("niepewne")  # crashed between claim and answer: staff decide

    class Mode(models.TextChoices):
        AUTOMATIC = "auto", _("automatycznie")
        MANUAL = "manual", _("ręcznie")

    class Reason(models.TextChoices):
        PASSED_OVER = "passed_over", _("etap pominięty: nadszedł wyższy")
        BEFORE_DUE_LATE = "before_due_late", _("nie dotyczy po planowanym dniu (etap przed terminem)")
        NO_EMAIL = "no_email", _("brak poprawnego adresu e-mail")
        SYNC_MISSING = "sync_missing", _("brak synchronizacji z tego dnia")
        SYNC_FAILED = "sync_failed", _("synchronizacja nie powiodła się")
        SYNC_RUNNING = "sync_running", _("synchronizacja w toku")
        SYNC_STALE = "sync_stale", _("synchronizacja nieaktualna")
        NOT_REFRESHED = "not_refreshed", _("sprawa nie odświeżona przez synchronizację")
        SMTP_ERROR = "smtp_error", _("błąd SMTP")
        MAX_ATTEMPTS = "max_attempts", _("wyczerpany limit prób")
        INTERRUPTED = "interrupted", _("przerwane przed odpowiedzią SMTP")
        STAFF_CHOICE = "staff_choice", _("pominięty z wyboru pracownika")
        FIRST_RUN_REVIEW = "first_review", _("pierwsza wysyłka czeka na zatwierdzenie")
        REVIEW_EXCLUDED = "review_excluded", _("wyłączony przy zatwierdzaniu pierwszej wysyłki")
        STAFF_HOLD = "staff_hold", _("wstrzymany przez pracownika")
        RENDER_FAILED = "render_failed", _("nie da się złożyć treści")

    # Statuses that mean "this stage went, or may have gone, to the customer".
    LIVE_STATUSES = (Status.QUEUED, Status.SENT, Status.UNCERTAIN)

    case = models.ForeignKey(Case, verbose_name=_("sprawa"), on_delete=models.PROTECT, related_name="notifications")
    stage = models.ForeignKey(ReminderStage, verbose_name=_("etap"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    mode = models.CharField(_("tryb"), max_length=6, choices=Mode, default=Mode.AUTOMATIC)
    send_date = models.DateField(_("dzień wysyłki"))
    attempts = models.PositiveSmallIntegerField(_("próby"), default=0)
    reason = models.CharField(_("powód"), max_length=16, choices=Reason, blank=True)
    # The stage's offset and language when the row was written (stages stay editable).
    stage_offset = models.SmallIntegerField(_("przesunięcie etapu"), null=True, blank=True)
    run = models.ForeignKey(
        ReminderRun,
        verbose_name=_("wysyłka"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # The e-mail this (case, stage) letter went out in (a digest holds several).
    email = models.ForeignKey(
        "ReminderMessage",
        verbose_name=_("e-mail"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )

    class Meta(OutgoingEmail.Meta):
        verbose_name = _("powiadomienie")
        verbose_name_plural = _("powiadomienia")
        constraints = [
            # Exactly once: a stage can be in flight, sent or uncertain only once per case.
            models.UniqueConstraint(
                fields=["case", "stage"],
                condition=Q(status__in=["queued", "sent", "uncertain"]),
                name="one_live_notification_per_case_stage",
            ),
            # A held stage is recorded once a day, however often the run is repeated.
            models.UniqueConstraint(
                fields=["case", "stage", "send_date"],
                condition=Q(status="held"),
                name="one_held_notification_per_case_stage_day",
            ),
        ]
        permissions = [("send_manual", _("Może wysłać przypomnienie ręcznie"))]
        indexes = [models.Index(fields=["status", "send_date"], name="notification_status_date_idx")]

    def __str__(self) -> str:
        return f"{self.case} · {self.stage} · {self.get_status_display()}"


ReminderMessage.Status = Notification.Status
