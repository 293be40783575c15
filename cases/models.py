"""The dunning domain: InFakt clients and invoices mirrored locally, and cases.

Money is integer grosze (minor units of the invoice currency) everywhere; it is
formatted only at the edge (`cases.formatting`).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def case_paused_q(day: date) -> Q:
    """Cases paused on `day` (no letters go out): the one definition of "paused" for querysets.

    Keep it in step with `Case.is_paused_on`.
    """
    return Q(paused_until__gte=day)


class Client(models.Model):
    """A buyer as InFakt knows it. The e-mail lives here, not on the invoice."""

    class Language(models.TextChoices):
        POLISH = "pl", _("polski")
        ENGLISH = "en", _("angielski")

    infakt_id = models.BigIntegerField(_("ID w InFakt"), unique=True)
    company_name = models.CharField(_("nazwa firmy"), max_length=255, blank=True)
    first_name = models.CharField(_("imię"), max_length=128, blank=True)
    last_name = models.CharField(_("nazwisko"), max_length=128, blank=True)
    business_activity_kind = models.CharField(_("rodzaj działalności"), max_length=32, blank=True)
    nip = models.CharField(_("NIP (jak w InFakt)"), max_length=32, blank=True)
    nip_normalized = models.CharField(_("NIP"), max_length=32, blank=True, db_index=True)
    email_raw = models.TextField(_("e-mail (jak w InFakt)"), blank=True)
    emails = models.JSONField(_("adresy e-mail"), default=list, blank=True)
    invalid_emails = models.JSONField(_("błędne adresy e-mail"), default=list, blank=True)
    has_usable_email = models.BooleanField(_("ma poprawny e-mail"), default=False, db_index=True)
    phone = models.CharField(_("telefon"), max_length=64, blank=True)
    street = models.CharField(_("ulica"), max_length=255, blank=True)
    street_number = models.CharField(_("numer budynku"), max_length=32, blank=True)
    flat_number = models.CharField(_("numer lokalu"), max_length=32, blank=True)
    postal_code = models.CharField(_("kod pocztowy"), max_length=16, blank=True)
    city = models.CharField(_("miejscowość"), max_length=128, blank=True)
    country = models.CharField(_("kraj"), max_length=2, blank=True)
    language = models.CharField(_("język korespondencji"), max_length=2, choices=Language, default=Language.POLISH)
    fetched_at = models.DateTimeField(_("pobrano z InFakt"), null=True, blank=True)
    raw = models.JSONField(_("dane z InFakt"), default=dict, blank=True)
    created_at = models.DateTimeField(_("utworzono"), auto_now_add=True)
    updated_at = models.DateTimeField(_("zmieniono"), auto_now=True)

    class Meta:
        verbose_name = _("kontrahent")
        verbose_name_plural = _("kontrahenci")
        ordering = ["company_name", "last_name", "first_name"]
        indexes = [models.Index(fields=["company_name"], name="client_company_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(has_usable_email=False) | ~Q(emails=[]),
                name="client_usable_email_has_address",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.infakt_id}"

    @property
    def name(self) -> str:
        if self.company_name:
            return self.company_name
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def street_line(self) -> str:
        line = " ".join(part for part in (self.street, self.street_number) if part)
        return f"{line}/{self.flat_number}" if self.flat_number else line

    @property
    def city_line(self) -> str:
        return " ".join(part for part in (self.postal_code, self.city) if part)

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.street_line, self.city_line) if part)


class Invoice(models.Model):
    """The latest known state of an InFakt invoice (`raw` keeps what InFakt sent)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("szkic")
        SENT = "sent", _("wysłana")
        PRINTED = "printed", _("wydrukowana")
        PAID = "paid", _("opłacona")

    infakt_id = models.BigIntegerField(_("ID w InFakt"), unique=True)
    uuid = models.CharField(_("UUID w InFakt"), max_length=64, unique=True)
    number = models.CharField(_("numer"), max_length=64, db_index=True)
    kind = models.CharField(_("rodzaj"), max_length=20, default="vat")
    status = models.CharField(_("status w InFakt"), max_length=16, choices=Status)
    issue_date = models.DateField(_("data wystawienia"), null=True, blank=True)
    sale_date = models.DateField(_("data sprzedaży"), null=True, blank=True)
    due_date = models.DateField(_("termin płatności"), null=True, blank=True, db_index=True)
    paid_date = models.DateField(_("data zapłaty"), null=True, blank=True)
    net = models.BigIntegerField(_("netto (gr)"), default=0)
    tax = models.BigIntegerField(_("VAT (gr)"), default=0)
    gross = models.BigIntegerField(_("brutto (gr)"), default=0)
    paid = models.BigIntegerField(_("zapłacono (gr)"), default=0)
    left_to_pay = models.BigIntegerField(_("pozostało do zapłaty (gr)"), default=0)
    currency = models.CharField(_("waluta"), max_length=3, default="PLN")
    payment_method = models.CharField(_("forma płatności"), max_length=32, blank=True)
    bank_account = models.CharField(_("rachunek bankowy"), max_length=64, blank=True)
    client = models.ForeignKey(
        Client, verbose_name=_("kontrahent"), on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    client_infakt_id = models.BigIntegerField(_("ID kontrahenta w InFakt"), null=True, blank=True, db_index=True)
    last_seen_at = models.DateTimeField(_("ostatnio odczytana"))
    raw = models.JSONField(_("dane z InFakt"), default=dict, blank=True)
    created_at = models.DateTimeField(_("utworzono"), auto_now_add=True)
    updated_at = models.DateTimeField(_("zmieniono"), auto_now=True)

    class Meta:
        verbose_name = _("faktura")
        verbose_name_plural = _("faktury")
        constraints = [
            models.CheckConstraint(condition=Q(gross__gte=0), name="invoice_gross_not_negative"),
            models.CheckConstraint(condition=Q(paid__gte=0), name="invoice_paid_not_negative"),
            models.CheckConstraint(condition=Q(left_to_pay__gte=0), name="invoice_left_to_pay_not_negative"),
            models.CheckConstraint(
                condition=Q(left_to_pay__lte=models.F("gross")), name="invoice_left_to_pay_within_gross"
            ),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="invoice_currency_iso"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_fully_paid(self) -> bool:
        return self.status == self.Status.PAID or self.left_to_pay <= 0


class ReminderStage(models.Model):
    """A step of the dunning ladder: sent `offset_days` after the due date (negative = before)."""

    name = models.CharField(_("nazwa"), max_length=128)
    offset_days = models.SmallIntegerField(_("przesunięcie (dni od terminu)"), unique=True)
    is_active = models.BooleanField(_("aktywny"), default=True)
    subject_pl = models.CharField(_("temat (PL)"), max_length=255, blank=True)
    body_text_pl = models.TextField(_("treść tekstowa (PL)"), blank=True)
    body_html_pl = models.TextField(_("treść HTML (PL)"), blank=True)
    subject_en = models.CharField(_("temat (EN)"), max_length=255, blank=True)
    body_text_en = models.TextField(_("treść tekstowa (EN)"), blank=True)
    body_html_en = models.TextField(_("treść HTML (EN)"), blank=True)

    class Meta:
        verbose_name = _("etap przypomnień")
        verbose_name_plural = _("etapy przypomnień")
        ordering = ["offset_days"]

    def __str__(self) -> str:
        return f"{self.name} ({self.offset_days:+d})"


class Case(models.Model):
    """One dunning case per invoice: opened before the due date, closed when paid."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("aktywna")
        CLOSED = "closed", _("zamknięta")

    class CloseReason(models.TextChoices):
        PAID = "paid", _("opłacona")
        REMOVED = "removed", _("usunięta w InFakt")
        NOT_DUNNABLE = "not_dunnable", _("nie podlega windykacji")
        MANUAL = "manual", _("zamknięta ręcznie")

    class PauseReason(models.TextChoices):
        PROMISE_TO_PAY = "promise", _("obietnica zapłaty")
        DISPUTE = "dispute", _("spór")
        OTHER = "other", _("inny")

    invoice = models.OneToOneField(Invoice, verbose_name=_("faktura"), on_delete=models.PROTECT, related_name="case")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ACTIVE)
    opened_at = models.DateTimeField(_("otwarta"))
    closed_at = models.DateTimeField(_("zamknięta"), null=True, blank=True)
    close_reason = models.CharField(_("powód zamknięcia"), max_length=16, choices=CloseReason, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("zamknięta przez"), on_delete=models.SET_NULL, null=True, blank=True
    )
    paused_until = models.DateField(_("wstrzymana do"), null=True, blank=True)
    pause_reason = models.CharField(_("powód wstrzymania"), max_length=16, choices=PauseReason, blank=True)
    pause_note = models.CharField(_("notatka do wstrzymania"), max_length=255, blank=True)
    refresh_requested_at = models.DateTimeField(_("odświeżenie zlecone"), null=True, blank=True)
    last_refreshed_at = models.DateTimeField(_("ostatnio odświeżona"), null=True, blank=True)
    # First time InFakt answered 404 for the invoice; a second 404 on a later day closes the case.
    missing_since = models.DateTimeField(_("brak w InFakt od"), null=True, blank=True)
    # The highest stage offset already handled (sent or passed over). Stages only
    # ever move forward, so this plus the stage ladder gives the next stage.
    last_stage_offset = models.SmallIntegerField(_("ostatni etap (przesunięcie)"), null=True, blank=True)
    # The date the next reminder stage falls due; maintained by `case_schedule_next`.
    next_reminder_date = models.DateField(_("następne przypomnienie"), null=True, blank=True)
    next_stage = models.ForeignKey(
        ReminderStage,
        verbose_name=_("następny etap"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("sprawa")
        verbose_name_plural = _("sprawy")
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["status", "next_reminder_date"], name="case_status_next_reminder_idx"),
            models.Index(fields=["status", "-opened_at"], name="case_status_opened_idx"),
            models.Index(fields=["status", "-closed_at"], name="case_status_closed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="active", closed_at__isnull=True, close_reason="")
                    | (Q(status="closed", closed_at__isnull=False) & ~Q(close_reason=""))
                ),
                name="case_closed_iff_closed_at_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(paused_until__isnull=True, pause_reason="")
                | Q(paused_until__isnull=False) & ~Q(pause_reason=""),
                name="case_pause_has_date_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice.number}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def is_paused_on(self, day: date) -> bool:
        """Keep in step with `case_paused_q`."""
        return self.paused_until is not None and day <= self.paused_until


class CaseEvent(models.Model):
    """The timeline of a case: what happened to it and when."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("otwarcie")
        REFRESHED = "refreshed", _("odświeżenie")
        PAYMENT = "payment", _("wpłata")
        CHANGED = "changed", _("zmiana w InFakt")
        CLOSED = "closed", _("zamknięcie")
        REOPENED = "reopened", _("ponowne otwarcie")
        PAUSED = "paused", _("wstrzymanie")
        RESUMED = "resumed", _("wznowienie")
        REMINDER = "reminder", _("przypomnienie")
        NOTE = "note", _("notatka")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("sprawa"))
    at = models.DateTimeField(_("kiedy"), db_index=True)
    kind = models.CharField(_("rodzaj"), max_length=16, choices=Kind)
    message = models.CharField(_("opis"), max_length=500)
    data = models.JSONField(_("dane"), default=dict, blank=True)
    sync_run_id = models.BigIntegerField(_("synchronizacja"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("użytkownik")
    )

    class Meta:
        verbose_name = _("zdarzenie")
        verbose_name_plural = _("zdarzenia")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"
