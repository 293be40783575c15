"""The dunning domain: InFakt clients and invoices mirrored locally, and cases.

Money is integer grosze (minor units of the invoice currency) everywhere; it is
formatted only at the edge (`common.formatting`).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .ladder import Letter
from .parties import buyer_is_consumer

# The pause reason of an open-ended pause: a correction changed the invoice, and no letter goes out
# until a person confirms the amount still owed (`cases.services.case_confirm_amount`).
REVIEW_PAUSE_REASON = "correction"


def case_paused_q(day: date) -> Q:
    """Cases paused on `day` (no letters go out): the one definition of "paused" for querysets.

    A pause runs until its date, or, for a correction under review, with no end date until
    staff confirm the amount. Keep it in step with `Case.is_paused_on`.
    """
    return Q(paused_until__gte=day) | Q(paused_until__isnull=True, pause_reason=REVIEW_PAUSE_REASON)


class Client(models.Model):
    """A buyer as InFakt knows it. The e-mail lives here, not on the invoice."""

    class Language(models.TextChoices):
        POLISH = "pl", _("polski")
        ENGLISH = "en", _("angielski")

    infakt_id = models.BigIntegerField(_("ID w InFakt"), unique=True)
    company_name = models.TextField(_("nazwa firmy"), blank=True)
    first_name = models.TextField(_("imię"), blank=True)
    last_name = models.TextField(_("nazwisko"), blank=True)
    business_activity_kind = models.TextField(_("rodzaj działalności"), blank=True)
    nip = models.TextField(_("NIP (jak w InFakt)"), blank=True)
    nip_normalized = models.TextField(_("NIP"), blank=True, db_index=True)
    email_raw = models.TextField(_("e-mail (jak w InFakt)"), blank=True)
    emails = models.JSONField(_("adresy e-mail"), default=list, blank=True)
    invalid_emails = models.JSONField(_("błędne adresy e-mail"), default=list, blank=True)
    has_usable_email = models.BooleanField(_("ma poprawny e-mail"), default=False, db_index=True)
    phone = models.TextField(_("telefon"), blank=True)
    street = models.TextField(_("ulica"), blank=True)
    street_number = models.TextField(_("numer budynku"), blank=True)
    flat_number = models.TextField(_("numer lokalu"), blank=True)
    postal_code = models.TextField(_("kod pocztowy"), blank=True)
    city = models.TextField(_("miejscowość"), blank=True)
    country = models.CharField(_("kraj"), max_length=2, blank=True)
    language = models.CharField(_("język korespondencji"), max_length=2, choices=Language, default=Language.POLISH)
    # Claims (issue 12): a public entity that is a medical entity owes commercial interest at reference + 8 pp.
    is_public_medical_entity = models.BooleanField(_("podmiot publiczny będący podmiotem leczniczym"), default=False)
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
    """The latest known state of an InFakt document (`raw` keeps what InFakt sent).

    Text InFakt controls is stored whole (TextField): the API promises no lengths. Amounts are
    non-negative except on a correction, whose gross is the signed change to its original.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("szkic")
        SENT = "sent", _("wysłana")
        PRINTED = "printed", _("wydrukowana")
        PAID = "paid", _("opłacona")

    class Kind(models.TextChoices):
        VAT = "vat", _("VAT")
        FINAL = "final", _("końcowa")
        ADVANCE = "advance", _("zaliczkowa")
        MARGIN = "margin", _("marża")
        OSS = "oss", _("OSS")
        CORRECTION = "correction", _("korekta")
        PROFORMA = "proforma", _("proforma")

    infakt_id = models.BigIntegerField(_("ID w InFakt"), unique=True)
    uuid = models.TextField(_("UUID w InFakt"), unique=True)
    number = models.TextField(_("numer"), db_index=True)
    kind = models.TextField(_("rodzaj"), choices=Kind, default=Kind.VAT, db_index=True)
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
    payment_method = models.TextField(_("forma płatności"), blank=True)
    bank_account = models.TextField(_("rachunek bankowy"), blank=True)
    client = models.ForeignKey(
        Client, verbose_name=_("kontrahent"), on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    client_infakt_id = models.BigIntegerField(_("ID kontrahenta w InFakt"), null=True, blank=True, db_index=True)
    # The client's name (`Client.name`) copied here, so the lists sort by client through one index
    # (client_sort_name, id) instead of a sort across a join. Set on save from the client being saved
    # with the invoice; `cases.services.client_upsert_from_infakt` updates it when a sync renames a client.
    client_sort_name = models.TextField(_("kontrahent (do sortowania)"), blank=True, default="", editable=False)
    # Paid beyond the gross (grosze); such an invoice is paid, the surplus is noted for staff.
    overpaid = models.BigIntegerField(_("nadpłata (gr)"), default=0)
    # Corrections: the original as the payload names it, and the stored original once it is known.
    corrected_invoice_number = models.TextField(_("numer korygowanej faktury"), blank=True)
    corrected_invoice = models.ForeignKey(
        "self",
        verbose_name=_("faktura korygowana"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrections",
    )
    last_seen_at = models.DateTimeField(_("ostatnio odczytana"))
    raw = models.JSONField(_("dane z InFakt"), default=dict, blank=True)
    created_at = models.DateTimeField(_("utworzono"), auto_now_add=True)
    updated_at = models.DateTimeField(_("zmieniono"), auto_now=True)

    class Meta:
        verbose_name = _("faktura")
        verbose_name_plural = _("faktury")
        constraints = [
            # Only a correction carries signed amounts (its gross is the change to the original).
            models.CheckConstraint(condition=Q(gross__gte=0) | Q(kind="correction"), name="invoice_gross_not_negative"),
            models.CheckConstraint(condition=Q(paid__gte=0), name="invoice_paid_not_negative"),
            models.CheckConstraint(condition=Q(left_to_pay__gte=0), name="invoice_left_to_pay_not_negative"),
            models.CheckConstraint(
                condition=Q(left_to_pay__lte=models.F("gross")) | Q(kind="correction"),
                name="invoice_left_to_pay_within_gross",
            ),
            models.CheckConstraint(condition=Q(overpaid__gte=0), name="invoice_overpaid_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="invoice_currency_iso"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        # The sort key follows the client saved with the invoice (loaded or just assigned): no extra query.
        if self.client_id is None:
            self.client_sort_name = ""
        elif Invoice.client.is_cached(self) and self.client.pk == self.client_id:
            self.client_sort_name = self.client.name
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"client", "client_id"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "client_sort_name"}
        super().save(*args, **kwargs)

    @property
    def buyer_is_consumer(self) -> bool:
        """Is the buyer a consumer (private person)? The one rule of `cases.parties.buyer_is_consumer`."""
        raw = self.raw or {}
        client = self.client
        return buyer_is_consumer(
            invoice_kind=raw.get("client_business_activity_kind"),
            client_kind=client.business_activity_kind if client is not None else "",
            nips=(raw.get("client_tax_code"), *((client.nip_normalized, client.nip) if client is not None else ())),
        )

    @property
    def is_fully_paid(self) -> bool:
        return self.status == self.Status.PAID or self.left_to_pay <= 0

    @property
    def is_correction(self) -> bool:
        return self.kind == self.Kind.CORRECTION


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
    attaches_demand = models.BooleanField(
        _("dołącza wezwanie do zapłaty (PDF)"),
        default=False,
        help_text=_(
            "List tego etapu jest przedsądowym wezwaniem do zapłaty: e-mail dołącza PDF z odsetkami i rekompensatą."
        ),
    )

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
        CORRECTED = "corrected", _("skorygowana do zera")

    class Handover(models.TextChoices):
        TO_HAND_OVER = "to_hand_over", _("do przekazania")
        HANDED_OVER = "handed_over", _("przekazana")

    class PauseReason(models.TextChoices):
        PROMISE_TO_PAY = "promise", _("obietnica zapłaty")
        DISPUTE = "dispute", _("spór")
        OTHER = "other", _("inny")
        # Open-ended (no date) until staff confirm the amount still owed.
        CORRECTION = REVIEW_PAUSE_REASON, _("korekta — sprawdź kwotę")

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
    # Claims (issue 12): staff may waive what the law allows to claim, with a reason (logged on the timeline).
    waive_interest = models.BooleanField(_("bez odsetek"), default=False)
    waive_compensation = models.BooleanField(_("bez rekompensaty"), default=False)
    waiver_reason = models.CharField(_("powód rezygnacji"), max_length=255, blank=True)
    # The total claim as of `claim_as_of` (minor units of the invoice currency), for sorting lists;
    # refreshed daily by `case_claims_refresh`. Pages show the claim computed for the day.
    claim_total = models.BigIntegerField(_("roszczenie razem"), null=True, blank=True)
    claim_as_of = models.DateField(_("roszczenie na dzień"), null=True, blank=True)
    # Its parts as of `claim_as_of`, for the aging report (None: a rate is missing, "do uzupełnienia").
    # Refreshed with the total after every daily sync and by every service that changes them.
    claim_interest = models.BigIntegerField(_("odsetki (zapisane)"), null=True, blank=True)
    claim_compensation = models.BigIntegerField(_("rekompensata (zapisana)"), null=True, blank=True)
    # The previous overdue letter that went out (automatic or manual): its day (L) and rung offset
    # time the next rung (cases.ladder.overdue_due_day). Written by cases.services only.
    last_letter_on = models.DateField(_("ostatni list po terminie: dzień"), null=True, blank=True)
    last_letter_offset = models.SmallIntegerField(_("ostatni list po terminie: etap"), null=True, blank=True)
    letters_sent = models.PositiveSmallIntegerField(_("wysłane listy"), default=0)
    # End of the ladder: after the last rung the case is to be handed over, then handed over by staff.
    handover = models.CharField(_("przekazanie"), max_length=16, choices=Handover, blank=True, db_index=True)
    handed_over_on = models.DateField(_("przekazano dnia"), null=True, blank=True)
    handed_over_to = models.CharField(_("przekazano komu"), max_length=255, blank=True)
    handover_note = models.CharField(_("notatka do przekazania"), max_length=500, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("przekazał"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A promise to pay (issue 13): the debtor promised `promise_amount` (grosze) by `promise_date`; the
    # case is paused until then (reason "promise"). `promise_paid_before` is what InFakt showed paid when
    # it was made: the promise is kept once paid - promise_paid_before >= promise_amount, broken when
    # the date passed without that. Written by cases.services only.
    promise_date = models.DateField(_("obietnica zapłaty do"), null=True, blank=True, db_index=True)
    promise_amount = models.BigIntegerField(_("obiecana kwota (gr)"), null=True, blank=True)
    promise_paid_before = models.BigIntegerField(_("zapłacono przed obietnicą (gr)"), null=True, blank=True)

    class Meta:
        verbose_name = _("sprawa")
        verbose_name_plural = _("sprawy")
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["status", "next_reminder_date"], name="case_status_next_reminder_idx"),
            models.Index(fields=["status", "-opened_at"], name="case_status_opened_idx"),
            models.Index(fields=["status", "-closed_at"], name="case_status_closed_idx"),
            # The worklist's corrections awaiting review: a few rows among every case (issue 13).
            models.Index(
                fields=["invoice"], condition=Q(pause_reason=REVIEW_PAUSE_REASON), name="case_review_pause_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="active", closed_at__isnull=True, close_reason="")
                    | (Q(status="closed", closed_at__isnull=False) & ~Q(close_reason=""))
                ),
                name="case_closed_iff_closed_at_and_reason",
            ),
            # A pause has a date and a reason, except the open-ended correction review (no date).
            models.CheckConstraint(
                condition=Q(paused_until__isnull=True, pause_reason="")
                | Q(paused_until__isnull=False) & ~Q(pause_reason="")
                | Q(paused_until__isnull=True, pause_reason=REVIEW_PAUSE_REASON),
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
        if self.paused_until is None:
            return self.pause_reason == REVIEW_PAUSE_REASON
        return day <= self.paused_until

    @property
    def paused_until_display(self) -> str:
        """The end of the pause as staff read it: a date, or "do potwierdzenia" for a correction review."""
        from common.formatting import format_date

        if self.paused_until is not None:
            return format_date(self.paused_until)
        return str(_("do potwierdzenia")) if self.awaits_amount_review else ""

    @property
    def awaits_amount_review(self) -> bool:
        """Paused with no end date: a correction changed the invoice and staff must confirm the amount."""
        return self.paused_until is None and self.pause_reason == REVIEW_PAUSE_REASON

    def promise_state(self, day: date) -> str:
        """ "" (no promise), "pending", "due_today", "kept" or "broken" (the date passed, not all received)."""
        if self.promise_date is None or self.promise_amount is None:
            return ""
        received = self.invoice.paid - (self.promise_paid_before or 0)
        if received >= self.promise_amount or self.invoice.is_fully_paid:
            return "kept"
        if day < self.promise_date:
            return "pending"
        return "due_today" if day == self.promise_date else "broken"

    @property
    def promise_received(self) -> int:
        """Paid since the promise was made (grosze)."""
        return max(0, self.invoice.paid - (self.promise_paid_before or 0))

    @property
    def previous_letter(self):
        """The previous overdue letter (cases.ladder.Letter) or None."""
        if self.last_letter_on is None or self.last_letter_offset is None:
            return None
        return Letter(self.last_letter_on, self.last_letter_offset)


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
        CLAIM = "claim", _("roszczenie")
        CORRECTION = "correction", _("korekta")
        CONFIRMED = "confirmed", _("potwierdzenie kwoty")
        HANDED_OVER = "handed_over", _("przekazanie")
        CALL = "call", _("rozmowa telefoniczna")
        PROMISE = "promise", _("obietnica zapłaty")

    class CallOutcome(models.TextChoices):
        REACHED = "reached", _("rozmowa odbyta")
        PROMISED = "promised", _("obiecał zapłacić")
        DISPUTED = "disputed", _("kwestionuje należność")
        NO_ANSWER = "no_answer", _("nie odebrał")
        WRONG_NUMBER = "wrong_number", _("zły numer")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("sprawa"))
    at = models.DateTimeField(_("kiedy"), db_index=True)
    kind = models.CharField(_("rodzaj"), max_length=16, choices=Kind)
    message = models.CharField(_("opis"), max_length=500)
    # The text as a code and raw parameters (cases.timeline), rendered in the reader's language;
    # rows written before codes existed (empty code) show `message` as it is.
    code = models.CharField(_("kod opisu"), max_length=40, blank=True)
    params = models.JSONField(_("parametry opisu"), default=dict, blank=True)
    data = models.JSONField(_("dane"), default=dict, blank=True)
    sync_run_id = models.BigIntegerField(_("synchronizacja"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("użytkownik")
    )

    class Meta:
        verbose_name = _("zdarzenie")
        verbose_name_plural = _("zdarzenia")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="caseevent_case_at_idx"),
            # The worklist's "since yesterday" (payments, openings): one kind over a time range, not every
            # refresh of the day (issue 13).
            models.Index(fields=["kind", "at"], name="caseevent_kind_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"

    @property
    def text(self) -> str:
        """What happened, in the active language (a coded row), or the stored message (an older row)."""
        if self.code:
            from .timeline import render_event_text

            rendered = render_event_text(self.code, self.params)
            if rendered is not None:
                return rendered
        return self.message


class CaseTotalDelta(models.Model):
    """A change of the case lists' totals: cases and money left to pay per (status, currency), for the whole
    list (`whole`) and per client (the rows with `whole` false, `client_id` the invoice's client or None).

    Written by PostgreSQL alone (triggers of migration 0019 on `cases_case` and `cases_invoice`: a case
    opened, closed, reopened or deleted, an invoice's amount left to pay, currency or client changed), so
    no write path (a save, a queryset update, a bulk update, raw SQL) can miss it, and folded into one row
    per (whole, client, status, currency) by `cases.services.case_totals_compact` (after every sync run).
    The sums of the rows are the sum rows of a whole list and of a list narrowed to one client
    (`cases.selectors.case_totals`), read without adding up their cases. Rows are only ever inserted,
    never updated, so concurrent writers never wait on them.
    """

    whole = models.BooleanField(_("cała lista"))
    client_id = models.BigIntegerField(_("kontrahent"), null=True)
    status = models.CharField(_("status"), max_length=10)
    currency = models.CharField(_("waluta"), max_length=3)
    count = models.BigIntegerField(_("liczba spraw"))
    left_to_pay = models.BigIntegerField(_("pozostało do zapłaty (gr)"))

    class Meta:
        verbose_name = _("zmiana sum spraw")
        verbose_name_plural = _("zmiany sum spraw")
        default_permissions = ()
        indexes = [
            models.Index(fields=["whole", "status"], name="casetotal_whole_status_idx"),
            models.Index(fields=["client_id", "status"], name="casetotal_client_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.currency}: {self.count:+d}, {self.left_to_pay:+d} gr"
