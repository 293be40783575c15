"""The formal demand PDF on the letters that are one (the +14 stage), over a real SMTP server.

The text of the attached PDF is read back with pypdf. The rates are entered the way staff would
enter them (the seeded tables stop before late 2026): example values (conftest.enter_example_rates).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from cases.models import Case, CaseEvent, ReminderStage
from claims.models import ExchangeRate
from notifications.models import Notification
from notifications.services import reminders_send_due

from .conftest import at

MON_16 = date(2026, 11, 16)


def send(day: date):
    return reminders_send_due(day=day, now=at(day, 7))


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def attachments(message) -> list[tuple[str, str, bytes]]:
    return [
        (part.get_filename(), part.get_content_type(), part.get_content())
        for part in message.message.iter_attachments()
    ]


@pytest.fixture
def rates(example_rates):
    """The example rates of conftest.enter_example_rates: the 2026 H2 commercial rate, the EUR rates."""


def eur_rate_october_2026():
    ExchangeRate.objects.create(
        currency="EUR", month=date(2026, 10, 1), effective_date=date(2026, 10, 30), rate=Decimal("4.2500")
    )


def three_overdue_invoices(world, *, language="pl"):
    """One client with Polish letters in its name: +14 twice (due 2.11) and +7 (due 9.11) on Mon 16.11."""
    client = world.client(
        company_name="Żółw Łąkowy Sp. z o.o.", city="Łódź", emails=["księgowość@zolw.test"], language=language
    )
    cases = [
        world.case(due=date(2026, 11, 2), client=client, last_stage_offset=7, number="FV/ŻÓŁW/1"),
        world.case(due=date(2026, 11, 2), client=client, last_stage_offset=7, number="FV/ŻÓŁW/2", gross=600_000),
        world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1, number="FV/ŻÓŁW/3"),
    ]
    Case.objects.filter(pk__in=[c.pk for c in cases[:2]]).update(last_letter_on=date(2026, 11, 9), last_letter_offset=7)
    return client, cases


def test_the_seeded_demand_stage_is_the_plus_14_one(stages):
    assert [s.offset_days for s in ReminderStage.objects.filter(attaches_demand=True)] == [14]


def test_a_digest_with_a_demand_attaches_one_pdf_naming_every_invoice(world, smtp_server, rates):
    three_overdue_invoices(world)
    world.sync(MON_16)

    report = send(MON_16)

    assert (report.sent, report.messages, report.held) == (3, 1, 0)
    (message,) = smtp_server.messages
    ((name, mimetype, content),) = attachments(message)
    assert (name, mimetype) == ("wezwanie-do-zaplaty-2026-11-16.pdf", "application/pdf")
    text = pdf_text(content)
    assert "PRZEDSĄDOWE WEZWANIE DO ZAPŁATY" in text
    assert "Żółw Łąkowy Sp. z o.o." in text
    for number in ("FV/ŻÓŁW/1", "FV/ŻÓŁW/2", "FV/ŻÓŁW/3"):
        assert number in text
    assert "do uzupełnienia" not in text


def test_an_english_client_gets_the_demand_in_english(world, smtp_server, rates):
    three_overdue_invoices(world, language="en")
    world.sync(MON_16)

    send(MON_16)

    (message,) = smtp_server.messages
    ((name, _mimetype, content),) = attachments(message)
    assert name == "formal-demand-2026-11-16.pdf"
    text = pdf_text(content)
    assert "PRZEDSĄDOWE" not in text
    assert "FV/ŻÓŁW/3" in text


def test_letters_below_the_demand_go_without_a_pdf(world, smtp_server, rates):
    world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)

    assert send(MON_16).sent == 1
    (message,) = smtp_server.messages
    assert attachments(message) == []


def test_a_missing_rate_never_stops_the_demand_the_pdf_says_what_is_to_be_completed(world, smtp_server):
    ExchangeRate.objects.filter(month=date(2026, 10, 1)).delete()  # the compensation cannot be stated
    _client, _cases = three_overdue_invoices(world)
    world.sync(MON_16)

    report = send(MON_16)

    # The ladder keeps its date: the letter goes, and its PDF names what staff must still complete.
    assert (report.sent, report.held) == (3, 0)
    (message,) = smtp_server.messages
    ((_name, _mimetype, content),) = attachments(message)
    text = pdf_text(content)
    assert "FV/ŻÓŁW/1" in text
    assert "do uzupełnienia" in text  # never a zero, never a guessed amount
    assert send(MON_16).sent == 0  # and only once


def test_a_pdf_that_fails_to_render_holds_the_letter(world, smtp_server, rates, settings):
    settings.SELLER_NAME = ""  # the creditor cannot be named: the demand cannot be produced
    (case,) = three_overdue_invoices(world)[1][:1]
    world.sync(MON_16)

    report = send(MON_16)

    assert report.sent == 0
    assert smtp_server.messages == []
    row = Notification.objects.get(case=case, status=Notification.Status.HELD)
    assert "SELLER_NAME" in row.error
    event = CaseEvent.objects.filter(case=case, data__demand_error__isnull=False).get()
    assert "wezwania do zapłaty" in event.message


def test_a_demand_sent_by_hand_carries_the_pdf_even_before_a_rate_is_entered(world, smtp_server, stages):
    from django.contrib.auth import get_user_model

    from notifications.services import reminder_send_manual

    staff = get_user_model().objects.create_user("anna", "anna@firma.test", "x", is_staff=True)
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1, number="FV/RĘCZNA/1")
    ExchangeRate.objects.filter(month=date(2026, 10, 1)).delete()

    row = reminder_send_manual(case=case, stage=stages[14], user=staff, now=at(MON_16, 10))

    assert row.status == Notification.Status.SENT
    (message,) = smtp_server.messages
    ((name, _mimetype, content),) = attachments(message)
    assert name == "wezwanie-do-zaplaty-2026-11-16.pdf"
    assert "FV/RĘCZNA/1" in pdf_text(content)
    assert "do uzupełnienia" in pdf_text(content)
