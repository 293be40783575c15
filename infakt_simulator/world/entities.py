"""How a new client and a new invoice look: every key of the official examples (see
/work/shared/infakt-examples/), with realistic values, before the caller's fields override them.
The invoice carries a snapshot of its buyer and one line of services; prices are consistent at 23% VAT.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from .model import WARSAW, Entity, iso_or_none, vat_split_from_gross, vat_split_from_net

# Client fields copied onto an invoice as the buyer snapshot.
_CLIENT_SNAPSHOT = {
    "client_company_name": "company_name",
    "client_first_name": "first_name",
    "client_last_name": "last_name",
    "client_business_activity_kind": "business_activity_kind",
    "client_street": "street",
    "client_street_number": "street_number",
    "client_flat_number": "flat_number",
    "client_city": "city",
    "client_post_code": "postal_code",
    "client_country": "country",
    "client_tax_code": "nip",
}


def new_client(client_id: Any) -> Entity:
    """A client's defaults: a Warsaw company paying by transfer."""
    return {
        "id": client_id,
        "company_name": f"Klient {client_id} sp. z o.o.",
        "first_name": None,
        "last_name": None,
        "business_activity_kind": "other_business",
        "nip": "",
        "street": "ul. Marszałkowska",
        "street_number": "1",
        "flat_number": "",
        "city": "Warszawa",
        "postal_code": "00-001",
        "country": "PL",
        "email": f"biuro@klient{client_id}.pl",
        "phone_number": "",
        "web_site": "",
        "payment_method": "transfer",
        "days_to_payment": "",
        "receiver": "",
        "invoice_note": "",
        "note": "",
        "same_forward_address": True,
        "mailing_company_name": "",
        "mailing_street": "",
        "mailing_city": "",
        "mailing_postal_code": "",
    }


def new_invoice(
    *,
    invoice_id: Any,
    uuid: str,
    number: str,
    client: Entity,
    status: Any,
    invoice_date: date,
    sale_date: date,
    payment_date: date,
    paid_date: Any,
    net: int,
    tax: int,
    gross: int,
    paid_price: Any,
    bank_name: str,
    bank_account: str,
) -> Entity:
    """A VAT invoice of `client` with the given numbers and dates; the other keys as the official examples show them."""
    return {
        "id": invoice_id,
        "uuid": uuid,
        "number": number,
        "kind": "vat",
        "status": status,
        "invoice_date": invoice_date.isoformat(),
        "sale_date": sale_date.isoformat(),
        "payment_date": payment_date.isoformat(),
        "paid_date": iso_or_none(paid_date),
        "net_price": net,
        "tax_price": tax,
        "gross_price": gross,
        "paid_price": paid_price,
        "left_to_pay": gross - paid_price if isinstance(paid_price, int) else gross,
        "currency": "PLN",
        "payment_method": client.get("payment_method") or "transfer",
        "bank_name": bank_name,
        "bank_account": bank_account,
        "client_id": client["id"],
        **{key: client.get(source) for key, source in _CLIENT_SNAPSHOT.items()},
        "notes": "",
        "created_at": _created_at(invoice_date, invoice_id),
        "split_payment": False,
        "split_payment_type": None,
        "recipient_signature": "",
        "seller_signature": "Anna Kowalska",
        "continuous_service_start_on": None,
        "continuous_service_end_on": None,
        "swift": "",
        "vat_exemption_reason": None,
        "sale_type": "",
        "invoice_date_kind": "sale_date",
        "document_markings_ids": [],
        "transaction_kind_id": None,
        "bdo_code": None,
        "receipt_number": None,
        "not_income": False,
        "vat_exchange_date_kind": None,
        "services": [_service(invoice_id, net, tax, gross)],
    }


def _created_at(invoice_date: date, invoice_id: Any) -> str:
    """A deterministic office-hours timestamp on the issue day, with the Warsaw UTC offset."""
    spread = sum(ord(ch) * 7919 for ch in str(invoice_id)) % (9 * 3600)
    seconds = 8 * 3600 + spread
    moment = datetime.combine(invoice_date, time(), tzinfo=WARSAW) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="seconds")


def _service(invoice_id: Any, net: int, tax: int, gross: int) -> Entity:
    """One line of `services`, as the official examples show it."""
    return {
        "id": 2_600_000 + int(invoice_id) if isinstance(invoice_id, int) else 2_600_000,
        "name": "Usługi zgodnie z umową",
        "tax_symbol": "23",
        "unit": "usł.",
        "quantity": 1,
        "unit_net_price": net,
        "net_price": net,
        "gross_price": gross,
        "tax_price": tax,
        "symbol": "",
        "pkwiu": "",
        "cn": None,
        "pkob": None,
        "discount": "0.0",
        "unit_net_price_before_discount": net,
        "gtu_id": None,
    }


def prices_from(fields: dict[str, Any]) -> tuple[int, int, int]:
    """Consistent (net, tax, gross) from whichever of them were given (defaults: 1 000,00 zł net)."""
    net, tax, gross = fields.pop("net_price", None), fields.pop("tax_price", None), fields.pop("gross_price", None)
    if gross is not None and net is None:
        net, derived_tax = vat_split_from_gross(gross)
        tax = derived_tax if tax is None else tax
    elif net is not None:
        derived_tax, _ = vat_split_from_net(net)
        tax = derived_tax if tax is None else tax
        gross = net + tax if gross is None else gross
    else:
        net = 100_000
        tax, gross = vat_split_from_net(net)
    return net, tax, gross
