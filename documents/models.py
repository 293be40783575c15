"""Interest notes (*noty odsetkowe*): numbered per year without gaps, sent by e-mail exactly once.

Numbering: `InterestNoteCounter` holds the last number of each year; issuing a note locks that row
(`select_for_update`), takes the next number and creates the note in the same transaction, so two
issuers never get the same number and a rolled-back issue leaves no gap. A note is never deleted,
so a number is never reused.

Sending follows the reminders' rule: claim first (`pending` → `sending` by a conditional update,
committed), then SMTP, then record `sent` or `failed`. A crash in between leaves `sending`: shown
as uncertain, never sent again automatically.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case


class InterestNoteCounter(models.Model):
    year = models.PositiveSmallIntegerField(_("rok"), primary_key=True)
    last_number = models.PositiveIntegerField(_("ostatni numer"), default=0)

    class Meta:
        verbose_name = _("licznik not odsetkowych")
        verbose_name_plural = _("liczniki not odsetkowych")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class InterestNote(models.Model):
    class SendStatus(models.TextChoices):
        PENDING = "pending", _("niewysłana")
        SENDING = "sending", _("w trakcie wysyłki (niepewna)")
        SENT = "sent", _("wysłana")
        FAILED = "failed", _("odrzucona przez serwer poczty")

    case = models.OneToOneField(Case, verbose_name=_("sprawa"), on_delete=models.PROTECT, related_name="interest_note")
    year = models.PositiveSmallIntegerField(_("rok"))
    sequence = models.PositiveIntegerField(_("numer w roku"))
    number = models.CharField(_("numer noty"), max_length=32, unique=True)
    issue_date = models.DateField(_("data wystawienia"))
    currency = models.CharField(_("waluta"), max_length=3)
    principal = models.BigIntegerField(_("kwota faktury"))
    interest = models.BigIntegerField(_("odsetki"))
    interest_from = models.DateField(_("odsetki od"))
    interest_to = models.DateField(_("odsetki do (dzień zapłaty)"))
    language = models.CharField(_("język"), max_length=2, default="pl")
    # Everything the PDF shows, as issued (the PDF is rendered from it, so it never changes afterwards).
    data = models.JSONField(_("treść noty"), default=dict)
    issued_at = models.DateTimeField(_("wystawiona"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("wystawił"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    send_status = models.CharField(_("wysyłka"), max_length=8, choices=SendStatus, default=SendStatus.PENDING)
    send_attempts = models.PositiveSmallIntegerField(_("próby wysyłki"), default=0)
    sent_at = models.DateTimeField(_("wysłana"), null=True, blank=True)
    sent_to = models.JSONField(_("adresaci"), default=list, blank=True)
    send_error = models.CharField(_("błąd wysyłki"), max_length=500, blank=True)
    paid_at = models.DateField(_("odsetki zapłacone"), null=True, blank=True)

    class Meta:
        verbose_name = _("nota odsetkowa")
        verbose_name_plural = _("noty odsetkowe")
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="interestnote_number_once"),
            models.CheckConstraint(condition=Q(interest__gt=0), name="interestnote_interest_positive"),
        ]
        permissions = [("issue_interestnote", "Can issue and send interest notes")]

    def __str__(self) -> str:
        return self.number
