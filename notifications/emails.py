"""Reminder e-mails: the template context, the stage's editable texts rendered with it, the message.

A stage's subject and bodies (per language, edited in the admin) are Django templates
rendered with `reminder_context`; the HTML body is rendered with autoescape on, so every
string that comes from InFakt (client name, address, invoice number, ...) is escaped.
The result is wrapped by the layout triplet `templates/emails/reminder-subject.txt`,
`-body.txt` and `-body.html` (seller footer), as in healthchecks' `hc/lib/emails.py`.

Money is formatted here, at the edge: `1 234,56 zł` (plain spaces, as in the staff UI,
`common.formatting`), other currencies by code: `1 234,56 EUR`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext, override

from cases import ladder
from cases.models import Case, Client, ReminderStage
from common.calendar import is_business_day, next_business_day
from common.formatting import format_date, format_money

from .render_limits import render_limited

HEADER_INVOICE = "X-InvoiceTracker-Invoice"
HEADER_STAGE = "X-InvoiceTracker-Stage"

LANGUAGES = ("pl", "en")

# What a stage's subject and bodies may use, shown on the stage's admin page.
STAGE_VARIABLES: dict[str, str] = {
    "client_name": "nazwa kontrahenta / client name",
    "client_address": "adres kontrahenta / client address",
    "client_nip": "NIP kontrahenta / client VAT ID",
    "invoice_number": "numer faktury / invoice number",
    "invoice_issue_date": "data wystawienia (31.12.2026) / issue date",
    "invoice_due_date": "termin płatności / due date",
    "invoice_gross": "kwota brutto (1 234,56 zł) / gross",
    "invoice_paid": "zapłacono / paid",
    "invoice_left_to_pay": "pozostało do zapłaty / left to pay",
    "invoice_currency": "waluta (PLN) / currency",
    "days_overdue": "dni po terminie, liczba / days overdue, a number",
    "days_overdue_text": "dni po terminie z odmianą (1 dzień, 5 dni) / e.g. 5 days",
    "days_to_due": "dni do terminu, liczba / days until due",
    "days_to_due_text": "dni do terminu z odmianą / e.g. 1 day",
    "seller_name": "nazwa sprzedawcy / seller name",
    "seller_address": "adres sprzedawcy / seller address",
    "seller_nip": "NIP sprzedawcy / seller VAT ID",
    "seller_bank_account": "rachunek do wpłaty (z faktury lub ustawień) / bank account",
    "contact_email": "e-mail kontaktowy / contact e-mail",
    "contact_phone": "telefon kontaktowy / contact phone",
    "stage_name": "nazwa etapu / stage name",
    "today": "data wysyłki / sending date",
    "next_stage_name": "nazwa następnego etapu / next stage name",
    "next_stage_date": "data następnego etapu wg harmonogramu / next stage date",
    "final_stage_date": "data ostatniego etapu (przekazania) / last stage date",
    "next_stages": "lista następnych etapów: {% for s in next_stages %}{{ s.name }} {{ s.date }}{% endfor %}",
    "consumer": "odbiorca jest konsumentem (prawda/fałsz): {% if consumer %}…{% else %}…{% endif %} / consumer",
    "previous_letters": (
        "listy wysłane wcześniej: {% for l in previous_letters %}{{ l.date }} {{ l.name }} {{ l.invoice_number }}"
        "{% endfor %} / letters sent before"
    ),
    "payment_deadline": "termin zapłaty z wezwania (dzień wysyłki + REMINDER_DEMAND_DAYS) / demand deadline",
    "invoice_count": "liczba faktur w wiadomości / number of invoices in the e-mail",
    "invoice_numbers": "numery faktur w wiadomości (FV 1, FV 2) / invoice numbers",
    "invoices": "faktury w wiadomości: {% for i in invoices %}{{ i.number }} {{ i.left_to_pay }}{% endfor %}",
    "total_left_to_pay": "razem do zapłaty (1 234,56 zł) / total left to pay",
    "overdue_count": "liczba faktur po terminie / number of overdue invoices",
    "overdue_invoice_numbers": "numery faktur po terminie / overdue invoice numbers",
    "overdue_left_to_pay": "razem do zapłaty po terminie / total overdue",
    "upcoming_invoice_numbers": "faktury jeszcze przed terminem / invoices not yet due",
    "seller_contact": "kontakt do wierzyciela (e-mail, telefon) / creditor contact",
}

HEADER_ITEMS = "X-InvoiceTracker-Items"


# --- Formatting -----------------------------------------------------------------


def days_text(n: int, language: str = "pl") -> str:
    """`1 dzień`, `2 dni`, `5 dni` (Polish), `1 day`, `5 days` (English): the catalogues' plural forms."""
    with override(language):
        return ngettext("%(n)s dzień", "%(n)s dni", abs(n)) % {"n": n}


