"""Timeline texts stored as codes with raw parameters, rendered in the reader's language (issue 13)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone, translation

from cases.models import CaseEvent
from cases.services import case_event_add, case_pause
from cases.timeline import render_event_text

from .conftest import make_case


def text(code: str, params: dict, language: str) -> str:
    with translation.override(language):
        return render_event_text(code, params)


def test_money_and_dates_are_stored_raw_and_formatted_when_read():
    params = {"until": "2026-12-31", "reason": "promise", "note": ""}
    assert text("case.paused", params, "pl") == "Wstrzymano do 31.12.2026: obietnica zapłaty"
    assert text("case.paused", params, "en") == "Paused until 31.12.2026: promise to pay"
    payment = {"amount": 23456, "left": 100000, "currency": "PLN"}
    assert text("case.payment", payment, "pl") == "Wpłata 234,56 zł; pozostało do zapłaty 1 000,00 zł"
    assert text("case.payment", payment, "en") == "Payment of 234,56 zł; 1 000,00 zł left to pay"


@pytest.mark.parametrize(
    ("attempts", "polish"),
    [(1, "po 1 nieudanej próbie"), (2, "po 2 nieudanych próbach"), (5, "po 5 nieudanych próbach")],
)
def test_counts_take_the_polish_plural_forms(attempts, polish):
    params = {"stage": "Wezwanie", "offset": "+14", "attempts": attempts}
    assert text("letter.abandoned", params, "pl").endswith(polish)
    english = text("letter.abandoned", params, "en")
    assert english.endswith(f"{attempts} failed attempt" + ("" if attempts == 1 else "s"))


@pytest.mark.parametrize(("addresses", "word"), [(2, "adresy"), (5, "adresów"), (22, "adresy")])
def test_a_letter_to_a_client_with_many_addresses_says_how_many_in_correct_polish(addresses, word):
    params = {"stage": "Wezwanie", "offset": "+14", "recipients": ["a@b.pl"], "addresses": addresses, "capped": 2}
    assert f"kontrahent ma {addresses} {word};" in text("letter.sent", params, "pl")


def test_optional_parts_appear_only_when_given():
    closed = {"reason": "paid", "note": "", "currency": "PLN", "paid_on": "2026-11-30", "overpaid": 1500}
    assert text("case.closed", closed, "pl") == "Zamknięto: opłacona, zapłacono 30.11.2026; nadpłata 15,00 zł"
    assert text("case.closed", {"reason": "manual", "note": "ugoda"}, "en") == "Closed: closed by hand (ugoda)"


@pytest.mark.django_db
def test_writers_store_a_code_and_the_polish_message_and_readers_get_their_language(stages, kowalski):
    case = make_case(client=kowalski)
    case_pause(case=case, until=date(2026, 12, 31), reason="dispute", note="")
    event = case.events.get(kind=CaseEvent.Kind.PAUSED)
    assert event.code == "case.paused"
    assert event.params == {"until": "2026-12-31", "reason": "dispute", "note": ""}
    assert event.message == "Wstrzymano do 31.12.2026: spór"
    with translation.override("en"):
        assert event.text == "Paused until 31.12.2026: dispute"


@pytest.mark.django_db
def test_a_kind_without_a_code_keeps_a_plain_message_and_older_rows_show_as_written(stages, kowalski):
    case = make_case(client=kowalski)
    event = case_event_add(case=case, kind=CaseEvent.Kind.NOTE, message="Klient prosi o kontakt", now=timezone.now())
    assert (event.code, event.text) == ("", "Klient prosi o kontakt")
    older = case.events.get(kind=CaseEvent.Kind.OPENED)  # written before codes (plain message)
    with translation.override("en"):
        assert older.text == older.message
    with pytest.raises(ValueError, match="Unknown timeline code"):
        case_event_add(case=case, kind=CaseEvent.Kind.NOTE, code="no.such.code", now=timezone.now())
