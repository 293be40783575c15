"""Frozen records parsed strictly from inFakt API v3 JSON entities.

Money is integer grosze (minor units of `currency`) end to end; a float or a string amount is
rejected rather than guessed at. Dates are `YYYY-MM-DD` strings or null/"". Text fields map
null, "" and a key left out by a partial `fields=` request to "".

Reference: https://github.com/infakt/API (invoice and client definitions)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

INVOICE_STATUSES = ("draft", "sent", "printed", "paid")
DEFAULT_CURRENCY = "PLN"

# Every list endpoint that holds receivables, with the `kind` its documents carry when the payload
# leaves it out. /invoices.json holds VAT invoices and proformas (the payload says which).
# Reference: https://github.com/infakt/API and the official Postman examples (infakt-examples/SOURCES.md)
INVOICES = "invoices"
CORRECTIVE_INVOICES = "corrective_invoices"
FINAL_INVOICES = "final_invoices"
ADVANCE_INVOICES = "advance_invoices"
MARGIN_INVOICES = "margin_invoices"
OSS_INVOICES = "oss_invoices"
ENDPOINT_KINDS: dict[str, str] = {
    INVOICES: "vat",
    CORRECTIVE_INVOICES: "correction",
    FINAL_INVOICES: "final",
    ADVANCE_INVOICES: "advance",
    MARGIN_INVOICES: "margin",
    OSS_INVOICES: "oss",
}
RECEIVABLE_ENDPOINTS = tuple(ENDPOINT_KINDS)
CORRECTION_KIND = "correction"


def endpoint_for_kind(kind: str) -> str:
    """The list endpoint a document of `kind` lives on (proformas and unknown kinds: /invoices.json)."""
    for endpoint, endpoint_kind in ENDPOINT_KINDS.items():
        if endpoint_kind == kind and endpoint != INVOICES:
            return endpoint
    return INVOICES


_DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
_MISSING: Any = object()
_MAX_VALUE_REPR = 60


class RecordError(ValueError):
    """An entity that cannot be parsed; `reason` names the field and the offending value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class InvoiceRecord:
    id: int
    uuid: str
    number: str
    kind: str = ""
    status: str
    invoice_date: date | None = None
    sale_date: date | None = None
    payment_date: date | None = None  # the DUE date, not the date of payment
    paid_date: date | None = None
    net_price: int = 0
    tax_price: int = 0
    gross_price: int
    paid_price: int = 0
    left_to_pay: int
    currency: str = DEFAULT_CURRENCY
    payment_method: str = ""
    bank_account: str = ""
    client_id: int | None = None
    client_company_name: str = ""
    client_first_name: str = ""
    client_last_name: str = ""
    client_tax_code: str = ""
    client_street: str = ""
    client_street_number: str = ""
    client_flat_number: str = ""
    client_city: str = ""
    client_post_code: str = ""
    client_country: str = ""
    client_business_activity_kind: str = ""
    # Corrections only: the original as the payload names it (a number, or in one official example
    # an integer id as a string), and its id/uuid when the payload carries them (not seen so far).
    corrected_invoice_number: str = ""
    corrected_invoice_date: date | None = None
    corrected_invoice_id: int | None = None
    corrected_invoice_uuid: str = ""
    correction_reason: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_fully_paid(self) -> bool:
        """Status `paid` wins over the amounts (an official correction is `paid` with left_to_pay = gross)."""
        return self.status == "paid" or self.left_to_pay <= 0

    @property
    def is_correction(self) -> bool:
        return self.kind == CORRECTION_KIND

    @property
    def overpaid(self) -> int:
        """Grosze paid beyond the gross (0 when none); such an invoice is simply paid."""
        return max(self.paid_price - self.gross_price, 0) if self.gross_price >= 0 else 0


@dataclass(frozen=True, kw_only=True)
class ClientRecord:
    id: int
    company_name: str = ""
    first_name: str = ""
    last_name: str = ""
    business_activity_kind: str = ""
    nip: str = ""
    email: str = ""  # as given; may hold several comma-separated addresses
    phone_number: str = ""
    street: str = ""
    street_number: str = ""
    flat_number: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def display_name(self) -> str:
        return self.company_name or f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class SkippedRecord:
    """An entity a list page carried but that could not be parsed."""

    kind: Literal["invoice", "client"]
    record_id: str | None
    reason: str
    raw: object = field(repr=False, compare=False)

    @classmethod
    def from_error(cls, kind: Literal["invoice", "client"], raw: object, error: RecordError) -> SkippedRecord:
        return cls(kind=kind, record_id=_readable_id(raw), reason=error.reason, raw=raw)


