"""The letters rewritten for the ladder and digests (issue 10, policy section 3), and the new case state filled in.

Wording: business and consumer variants in one template each (`{% if consumer %}`), Polish and
English; one invoice or several (`invoice_count`, `invoices`; the layout adds the table); earlier
letters named with their dates (`previous_letters`), never a fixed "despite earlier reminders";
the formal demand's deadline is `payment_deadline`. A stage text still equal to the wording
seeded by 0003 (or empty) is replaced; text edited in the admin is left alone.

State: the previous overdue letter (day, offset) and the sent-letters count from the log, the
next rung re-timed by the ladder, and cases at the end of the ladder marked to hand over.
"""

import importlib

from django.conf import settings
from django.db import migrations

from cases import ladder

INVOICES_PL = (
    "{% if invoice_count > 1 %}faktur nr {{ invoice_numbers }}"
    "{% else %}faktury nr {{ invoice_number }} z dnia {{ invoice_issue_date }}{% endif %}"
)
OVERDUE_INVOICES_PL = (
    "{% if overdue_count > 1 %}faktur nr {{ overdue_invoice_numbers }}"
    "{% else %}faktury nr {{ overdue_invoice_numbers }}{% if invoice_count == 1 %} z dnia {{ invoice_issue_date }}"
    "{% endif %}{% endif %}"
)
OVERDUE_INVOICES_EN = (
    "{% if overdue_count > 1 %}invoices no. {{ overdue_invoice_numbers }}"
    "{% else %}invoice no. {{ overdue_invoice_numbers }}{% if invoice_count == 1 %} issued on {{ invoice_issue_date }}"
    "{% endif %}{% endif %}"
)
UPCOMING_PL = (
    "{% if upcoming_invoice_numbers %}Przypominamy też o zbliżającym się terminie płatności: "
    "{{ upcoming_invoice_numbers }} (szczegóły w tabeli poniżej).\n\n{% endif %}"
)
UPCOMING_EN = (
    "{% if upcoming_invoice_numbers %}We also remind you of the coming payment date of "
    "{{ upcoming_invoice_numbers }} (see the table below).\n\n{% endif %}"
)
INVOICES_EN = (
    "{% if invoice_count > 1 %}invoices no. {{ invoice_numbers }}"
    "{% else %}invoice no. {{ invoice_number }} issued on {{ invoice_issue_date }}{% endif %}"
)
OVERDUE_PL = (
    "{% if overdue_count > 1 %}Terminy płatności upłynęły (szczegóły w tabeli poniżej)."
    "{% else %}Termin płatności upłynął {{ invoice_due_date }}, czyli {{ days_overdue_text }} temu.{% endif %}"
)
OVERDUE_EN = (
    "{% if overdue_count > 1 %}The payment dates have passed (see the table below)."
    "{% else %}It was due on {{ invoice_due_date }}, {{ days_overdue_text }} ago.{% endif %}"
)
HISTORY_PL = (
    "{% if previous_letters %}Pisaliśmy już do Państwa w tej sprawie: {% for l in previous_letters %}"
    "{{ l.date }} ({{ l.name }}{% if invoice_count > 1 %}, {{ l.invoice_number }}{% endif %})"
    "{% if not forloop.last %}, {% endif %}{% endfor %}.\n\n{% endif %}"
)
HISTORY_EN = (
    "{% if previous_letters %}We have already written to you about this: {% for l in previous_letters %}"
    "{{ l.date }} ({{ l.name }}{% if invoice_count > 1 %}, {{ l.invoice_number }}{% endif %})"
    "{% if not forloop.last %}, {% endif %}{% endfor %}.\n\n{% endif %}"
)
LEGAL_PL = (
    "{% if consumer %}Od zaległej kwoty przysługują nam odsetki ustawowe za opóźnienie "
    "(art. 481 Kodeksu cywilnego).{% else %}Zgodnie z ustawą z dnia 8 marca 2013 r. o przeciwdziałaniu "
    "nadmiernym opóźnieniom w transakcjach handlowych przysługują nam odsetki ustawowe za opóźnienie "
    "w transakcjach handlowych oraz rekompensata za koszty odzyskiwania należności.{% endif %}"
)
LEGAL_EN = (
    "{% if consumer %}Statutory interest for delay accrues on the overdue amount (Article 481 of the "
    "Polish Civil Code).{% else %}Under the Polish Act of 8 March 2013 on counteracting excessive delays in "
    "commercial transactions, we are entitled to statutory interest for delay in commercial transactions "
    "and to compensation for recovery costs.{% endif %}"
)
PAYMENT_PL = "Rachunek: {{ seller_bank_account }}\nTytuł przelewu: {{ invoice_numbers }}"
PAYMENT_EN = "Bank account: {{ seller_bank_account }}\nPayment reference: {{ invoice_numbers }}"
CONTACT_PL = (
    "{% if contact_email or contact_phone %}W razie pytań prosimy o kontakt"
    "{% if contact_email %}: {{ contact_email }}{% endif %}"
    "{% if contact_phone %}, tel. {{ contact_phone }}{% endif %}.{% endif %}"
)
CONTACT_EN = (
    "{% if contact_email or contact_phone %}If you have any questions, please contact us"
    "{% if contact_email %}: {{ contact_email }}{% endif %}"
    "{% if contact_phone %}, phone {{ contact_phone }}{% endif %}.{% endif %}"
)
SUBJECT_NUMBERS_PL = "{% if invoice_count > 1 %}faktury {{ invoice_numbers }}{% else %}faktura {{ invoice_number }}{% endif %}"
SUBJECT_NUMBERS_EN = "{% if invoice_count > 1 %}invoices {{ invoice_numbers }}{% else %}invoice {{ invoice_number }}{% endif %}"

