from __future__ import annotations

from datetime import date

import pytest

from infakt.tests import client_entity, invoice_entity
from infakt.types import ClientRecord, RecordError, SkippedRecord, parse_client, parse_invoice


def test_it_parses_a_full_invoice_entity() -> None:
    entity = invoice_entity(1)

    record = parse_invoice(entity)

    assert record.id == 1
    assert record.uuid == entity["uuid"]
    assert record.number == "1/11/2026"
    assert (record.kind, record.status) == ("vat", "sent")
    assert record.invoice_date == date(2026, 11, 1)
    assert record.payment_date == date(2026, 11, 15)
    assert record.paid_date is None
    assert (record.net_price, record.tax_price, record.gross_price) == (10000, 2300, 12300)
    assert (record.paid_price, record.left_to_pay) == (0, 12300)
    assert record.currency == "PLN"
    assert record.client_id == 7
    assert record.client_first_name == ""
    assert record.client_tax_code == "PL526-896-93-61"
    assert record.raw is entity
    assert not record.is_fully_paid


def test_it_derives_left_to_pay_when_missing_or_null() -> None:
    partial = invoice_entity(paid_price=2300)
    del partial["left_to_pay"]

    assert parse_invoice(partial).left_to_pay == 10000
    assert parse_invoice(invoice_entity(paid_price=300, left_to_pay=None)).left_to_pay == 12000


def test_it_treats_null_paid_price_as_zero() -> None:
    assert parse_invoice(invoice_entity(paid_price=None)).paid_price == 0


def test_it_accepts_a_partial_fields_response() -> None:
    entity = {
        "id": 5, "uuid": "u-5", "number": "5/11/2026", "status": "printed", "gross_price": 5000,
        "paid_price": 0, "client_id": 7, "payment_date": "2026-11-20", "invoice_date": "2026-11-06",
        "payment_method": "transfer", "currency": "", "paid_date": "",
    }  # fmt: skip

    record = parse_invoice(entity)

    assert (record.kind, record.client_company_name, record.bank_account) == ("", "", "")
    assert (record.net_price, record.left_to_pay) == (0, 5000)
    assert record.currency == "PLN"
    assert record.paid_date is None


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"status": "paid", "paid_price": 12300, "left_to_pay": 0}, True),
        ({"status": "sent", "paid_price": 12300, "left_to_pay": 0}, True),
        ({"status": "sent", "paid_price": 2300, "left_to_pay": 10000}, False),
    ],
)
def test_it_knows_when_an_invoice_is_fully_paid(overrides: dict[str, object], expected: bool) -> None:
    assert parse_invoice(invoice_entity(**overrides)).is_fully_paid is expected


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"gross_price": "12.50"}, "gross_price: expected integer grosze, got str '12.50'"),
        ({"gross_price": 123.0}, "gross_price: expected integer grosze, got float 123.0"),
        ({"gross_price": None}, "gross_price: expected integer grosze, got null"),
        ({"paid_price": True}, "paid_price: expected integer grosze, got bool True"),
        ({"left_to_pay": "0"}, "left_to_pay: expected integer grosze, got str '0'"),
        ({"id": "101"}, "id: expected integer, got str '101'"),
        ({"id": True}, "id: expected integer, got bool True"),
        ({"uuid": ""}, "uuid: expected non-empty string"),
        ({"invoice_date": "2026-13-01"}, "invoice_date: expected a valid calendar date, got str '2026-13-01'"),
        ({"payment_date": "15.11.2026"}, "payment_date: expected date YYYY-MM-DD, got str '15.11.2026'"),
        ({"payment_date": 20261115}, "payment_date: expected date YYYY-MM-DD, got int 20261115"),
        ({"status": "overdue"}, "status: unknown value 'overdue'"),
        ({"client_id": "7"}, "client_id: expected integer or null, got str '7'"),
        ({"client_city": 5}, "client_city: expected string, got int 5"),
        ({"gross_price": -100}, "gross_price: negative amount -100"),
        ({"left_to_pay": -1}, "left_to_pay: negative amount -1"),
    ],
)
def test_it_rejects_a_malformed_invoice_with_a_clear_reason(overrides: dict[str, object], reason: str) -> None:
    with pytest.raises(RecordError) as excinfo:
        parse_invoice(invoice_entity(**overrides))

    assert excinfo.value.reason.startswith(reason)


@pytest.mark.parametrize("name", ["id", "uuid", "number", "status", "gross_price"])
def test_it_requires_the_identity_and_amount_fields(name: str) -> None:
    entity = invoice_entity()
    del entity[name]

    with pytest.raises(RecordError, match=f"^{name}: missing$"):
        parse_invoice(entity)


def test_it_rejects_an_entity_that_is_not_an_object() -> None:
    with pytest.raises(RecordError, match="entity: expected JSON object, got list"):
        parse_invoice([1, 2])


def test_it_shortens_long_bad_values_in_the_reason() -> None:
    with pytest.raises(RecordError) as excinfo:
        parse_invoice(invoice_entity(gross_price="9" * 500))

    assert len(excinfo.value.reason) < 120


def test_a_skipped_record_reports_whatever_identifier_it_can_read() -> None:
    error = RecordError("id: missing")

    assert SkippedRecord.from_error("invoice", {"uuid": "u-1", "id": 1}, error).record_id == "u-1"
    assert SkippedRecord.from_error("invoice", {"id": "x", "number": "3/11/2026"}, error).record_id == "x"
    assert SkippedRecord.from_error("client", {"id": 9}, error).record_id == "9"
    assert SkippedRecord.from_error("client", "garbage", error).record_id is None


def test_it_parses_a_client_and_keeps_the_raw_email_string() -> None:
    client = parse_client(client_entity())

    assert client == ClientRecord(
        id=7,
        company_name="Acme sp. z o.o.",
        business_activity_kind="other_business",
        nip="5268969361",
        email="ksiegowosc@acme.pl, szef@acme.pl",
        street="Prosta",
        street_number="20",
        postal_code="00-850",
        city="Warszawa",
        country="PL",
    )
    assert client.display_name == "Acme sp. z o.o."


def test_a_private_person_is_displayed_by_name() -> None:
    client = parse_client(client_entity(company_name=None, first_name="Jan", last_name="Kowalski", nip="", email=None))

    assert client.display_name == "Jan Kowalski"
    assert (client.company_name, client.nip, client.email) == ("", "", "")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [({"id": None}, "id: expected integer, got null"), ({"email": ["a@x.pl"]}, "email: expected string")],
)
def test_it_rejects_a_malformed_client(overrides: dict[str, object], reason: str) -> None:
    with pytest.raises(RecordError) as excinfo:
        parse_client(client_entity(**overrides))

    assert excinfo.value.reason.startswith(reason)
