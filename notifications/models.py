"""The log of reminder e-mails: one row per (case, stage) attempt series."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, ReminderStage


class Notification(models.Model):
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

    # Statuses that mean "this stage went, or may have gone, to the customer".
    LIVE_STATUSES = (Status.QUEUED, Status.SENT, Status.UNCERTAIN)

    case = models.ForeignKey(Case, verbose_name=_("sprawa"), on_delete=models.PROTECT, related_name="notifications")
    stage = models.ForeignKey(ReminderStage, verbose_name=_("etap"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    mode = models.CharField(_("tryb"), max_length=6, choices=Mode, default=Mode.AUTOMATIC)
    send_date = models.DateField(_("dzień wysyłki"))
    recipients = models.JSONField(_("odbiorcy"), default=list, blank=True)
    cc = models.JSONField(_("DW"), default=list, blank=True)
    subject = models.CharField(_("temat"), max_length=255, blank=True)
    body_text = models.TextField(_("treść"), blank=True)
    body_html = models.TextField(_("treść HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    error = models.TextField(_("błąd"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("próby"), default=0)
    created_at = models.DateTimeField(_("utworzono"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("zmieniono"), auto_now=True)
    sent_at = models.DateTimeField(_("wysłano"), null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("wysłał"), on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("powiadomienie")
        verbose_name_plural = _("powiadomienia")
        ordering = ["-created_at"]
        constraints = [
            # Exactly once: a stage can be in flight, sent or uncertain only once per case.
            models.UniqueConstraint(
                fields=["case", "stage"],
                condition=Q(status__in=["queued", "sent", "uncertain"]),
                name="one_live_notification_per_case_stage",
            ),
        ]
        indexes = [models.Index(fields=["status", "send_date"], name="notification_status_date_idx")]

    def __str__(self) -> str:
        return f"{self.case} · {self.stage} · {self.get_status_display()}"