# --- Context ----------------------------------------------------------------------


def reminder_language(case: Case) -> str:
    client = case.invoice.client
    language = client.language if client is not None else "pl"
    return language if language in LANGUAGES else "pl"


def _after(day: date) -> date:
    tomorrow = day + timedelta(days=1)
    return next_business_day(tomorrow) if settings.REMINDER_BUSINESS_DAYS else tomorrow


def following_stages(*, case: Case, stage: ReminderStage, day: date, stages: list[ReminderStage]) -> list[dict]:
    """The active stages after `stage` with the dates the ladder gives them if this letter goes on `day`.

    Each later rung is timed from the one before it (cases.ladder.overdue_due_day), and never
    falls on or before `day` (one rung per case per day).
    """
    due = case.invoice.due_date
    if due is None:
        return []
    result = []
    previous = ladder.Letter(day, stage.offset_days) if stage.offset_days >= 0 else case.previous_letter
    for later in stages:
        if later.offset_days <= stage.offset_days or not later.is_active:
            continue
        if later.offset_days < 0:
            when = ladder.before_due_planned_day(due=due, offset=later.offset_days)
        else:
            when = ladder.overdue_due_day(due=due, offset=later.offset_days, previous=previous)
        if when <= day:
            when = _after(day)
        if later.offset_days >= 0:
            previous = ladder.Letter(when, later.offset_days)
        result.append({"name": later.name, "offset": later.offset_days, "date": format_date(when), "day": when})
    return result


@dataclass(frozen=True)
class LetterItem:
    """One (case, rung) letter in an e-mail."""

    case: Case
    stage: ReminderStage


def lead_item(items: list[LetterItem]) -> LetterItem:
    """The letter whose wording the e-mail takes: the highest rung (then the oldest due date)."""
    return sorted(items, key=lambda i: (-i.stage.offset_days, i.case.invoice.due_date or date.max, i.case.pk))[0]


def ordered_items(items: list[LetterItem]) -> list[LetterItem]:
    """The table's order: highest rung first, then by due date."""
    return sorted(items, key=lambda i: (-i.stage.offset_days, i.case.invoice.due_date or date.max, i.case.pk))


def _invoice_row(item: LetterItem, day: date, language: str) -> dict:
    invoice = item.case.invoice
    due = invoice.due_date
    currency = invoice.currency or "PLN"
    overdue = (day - due).days if due else 0
    if due is None:
        when = ""
    elif overdue > 0:
        when = f"{days_text(overdue, language)} {'overdue' if language == 'en' else 'po terminie'}"
    else:
        when = f"{'due on' if language == 'en' else 'termin'} {format_date(due)}"
    return {
        "number": invoice.number,
        "issue_date": format_date(invoice.issue_date),
        "due_date": format_date(due),
        "gross": format_money(invoice.gross, currency),
        "left_to_pay": format_money(invoice.left_to_pay, currency),
        "currency": currency,
        "days_overdue": max(overdue, 0),
        "when": when,
        "letter": item.stage.name,
        "offset": item.stage.offset_days,
        "infakt_id": invoice.infakt_id,
    }


def _total(items: list[LetterItem]) -> str:
    by_currency: dict[str, int] = {}
    for item in items:
        currency = item.case.invoice.currency or "PLN"
        by_currency[currency] = by_currency.get(currency, 0) + item.case.invoice.left_to_pay
    return " + ".join(format_money(amount, currency) for currency, amount in sorted(by_currency.items()))