WORDING = {
    -1: {
        "subject_pl": "Przypomnienie o terminie płatności – " + SUBJECT_NUMBERS_PL,
        "body_text_pl": (
            "Dzień dobry,\n\n"
            "uprzejmie przypominamy, że {{ invoice_due_date }} mija termin płatności " + INVOICES_PL + ".\n\n"
            "Do zapłaty: {{ total_left_to_pay }}\n" + PAYMENT_PL + "\n\n"
            "Jeżeli przelew został już zlecony, dziękujemy i prosimy nie brać tej wiadomości pod uwagę.\n\n"
            + CONTACT_PL + "\n\nZ pozdrowieniami\n{{ seller_name }}"
        ),
        "subject_en": "Reminder: payment due on {{ invoice_due_date }} – " + SUBJECT_NUMBERS_EN,
        "body_text_en": (
            "Hello,\n\n"
            "this is a friendly reminder that " + INVOICES_EN + " is due on {{ invoice_due_date }}.\n\n"
            "Amount due: {{ total_left_to_pay }}\n" + PAYMENT_EN + "\n\n"
            "If you have already paid, thank you, and please disregard this message.\n\n"
            + CONTACT_EN + "\n\nKind regards\n{{ seller_name }}"
        ),
    },
    7: {
        "subject_pl": "Minął termin płatności – " + SUBJECT_NUMBERS_PL,
        "body_text_pl": (
            "Dzień dobry,\n\n"
            "nie odnotowaliśmy jeszcze zapłaty " + OVERDUE_INVOICES_PL + ". " + OVERDUE_PL + " "
            "Do zapłaty pozostaje {{ overdue_left_to_pay }}.\n\n" + HISTORY_PL + UPCOMING_PL +
            "Prosimy o uregulowanie należności przelewem:\n" + PAYMENT_PL + "\n\n"
            "Jeżeli płatność została już wysłana, prosimy potraktować tę wiadomość jako nieaktualną. "
            "Jeśli faktura budzi wątpliwości, chętnie je wyjaśnimy.\n\n"
            + CONTACT_PL + "\n\nZ pozdrowieniami\n{{ seller_name }}"
        ),
        "subject_en": "Payment overdue – " + SUBJECT_NUMBERS_EN,
        "body_text_en": (
            "Hello,\n\n"
            "we have not yet received payment for " + OVERDUE_INVOICES_EN + ". " + OVERDUE_EN + " "
            "{{ overdue_left_to_pay }} remains outstanding.\n\n" + HISTORY_EN + UPCOMING_EN +
            "Please settle the amount by bank transfer:\n" + PAYMENT_EN + "\n\n"
            "If the payment is already on its way, please disregard this message. "
            "If anything about the invoice is unclear, we will be glad to explain.\n\n"
            + CONTACT_EN + "\n\nKind regards\n{{ seller_name }}"
        ),
    },
    14: {
        "subject_pl": "Wezwanie do zapłaty – " + SUBJECT_NUMBERS_PL,
        "body_text_pl": (
            "WEZWANIE DO ZAPŁATY\n\n"
            "Wierzyciel: {{ seller_name }}{% if seller_address %}, {{ seller_address }}{% endif %}"
            "{% if seller_nip %}, NIP {{ seller_nip }}{% endif %}\n"
            "Dłużnik: {{ client_name }}{% if client_address %}, {{ client_address }}{% endif %}"
            "{% if client_nip %}, NIP {{ client_nip }}{% endif %}\n\n"
            + HISTORY_PL + UPCOMING_PL +
            "Wzywamy do zapłaty kwoty {{ overdue_left_to_pay }} z tytułu " + OVERDUE_INVOICES_PL + " "
            "w terminie do {{ payment_deadline }} na rachunek:\n" + PAYMENT_PL + "\n\n"
            + LEGAL_PL + "\n\n"
            "Brak zapłaty w tym terminie może skutkować przekazaniem sprawy do windykacji.\n\n"
            "Jeżeli należność została już uregulowana, prosimy o przesłanie potwierdzenia przelewu"
            "{% if contact_email %} na adres {{ contact_email }}{% endif %}.\n\n"
            "Z poważaniem\n{{ seller_name }}"
        ),
        "subject_en": "Demand for payment – " + SUBJECT_NUMBERS_EN,
        "body_text_en": (
            "DEMAND FOR PAYMENT\n\n"
            "Creditor: {{ seller_name }}{% if seller_address %}, {{ seller_address }}{% endif %}"
            "{% if seller_nip %}, VAT ID {{ seller_nip }}{% endif %}\n"
            "Debtor: {{ client_name }}{% if client_address %}, {{ client_address }}{% endif %}"
            "{% if client_nip %}, VAT ID {{ client_nip }}{% endif %}\n\n"
            + HISTORY_EN + UPCOMING_EN +
            "We hereby demand payment of {{ overdue_left_to_pay }} for " + OVERDUE_INVOICES_EN + " "
            "by {{ payment_deadline }} to:\n" + PAYMENT_EN + "\n\n"
            + LEGAL_EN + "\n\n"
            "If the amount is not paid by then, the matter may be handed over to debt collection.\n\n"
            "If you have already paid, please send us the payment confirmation"
            "{% if contact_email %} at {{ contact_email }}{% endif %}.\n\n"
            "Yours faithfully\n{{ seller_name }}"
        ),
    },
    21: {
        "subject_pl": "Zapowiedź przekazania sprawy do windykacji – " + SUBJECT_NUMBERS_PL,
        "body_text_pl": (
            "Dzień dobry,\n\n"
            "nie otrzymaliśmy zapłaty " + OVERDUE_INVOICES_PL + ". " + OVERDUE_PL + " "
            "Do zapłaty pozostaje {{ overdue_left_to_pay }}.\n\n" + HISTORY_PL + UPCOMING_PL +
            "Jeżeli należność nie zostanie uregulowana"
            "{% if next_stage_date %} do {{ next_stage_date }}{% else %} niezwłocznie{% endif %}, "
            "przekażemy sprawę do windykacji. Dalsze kroki mogą obejmować dochodzenie należności "
            "na drodze sądowej.\n\n" + LEGAL_PL + "\n\n"
            "Prosimy o wpłatę:\n" + PAYMENT_PL + "\n\n"
            "Jeżeli płatność została już zlecona albo chcą Państwo uzgodnić termin spłaty, prosimy o pilny kontakt"
            "{% if contact_email %}: {{ contact_email }}{% endif %}"
            "{% if contact_phone %}, tel. {{ contact_phone }}{% endif %}.\n\n"
            "Z poważaniem\n{{ seller_name }}"
        ),
        "subject_en": "Notice of intended transfer to debt collection – " + SUBJECT_NUMBERS_EN,
        "body_text_en": (
            "Hello,\n\n"
            "we have not received payment for " + OVERDUE_INVOICES_EN + ". " + OVERDUE_EN + " "
            "{{ overdue_left_to_pay }} remains outstanding.\n\n" + HISTORY_EN + UPCOMING_EN +
            "Unless the amount is paid"
            "{% if next_stage_date %} by {{ next_stage_date }}{% else %} without delay{% endif %}, "
            "we will hand the matter over to debt collection. Further steps may include court proceedings.\n\n"
            + LEGAL_EN + "\n\n"
            "Please pay to:\n" + PAYMENT_EN + "\n\n"
            "If the payment is already on its way, or you would like to agree on a payment date, "
            "please contact us urgently"
            "{% if contact_email %}: {{ contact_email }}{% endif %}"
            "{% if contact_phone %}, phone {{ contact_phone }}{% endif %}.\n\n"
            "Yours faithfully\n{{ seller_name }}"
        ),
    },
    30: {
        "subject_pl": "Przekazanie sprawy do windykacji – " + SUBJECT_NUMBERS_PL,
        "body_text_pl": (
            "Dzień dobry,\n\n"
            "wobec braku zapłaty kwoty {{ overdue_left_to_pay }} z tytułu " + OVERDUE_INVOICES_PL + " "
            "informujemy, że sprawa zostaje przekazana do windykacji. W sprawie tej należności może się "
            "z Państwem kontaktować podmiot działający w naszym imieniu.\n\n" + HISTORY_PL + LEGAL_PL + "\n\n"
            "Wpłata całej kwoty nadal zamyka sprawę:\n" + PAYMENT_PL + "\n\n"
            "Po dokonaniu wpłaty prosimy o przesłanie potwierdzenia"
            "{% if contact_email %} na adres {{ contact_email }}{% endif %}.\n\n"
            "Z poważaniem\n{{ seller_name }}"
        ),
        "subject_en": "Transfer to debt collection – " + SUBJECT_NUMBERS_EN,
        "body_text_en": (
            "Hello,\n\n"
            "as {{ overdue_left_to_pay }} for " + OVERDUE_INVOICES_EN + " remains unpaid, the matter is being handed over "
            "to debt collection. A party acting on our behalf may contact you about this amount.\n\n"
            + HISTORY_EN + LEGAL_EN + "\n\n"
            "Paying the full amount still closes the matter:\n" + PAYMENT_EN + "\n\n"
            "Once you have paid, please send us the payment confirmation"
            "{% if contact_email %} at {{ contact_email }}{% endif %}.\n\n"
            "Yours faithfully\n{{ seller_name }}"
        ),
    },
}


