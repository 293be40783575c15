"""Default wording of the five seeded reminder stages, in Polish and English.

Only empty fields are filled, so wording edited in the admin is never overwritten.
The HTML bodies are the plain-text ones as paragraphs; staff refine both in the admin.
Variables are listed in notifications/emails.py (STAGE_VARIABLES) and on the stage's admin page.
"""

from django.db import migrations

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
DEADLINE_PL = "{% if next_stage_date %} w terminie do {{ next_stage_date }}{% else %} niezwłocznie{% endif %}"
DEADLINE_EN = "{% if next_stage_date %} by {{ next_stage_date }}{% else %} without delay{% endif %}"
PAYMENT_PL = "Rachunek: {{ seller_bank_account }}\nTytuł przelewu: {{ invoice_number }}"
PAYMENT_EN = "Bank account: {{ seller_bank_account }}\nPayment reference: {{ invoice_number }}"

WORDING = {
    -1: {
        "subject_pl": "Przypomnienie o terminie płatności faktury {{ invoice_number }}",
        "body_text_pl": (
            "Dzień dobry,\n\n"
            "uprzejmie przypominamy, że {{ invoice_due_date }} mija termin płatności faktury "
            "nr {{ invoice_number }} z dnia {{ invoice_issue_date }}.\n\n"
            "Do zapłaty: {{ invoice_left_to_pay }}\n" + PAYMENT_PL + "\n\n"
            "Jeżeli przelew został już zlecony, dziękujemy i prosimy nie brać tej wiadomości pod uwagę.\n\n"
            + CONTACT_PL + "\n\nZ pozdrowieniami\n{{ seller_name }}"
        ),
        "subject_en": "Reminder: invoice {{ invoice_number }} is due on {{ invoice_due_date }}",
        "body_text_en": (
            "Hello,\n\n"
            "this is a friendly reminder that invoice no. {{ invoice_number }} issued on {{ invoice_issue_date }} "
            "is due on {{ invoice_due_date }}.\n\n"
            "Amount due: {{ invoice_left_to_pay }}\n" + PAYMENT_EN + "\n\n"
            "If you have already paid, thank you, and please disregard this message.\n\n"
            + CONTACT_EN + "\n\nKind regards\n{{ seller_name }}"
        ),
    },
    7: {
        "subject_pl": "Minął termin płatności faktury {{ invoice_number }}",
        "body_text_pl": (
            "Dzień dobry,\n\n"
            "termin płatności faktury nr {{ invoice_number }} z dnia {{ invoice_issue_date }} upłynął "
            "{{ invoice_due_date }}, czyli {{ days_overdue_text }} temu. W naszej ewidencji wciąż widnieje "
            "kwota do zapłaty {{ invoice_left_to_pay }}.\n\n"
            "Prosimy o uregulowanie należności przelewem:\n" + PAYMENT_PL + "\n\n"
            "Jeżeli płatność została już wysłana, prosimy potraktować tę wiadomość jako nieaktualną. "
            "Jeśli faktura budzi wątpliwości, chętnie je wyjaśnimy.\n\n"
            + CONTACT_PL + "\n\nZ pozdrowieniami\n{{ seller_name }}"
        ),
        "subject_en": "Invoice {{ invoice_number }} is overdue",
        "body_text_en": (
            "Hello,\n\n"
            "invoice no. {{ invoice_number }} issued on {{ invoice_issue_date }} was due on {{ invoice_due_date }}, "
            "{{ days_overdue_text }} ago. Our records still show {{ invoice_left_to_pay }} outstanding.\n\n"
            "Please settle the amount by bank transfer:\n" + PAYMENT_EN + "\n\n"
            "If the payment is already on its way, please disregard this message. "
            "If anything about the invoice is unclear, we will be glad to explain.\n\n"
            + CONTACT_EN + "\n\nKind regards\n{{ seller_name }}"
        ),
    },
    14: {
        "subject_pl": "Wezwanie do zapłaty – faktura {{ invoice_number }}",
        "body_text_pl": (
            "WEZWANIE DO ZAPŁATY\n\n"
            "W związku z brakiem zapłaty za fakturę nr {{ invoice_number }} z dnia {{ invoice_issue_date }}, "
            "której termin płatności upłynął {{ invoice_due_date }} ({{ days_overdue_text }} temu), wzywamy do "
            "zapłaty kwoty {{ invoice_left_to_pay }}" + DEADLINE_PL + ".\n\n"
            "Wierzyciel: {{ seller_name }}{% if seller_address %}, {{ seller_address }}{% endif %}"
            "{% if seller_nip %}, NIP {{ seller_nip }}{% endif %}\n"
            "Dłużnik: {{ client_name }}{% if client_address %}, {{ client_address }}{% endif %}"
            "{% if client_nip %}, NIP {{ client_nip }}{% endif %}\n"
            "Wartość faktury: {{ invoice_gross }}\n"
            "Zapłacono: {{ invoice_paid }}\n"
            "Pozostało do zapłaty: {{ invoice_left_to_pay }}\n" + PAYMENT_PL + "\n\n"
            "Zastrzegamy sobie prawo do naliczenia odsetek ustawowych za opóźnienie w transakcjach handlowych "
            "oraz rekompensaty za koszty odzyskiwania należności.\n\n"
            "Jeżeli należność została już uregulowana, prosimy o przesłanie potwierdzenia przelewu"
            "{% if contact_email %} na adres {{ contact_email }}{% endif %}.\n\n"
            "Z poważaniem\n{{ seller_name }}"
        ),
        "subject_en": "Demand for payment – invoice {{ invoice_number }}",
        "body_text_en": (
            "DEMAND FOR PAYMENT\n\n"
            "As invoice no. {{ invoice_number }} issued on {{ invoice_issue_date }}, which was due on "
            "{{ invoice_due_date }} ({{ days_overdue_text }} ago), remains unpaid, we hereby demand payment of "
            "{{ invoice_left_to_pay }}" + DEADLINE_EN + ".\n\n"
            "Creditor: {{ seller_name }}{% if seller_address %}, {{ seller_address }}{% endif %}"
            "{% if seller_nip %}, VAT ID {{ seller_nip }}{% endif %}\n"
            "Debtor: {{ client_name }}{% if client_address %}, {{ client_address }}{% endif %}"
            "{% if client_nip %}, VAT ID {{ client_nip }}{% endif %}\n"
            "Invoice total: {{ invoice_gross }}\n"
            "Paid: {{ invoice_paid }}\n"
            "Outstanding: {{ invoice_left_to_pay }}\n" + PAYMENT_EN + "\n\n"
            "We reserve the right to charge statutory interest for late payment in commercial transactions "
            "and compensation for debt recovery costs.\n\n"
            "If you have already paid, please send us the payment confirmation"
            "{% if contact_email %} at {{ contact_email }}{% endif %}.\n\n"
            "Yours faithfully\n{{ seller_name }}"
        ),
    },
    21: {
        "subject_pl": "Zapowiedź przekazania sprawy do windykacji – faktura {{ invoice_number }}",
        "body_text_pl": (
            "Dzień dobry,\n\n"
            "mimo wcześniejszych przypomnień i wezwania do zapłaty nie otrzymaliśmy należności z faktury "
            "nr {{ invoice_number }} z dnia {{ invoice_issue_date }}. Termin płatności upłynął "
            "{{ invoice_due_date }}, opóźnienie wynosi {{ days_overdue_text }}, a do zapłaty pozostało "
            "{{ invoice_left_to_pay }}.\n\n"
            "Jeżeli należność nie zostanie uregulowana"
            "{% if next_stage_date %} do {{ next_stage_date }}{% else %} niezwłocznie{% endif %}, "
            "przekażemy sprawę zewnętrznej firmie windykacyjnej. Dalsze kroki mogą obejmować dochodzenie "
            "należności na drodze sądowej, a jego koszty, w granicach przewidzianych prawem, poniesie dłużnik.\n\n"
            "Prosimy o wpłatę:\n" + PAYMENT_PL + "\n\n"
            "Jeżeli płatność została już zlecona albo chcą Państwo uzgodnić termin spłaty, prosimy o pilny kontakt"
            "{% if contact_email %}: {{ contact_email }}{% endif %}"
            "{% if contact_phone %}, tel. {{ contact_phone }}{% endif %}.\n\n"
            "Z poważaniem\n{{ seller_name }}"
        ),
        "subject_en": "Notice of intended transfer to debt collection – invoice {{ invoice_number }}",
        "body_text_en": (
            "Hello,\n\n"
            "despite our earlier reminders and demand for payment, we have not received payment for invoice "
            "no. {{ invoice_number }} issued on {{ invoice_issue_date }}. It was due on {{ invoice_due_date }}, "
            "the payment is {{ days_overdue_text }} late, and {{ invoice_left_to_pay }} remains outstanding.\n\n"
            "Unless the amount is paid"
            "{% if next_stage_date %} by {{ next_stage_date }}{% else %} without delay{% endif %}, "
            "we will hand the matter over to an external debt collection agency. Further steps may include "
            "court proceedings, whose costs, within the limits set by law, will be borne by the debtor.\n\n"
            "Please pay to:\n" + PAYMENT_EN + "\n\n"
            "If the payment is already on its way, or you would like to agree on a payment date, "
            "please contact us urgently"
            "{% if contact_email %}: {{ contact_email }}{% endif %}"
            "{% if contact_phone %}, phone {{ contact_phone }}{% endif %}.\n\n"
            "Yours faithfully\n{{ seller_name }}"
        ),
    },
    30: {
        "subject_pl": "Przekazanie sprawy do windykacji – faktura {{ invoice_number }}",
        "body_text_pl": (
            "Dzień dobry,\n\n"
            "wobec braku zapłaty kwoty {{ invoice_left_to_pay }} z faktury nr {{ invoice_number }} "
            "z dnia {{ invoice_issue_date }} (termin płatności {{ invoice_due_date }}, opóźnienie "
            "{{ days_overdue_text }}) informujemy, że sprawa zostaje przekazana do windykacji zewnętrznej. "
            "W sprawie tej należności może się z Państwem kontaktować firma windykacyjna działająca "
            "w naszym imieniu.\n\n"
            "Wpłata całej kwoty nadal zamyka sprawę:\n" + PAYMENT_PL + "\n\n"
            "Po dokonaniu wpłaty prosimy o przesłanie potwierdzenia"
            "{% if contact_email %} na adres {{ contact_email }}{% endif %}.\n\n"
            "Z poważaniem\n{{ seller_name }}"
        ),
        "subject_en": "Transfer to debt collection – invoice {{ invoice_number }}",
        "body_text_en": (
            "Hello,\n\n"
            "as {{ invoice_left_to_pay }} from invoice no. {{ invoice_number }} issued on {{ invoice_issue_date }} "
            "(due on {{ invoice_due_date }}, {{ days_overdue_text }} late) remains unpaid, the matter is being "
            "handed over to external debt collection. A debt collection agency acting on our behalf may contact "
            "you about this amount.\n\n"
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


def fill(apps, schema_editor):
    ReminderStage = apps.get_model("cases", "ReminderStage")
    for offset, texts in WORDING.items():
        stage = ReminderStage.objects.filter(offset_days=offset).first()
        if stage is None:
            continue
        values = dict(texts)
        values["body_html_pl"] = as_html(texts["body_text_pl"])
        values["body_html_en"] = as_html(texts["body_text_en"])
        changed = [name for name, value in values.items() if not getattr(stage, name)]
        for name in changed:
            setattr(stage, name, values[name])
        if changed:
            stage.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_default_stages"),
        ("notifications", "0002_reminder_runs"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