def _client_fields(client: Client | None, invoice) -> dict[str, str]:
    if client is None:
        raw = invoice.raw or {}
        name = raw.get("client_company_name") or " ".join(
            str(raw.get(k) or "") for k in ("client_first_name", "client_last_name")
        )
        return {"client_name": name.strip(), "client_address": "", "client_nip": raw.get("client_tax_code") or ""}
    return {"client_name": client.name, "client_address": client.address, "client_nip": client.nip}


def reminder_context(
    *,
    case: Case,
    stage: ReminderStage,
    day: date,
    stages: list[ReminderStage] | None = None,
    language: str | None = None,
) -> dict:
    """Every variable a stage text may use (see STAGE_VARIABLES), as display strings."""
    if stages is None:
        stages = list(ReminderStage.objects.filter(is_active=True).order_by("offset_days"))
    invoice = case.invoice
    language = language if language in LANGUAGES else reminder_language(case)
    due = invoice.due_date
    overdue = max((day - due).days, 0) if due else 0
    to_due = max((due - day).days, 0) if due else 0
    following = following_stages(case=case, stage=stage, day=day, stages=stages)
    currency = invoice.currency or "PLN"
    return {
        "language": language,
        **_client_fields(invoice.client, invoice),
        "invoice_number": invoice.number,
        "invoice_issue_date": format_date(invoice.issue_date),
        "invoice_due_date": format_date(due),
        "invoice_gross": format_money(invoice.gross, currency),
        "invoice_paid": format_money(invoice.paid, currency),
        "invoice_left_to_pay": format_money(invoice.left_to_pay, currency),
        "invoice_currency": currency,
        "days_overdue": overdue,
        "days_overdue_text": days_text(overdue, language),
        "days_to_due": to_due,
        "days_to_due_text": days_text(to_due, language),
        "seller_name": settings.SELLER_NAME,
        "seller_address": settings.SELLER_ADDRESS,
        "seller_nip": settings.SELLER_NIP,
        "seller_bank_account": invoice.bank_account or settings.SELLER_BANK_ACCOUNT,
        "seller_contact": ", ".join(
            part for part in (settings.REMINDER_CONTACT_EMAIL, settings.REMINDER_CONTACT_PHONE) if part
        ),
        "consumer": invoice.buyer_is_consumer,
        "payment_deadline": format_date(ladder.demand_deadline(day)),
        "contact_email": settings.REMINDER_CONTACT_EMAIL,
        "contact_phone": settings.REMINDER_CONTACT_PHONE,
        "stage_name": stage.name,
        "stage_offset": stage.offset_days,
        "today": format_date(day),
        "next_stages": following,
        "next_stage_name": following[0]["name"] if following else "",
        "next_stage_date": following[0]["date"] if following else "",
        "final_stage_date": following[-1]["date"] if following else "",
        "previous_letters": [],
        "invoice_count": 1,
        "invoice_numbers": invoice.number,
        "invoices": [_invoice_row(LetterItem(case, stage), day, language)],
        "total_left_to_pay": format_money(invoice.left_to_pay, currency),
        "overdue_count": 1 if overdue else 0,
        "overdue_invoice_numbers": invoice.number if overdue else "",
        "overdue_left_to_pay": format_money(invoice.left_to_pay, currency) if overdue else "",
        "upcoming_invoice_numbers": "" if overdue else invoice.number,
    }


# --- Rendering --------------------------------------------------------------------


@dataclass(frozen=True)
class StageTexts:
    subject: str
    body_text: str
    body_html: str


def stage_texts(stage: ReminderStage, language: str) -> StageTexts:
    """The stage's wording in `language`; an empty English field falls back to the Polish one."""

    def pick(name: str) -> str:
        value = getattr(stage, f"{name}_{language}", "") if language in LANGUAGES else ""
        return value or getattr(stage, f"{name}_pl")

    return StageTexts(subject=pick("subject"), body_text=pick("body_text"), body_html=pick("body_html"))


def render_string(source: str, context: dict, *, autoescape: bool) -> str:
    """Render an admin-edited template string. Raises TemplateSyntaxError on a broken template."""
    return render_limited(source, context, autoescape=autoescape)  # time and size bounded


