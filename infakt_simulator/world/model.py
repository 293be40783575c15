"""The simulated account's data model: what an entity is, which endpoint serves which kind of document, the
fields each resource has (and their types, for filters and ordering), the errors `World` raises, and the
dates and VAT arithmetic every other module of the world shares.

Documents of every receivable kind live in one store and are served by the endpoint of their
kind (`ENDPOINT_KINDS`): VAT invoices and proformas on /invoices.json, corrections on
/corrective_invoices.json, and so on. A correction's amounts are the signed change; it does not
touch its original's `left_to_pay` (whether InFakt does is undocumented). Entities carry every
key of the official examples (see /work/shared/infakt-examples/), with realistic values.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

Entity = dict[str, Any]
Resource = Literal["invoices", "clients"]
# Receivable list endpoints and the kinds of document each serves.
ENDPOINT_KINDS: dict[str, tuple[str, ...]] = {
    "invoices": ("vat", "proforma"),
    "corrective_invoices": ("correction",),
    "final_invoices": ("final",),
    "advance_invoices": ("advance",),
    "margin_invoices": ("margin",),
    "oss_invoices": ("oss",),
}


def endpoint_of(kind: object) -> str:
    """The endpoint that serves a document of `kind` (unknown kinds: /invoices.json)."""
    for endpoint, kinds in ENDPOINT_KINDS.items():
        if kind in kinds:
            return endpoint
    return "invoices"


PayerProfile = Literal["prompt", "late", "partial", "never"]

WARSAW = ZoneInfo("Europe/Warsaw")
PAYER_PROFILES: tuple[PayerProfile, ...] = ("prompt", "late", "partial", "never")
INVOICE_STATUSES = ("draft", "sent", "printed", "paid")
UNPAID_ISSUED_STATUSES = ("sent", "printed")
VAT_RATE_PERCENT = 23
DEFAULT_BANK_ACCOUNT = "61 1090 1014 0000 0712 1981 2874"

# Field name -> value type used by filters and ordering. Order of keys = order in JSON output.
INVOICE_FIELDS: dict[str, str] = {
    "id": "int",
    "uuid": "str",
    "number": "str",
    "kind": "str",
    "status": "str",
    "invoice_date": "date",
    "sale_date": "date",
    "payment_date": "date",
    "paid_date": "date",
    "net_price": "int",
    "tax_price": "int",
    "gross_price": "int",
    "paid_price": "int",
    "left_to_pay": "int",
    "currency": "str",
    "payment_method": "str",
    "bank_name": "str",
    "bank_account": "str",
    "client_id": "int",
    "client_company_name": "str",
    "client_first_name": "str",
    "client_last_name": "str",
    "client_business_activity_kind": "str",
    "client_street": "str",
    "client_street_number": "str",
    "client_flat_number": "str",
    "client_city": "str",
    "client_post_code": "str",
    "client_country": "str",
    "client_tax_code": "str",
    "notes": "str",
    "created_at": "datetime",
    # The other keys of the official examples (list and detail), values as the examples show them.
    "split_payment": "bool",
    "split_payment_type": "str",
    "recipient_signature": "str",
    "seller_signature": "str",
    "continuous_service_start_on": "date",
    "continuous_service_end_on": "date",
    "swift": "str",
    "vat_exemption_reason": "str",
    "sale_type": "str",
    "invoice_date_kind": "str",
    "document_markings_ids": "list",
    "transaction_kind_id": "int",
    "bdo_code": "str",
    "receipt_number": "str",
    "not_income": "bool",
    "vat_exchange_date_kind": "str",
    "services": "list",
}
# Keys only corrections carry (official corrective examples).
CORRECTION_FIELDS: dict[str, str] = {
    "corrected_invoice_number": "str",
    "corrected_invoice_date": "date",
    "confirmation": "bool",
    "confirmation_date": "str",
    "correction_reason": "str",
}

CLIENT_FIELDS: dict[str, str] = {
    "id": "int",
    "company_name": "str",
    "first_name": "str",
    "last_name": "str",
    "business_activity_kind": "str",
    "nip": "str",
    "street": "str",
    "street_number": "str",
    "flat_number": "str",
    "city": "str",
    "postal_code": "str",
    "country": "str",
    "email": "str",
    "phone_number": "str",
    "web_site": "str",
    "payment_method": "str",
    "days_to_payment": "int",
    "receiver": "str",
    "invoice_note": "str",
    "note": "str",
    "same_forward_address": "bool",
    "mailing_company_name": "str",
    "mailing_street": "str",
    "mailing_city": "str",
    "mailing_postal_code": "str",
}


class SimulatorError(Exception):
    """An error with an HTTP status, raised by `World` and mapped 1:1 to a JSON error response."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(SimulatorError):
    status = 404


class InvalidQueryError(SimulatorError):
    status = 400


class ConflictError(SimulatorError):
    status = 409


def clean_nip(value: Any) -> str:
    """Digits of a NIP as entered (drops a country prefix, spaces and dashes)."""
    return re.sub(r"\D", "", str(value or ""))


def vat_split_from_net(net: int) -> tuple[int, int]:
    """(tax, gross) for a net amount at 23% VAT, rounded half up to whole grosze."""
    tax = (net * VAT_RATE_PERCENT + 50) // 100
    return tax, net + tax


def vat_split_from_gross(gross: int) -> tuple[int, int]:
    """(net, tax) for a gross amount at 23% VAT, rounded half up to whole grosze."""
    net = (gross * 100 * 2 + (100 + VAT_RATE_PERCENT)) // (2 * (100 + VAT_RATE_PERCENT))
    return net, gross - net


def parse_date(value: str) -> date:
    return date.fromisoformat(value.strip())


def parse_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=WARSAW)


def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except ValueError:
        return None


def iso_or_none(value: Any) -> str | None:
    parsed = as_date(value)
    return parsed.isoformat() if parsed else None