def as_html(text: str) -> str:
    """Blank-line separated paragraphs, single newlines as <br>; the text holds no markup of its own."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "\n".join("<p>" + p.replace("\n", "<br>\n") + "</p>" for p in paragraphs)


def _texts(wording: dict) -> dict:
    values = dict(wording)
    values["body_html_pl"] = as_html(wording["body_text_pl"])
    values["body_html_en"] = as_html(wording["body_text_en"])
    return values


def rewrite(apps, schema_editor):
    ReminderStage = apps.get_model("cases", "ReminderStage")
    old = importlib.import_module("notifications.migrations.0003_stage_wording").WORDING
    for offset, texts in WORDING.items():
        stage = ReminderStage.objects.filter(offset_days=offset).first()
        if stage is None:
            continue
        before = _texts(old[offset]) if offset in old else {}
        values = _texts(texts)
        changed = [
            name for name, value in values.items() if not getattr(stage, name) or getattr(stage, name) == before.get(name)
        ]
        for name in changed:
            setattr(stage, name, values[name])
        if changed:
            stage.save(update_fields=changed)


def fill_state(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    ReminderStage = apps.get_model("cases", "ReminderStage")
    Notification = apps.get_model("notifications", "Notification")
    offsets = list(ReminderStage.objects.filter(is_active=True).values_list("offset_days", flat=True))
    by_offset = dict(ReminderStage.objects.filter(is_active=True).values_list("offset_days", "pk"))
    business_days = settings.REMINDER_BUSINESS_DAYS
    for case in Case.objects.filter(status="active").select_related("invoice").iterator():
        letters = Notification.objects.filter(case_id=case.pk, status__in=["sent", "uncertain"])
        case.letters_sent = letters.count()
        last = letters.filter(stage_offset__gte=0).order_by("-stage_offset", "-send_date").first()
        if last is not None:
            case.last_letter_on, case.last_letter_offset = last.send_date, last.stage_offset
        previous = ladder.Letter(case.last_letter_on, case.last_letter_offset) if last is not None else None
        rung = None
        if case.invoice.due_date is not None and offsets:
            rung = ladder.next_rung(
                due=case.invoice.due_date,
                offsets=offsets,
                handled=case.last_stage_offset,
                previous=previous,
                business_days=business_days,
            )
        case.next_stage_id = by_offset[rung.offset] if rung else None
        case.next_reminder_date = rung.day if rung else None
        if rung is None and case.last_stage_offset is not None and offsets:
            case.handover = "to_hand_over"
        case.save(
            update_fields=[
                "letters_sent",
                "last_letter_on",
                "last_letter_offset",
                "next_stage",
                "next_reminder_date",
                "handover",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_h10_ladder_state"),
        ("notifications", "0004_h10_messages"),
    ]

    operations = [
        migrations.RunPython(rewrite, migrations.RunPython.noop),
        migrations.RunPython(fill_state, migrations.RunPython.noop),
    ]