def one_line(text: str, limit: int = 255) -> str:
    return " ".join(text.split())[:limit]


@dataclass(frozen=True)
class RenderedReminder:
    language: str
    subject: str
    body_text: str
    body_html: str
    context: dict = field(repr=False)


def render_triplet(name: str, context: dict) -> tuple[str, str, str]:
    """Render emails/<name>-subject.txt, -body.txt and -body.html."""
    subject = one_line(render_to_string(f"emails/{name}-subject.txt", context))
    body_text = render_to_string(f"emails/{name}-body.txt", context)
    body_html = render_to_string(f"emails/{name}-body.html", context)
    return subject, body_text, body_html


def render_reminder(
    *,
    case: Case,
    stage: ReminderStage,
    day: date,
    stages: list[ReminderStage] | None = None,
    texts: StageTexts | None = None,
    language: str | None = None,
    history: list[dict] | None = None,
) -> RenderedReminder:
    """The reminder for `case` at `stage` on `day`, in the client's language (or `language`).

    `texts` overrides the stage's saved wording (the admin's live preview of unsaved edits).
    """
    return render_letters(
        items=[LetterItem(case, stage)], day=day, stages=stages, texts=texts, language=language, history=history
    )


def render_letters(
    *,
    items: list[LetterItem],
    day: date,
    stages: list[ReminderStage] | None = None,
    texts: StageTexts | None = None,
    language: str | None = None,
    history: list[dict] | None = None,
    consumer: bool | None = None,
) -> RenderedReminder:
    """One e-mail for one client's letters of `day`, worded by the highest rung, listing every invoice.

    `history` is the letters sent before for these cases (`previous_letters`, see
    `selectors.letters_sent_before`); `consumer` forces a variant (the admin previews both).
    Raises TemplateSyntaxError (or any error of the data) when it cannot be rendered.
    """
    lead = lead_item(items)
    context = reminder_context(case=lead.case, stage=lead.stage, day=day, stages=stages, language=language)
    language = context["language"]
    ordered = ordered_items(items)
    overdue = [i for i in ordered if i.case.invoice.due_date is not None and i.case.invoice.due_date < day]
    upcoming = [i for i in ordered if i not in overdue]
    context |= {
        "previous_letters": list(history or []),
        "invoice_count": len(ordered),
        "invoice_numbers": ", ".join(i.case.invoice.number for i in ordered),
        "invoices": [_invoice_row(i, day, language) for i in ordered],
        "total_left_to_pay": _total(ordered),
        "overdue_count": len(overdue),
        "overdue_invoice_numbers": ", ".join(i.case.invoice.number for i in overdue),
        "overdue_left_to_pay": _total(overdue) if overdue else "",
        "upcoming_invoice_numbers": ", ".join(i.case.invoice.number for i in upcoming),
    }
    if consumer is not None:
        context["consumer"] = consumer
    texts = texts or stage_texts(lead.stage, language)
    stage_text = render_string(texts.body_text, context, autoescape=False)
    if texts.body_html.strip():
        stage_html = render_string(texts.body_html, context, autoescape=True)
    else:
        stage_html = linebreaks(stage_text, autoescape=True)
    layout = {
        **context,
        "subject": one_line(render_string(texts.subject, context, autoescape=False)),
        "body_text": stage_text.strip(),
        "body_html": mark_safe(stage_html),  # noqa: S308 - rendered above with autoescape on
    }
    subject, body_text, body_html = render_triplet("reminder", layout)
    return RenderedReminder(
        language=language, subject=subject, body_text=body_text, body_html=body_html, context=context
    )


def items_header(items: list[LetterItem]) -> str:
    """`X-InvoiceTracker-Items`: InFakt invoice ids with signed offsets, `18433587:-1, 18433590:+14`
    (lowest rung first, as in the policy's example; then by invoice id)."""
    pairs = sorted((i.stage.offset_days, i.case.invoice.infakt_id) for i in items)
    return ", ".join(f"{invoice_id}:{offset:+d}" for offset, invoice_id in pairs)


# --- Messages ---------------------------------------------------------------------