def parse_invoice(data: object, *, default_kind: str = "") -> InvoiceRecord:
    """Parse one document entity; raise RecordError naming the first bad field.

    `default_kind` is the kind of the endpoint it came from, used when the payload has none.
    Amounts of a correction are signed (its gross is the change); every other kind must be
    non-negative. An overpaid document (paid_price above the gross) is valid: it is paid.
    """
    entity = _object(data)
    record_id = _integer(entity, "id")
    uuid = _uuid(entity)
    number = _required_text(entity, "number")
    status = _required_text(entity, "status")
    if status not in INVOICE_STATUSES:
        raise RecordError(f"status: unknown value {status!r} (expected one of {', '.join(INVOICE_STATUSES)})")
    kind = _text(entity, "kind") or default_kind
    gross_price = _money(entity, "gross_price")
    paid_price = _money(entity, "paid_price", default=0)
    left_to_pay = _money(entity, "left_to_pay", default=gross_price - paid_price)
    if kind != CORRECTION_KIND:
        _check_amounts(gross_price, paid_price, left_to_pay)
    return InvoiceRecord(
        id=record_id,
        uuid=uuid,
        number=number,
        kind=kind,
        status=status,
        invoice_date=_date(entity, "invoice_date"),
        sale_date=_date(entity, "sale_date"),
        payment_date=_date(entity, "payment_date"),
        paid_date=_date(entity, "paid_date"),
        net_price=_money(entity, "net_price", default=0),
        tax_price=_money(entity, "tax_price", default=0),
        gross_price=gross_price,
        paid_price=paid_price,
        left_to_pay=left_to_pay,
        currency=_text(entity, "currency") or DEFAULT_CURRENCY,
        payment_method=_text(entity, "payment_method"),
        bank_account=_text(entity, "bank_account"),
        client_id=_optional_integer(entity, "client_id"),
        **_texts(
            entity,
            "company_name",
            "first_name",
            "last_name",
            "tax_code",
            "street",
            "street_number",
            "flat_number",
            "city",
            "post_code",
            "country",
            "business_activity_kind",
            prefix="client_",
        ),
        corrected_invoice_number=_text_or_number(entity, "corrected_invoice_number"),
        corrected_invoice_date=_date(entity, "corrected_invoice_date"),
        corrected_invoice_id=_optional_integer(entity, "corrected_invoice_id"),
        corrected_invoice_uuid=_text(entity, "corrected_invoice_uuid"),
        correction_reason=_text(entity, "correction_reason"),
        raw=entity,
    )


def parse_client(data: object) -> ClientRecord:
    """Parse one client entity; raise RecordError naming the first bad field."""
    entity = _object(data)
    return ClientRecord(
        id=_integer(entity, "id"),
        **_texts(
            entity,
            "company_name",
            "first_name",
            "last_name",
            "business_activity_kind",
            "nip",
            "email",
            "phone_number",
            "street",
            "street_number",
            "flat_number",
            "postal_code",
            "city",
            "country",
        ),
        raw=entity,
    )


def _check_amounts(gross_price: int, paid_price: int, left_to_pay: int) -> None:
    """Originals only: no negative amounts, except a negative left_to_pay on an overpaid document."""
    if gross_price < 0:
        raise RecordError(f"gross_price: negative amount {gross_price} (only a correction may be negative)")
    if paid_price < 0:
        raise RecordError(f"paid_price: negative amount {paid_price}")
    if left_to_pay < 0 and paid_price <= gross_price:
        raise RecordError(f"left_to_pay: negative amount {left_to_pay}")


def _texts(entity: Mapping[str, Any], *names: str, prefix: str = "") -> dict[str, str]:
    """`_text` of the fields `prefix` + each of `names`, in that order (the first bad one raises), by field name."""
    return {prefix + name: _text(entity, prefix + name) for name in names}


def _object(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RecordError(f"entity: expected JSON object, got {_describe(data)}")
    return data


def _describe(value: object) -> str:
    if value is None:
        return "null"
    text = repr(value)
    if len(text) > _MAX_VALUE_REPR:
        text = text[: _MAX_VALUE_REPR - 3] + "..."
    return f"{type(value).__name__} {text}"


def _invalid(name: str, expected: str, value: object) -> RecordError:
    return RecordError(f"{name}: expected {expected}, got {_describe(value)}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _required(entity: Mapping[str, Any], name: str) -> Any:
    value = entity.get(name, _MISSING)
    if value is _MISSING:
        raise RecordError(f"{name}: missing")
    return value


def _integer(entity: Mapping[str, Any], name: str) -> int:
    value = _required(entity, name)
    if not _is_int(value):
        raise _invalid(name, "integer", value)
    return int(value)


def _optional_integer(entity: Mapping[str, Any], name: str) -> int | None:
    value = entity.get(name)
    if value is None:
        return None
    if not _is_int(value):
        raise _invalid(name, "integer or null", value)
    return int(value)


def _money(entity: Mapping[str, Any], name: str, *, default: int | None = None) -> int:
    """Integer grosze; null or absent gives `default`, or an error when there is none."""
    if default is not None and entity.get(name) is None:
        return default
    value = _required(entity, name)
    if not _is_int(value):
        raise _invalid(name, "integer grosze", value)
    return int(value)


def _text(entity: Mapping[str, Any], name: str) -> str:
    value = entity.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(name, "string", value)
    return value


def _text_or_number(entity: Mapping[str, Any], name: str) -> str:
    """Text, or an integer given where text was expected (kept as its digits)."""
    value = entity.get(name)
    if _is_int(value):
        return str(value)
    return _text(entity, name)


def _required_text(entity: Mapping[str, Any], name: str) -> str:
    value = _required(entity, name)
    if not isinstance(value, str):
        raise _invalid(name, "string", value)
    return value


def _uuid(entity: Mapping[str, Any]) -> str:
    value = _required_text(entity, "uuid")
    if not value.strip():
        raise RecordError("uuid: expected non-empty string, got ''")
    return value


def _date(entity: Mapping[str, Any], name: str) -> date | None:
    value = entity.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _DATE_PATTERN.fullmatch(value):
        raise _invalid(name, "date YYYY-MM-DD", value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _invalid(name, "a valid calendar date", value) from None


def _readable_id(raw: object) -> str | None:
    """Best-effort identifier of a bad entity, for the skip report."""
    if not isinstance(raw, dict):
        return None
    for name in ("uuid", "id", "number"):
        value = raw.get(name)
        if (isinstance(value, str) and value) or _is_int(value):
            return str(value)
    return None