def new_message_id() -> str:
    """A Message-ID on the sender's domain, chosen before sending so even an uncertain attempt has one."""
    domain = parseaddr(settings.REMINDER_FROM_EMAIL)[1].rpartition("@")[2] or "invoicetracker.local"
    return make_msgid(idstring="reminder", domain=domain)


def make_message(
    name: str,
    to: list[str],
    ctx: dict,
    *,
    cc: list[str] | None = None,
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """A message from the emails/<name>-* triplet (house style; reminders use `reminder_message`)."""
    subject, body_text, body_html = render_triplet(name, ctx)
    return build_message(
        subject=subject, body_text=body_text, body_html=body_html, to=to, cc=cc, reply_to=reply_to, headers=headers
    )


def build_message(
    *,
    subject: str,
    body_text: str,
    body_html: str,
    to: list[str],
    cc: list[str] | None = None,
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject,
        body=body_text,
        from_email=settings.REMINDER_FROM_EMAIL,
        to=list(to),
        cc=list(cc if cc is not None else settings.REMINDER_CC),
        reply_to=list(reply_to if reply_to is not None else settings.REMINDER_REPLY_TO),
        headers=headers or {},
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
    return message


def reminder_headers(
    *, invoice_infakt_id: int | None, stage_offset: int | None, message_id: str, items: str = ""
) -> dict[str, str]:
    """`X-InvoiceTracker-Items` on every reminder; `-Invoice` and `-Stage` when it holds one invoice."""
    headers = {}
    if items:
        headers[HEADER_ITEMS] = items
    elif invoice_infakt_id is not None and stage_offset is not None:
        headers[HEADER_ITEMS] = f"{invoice_infakt_id}:{stage_offset:+d}"
    if invoice_infakt_id is not None and stage_offset is not None:
        headers[HEADER_INVOICE] = str(invoice_infakt_id)
        headers[HEADER_STAGE] = str(stage_offset)
    headers["Message-ID"] = message_id
    return headers


class AttachmentFailed(Exception):
    """An attachment a letter needs could not be produced: the letter is held, never sent without it."""


# Callables (message_items: list[LetterItem], day: date) -> list[(filename, bytes, mimetype)]; a later
# issue adds the PDF formal demand. Any exception holds the e-mail (AttachmentFailed).
ATTACHMENT_PROVIDERS: list = []


def reminder_attachments(*, items: list[LetterItem], day: date) -> list[tuple[str, bytes, str]]:
    """Every attachment the e-mail needs; raises AttachmentFailed if any cannot be produced."""
    attachments: list[tuple[str, bytes, str]] = []
    for provider in ATTACHMENT_PROVIDERS:
        try:
            attachments.extend(provider(items, day))
        except Exception as exc:
            raise AttachmentFailed(f"{type(exc).__name__}: {exc}") from exc
    return attachments


def message_email(row, *, attachments: list[tuple[str, bytes, str]] | None = None) -> EmailMultiAlternatives:
    """The e-mail exactly as logged in a ReminderMessage row (what is logged is what is sent)."""
    single = row.items and "," not in row.items
    invoice_id = stage = None
    if single:
        invoice_part, _sep, offset_part = row.items.partition(":")
        invoice_id, stage = int(invoice_part), int(offset_part)
    message = build_message(
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        to=row.recipients,
        cc=row.cc,
        headers=reminder_headers(
            invoice_infakt_id=invoice_id, stage_offset=stage, message_id=row.message_id, items=row.items
        ),
    )
    for name, content, mimetype in attachments or []:
        message.attach(name, content, mimetype)
    return message


def reminder_message(notification, *, invoice_infakt_id: int) -> EmailMultiAlternatives:
    """The message exactly as logged in a Notification row (what is logged is what is sent)."""
    return build_message(
        subject=notification.subject,
        body_text=notification.body_text,
        body_html=notification.body_html,
        to=notification.recipients,
        cc=notification.cc,
        headers=reminder_headers(
            invoice_infakt_id=invoice_infakt_id,
            stage_offset=notification.stage_offset
            if notification.stage_offset is not None
            else notification.stage.offset_days,
            message_id=notification.message_id,
        ),
    )


def is_business_sending_day(day: date) -> bool:
    return is_business_day(day) if settings.REMINDER_BUSINESS_DAYS else True
