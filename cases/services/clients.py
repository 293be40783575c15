"""Clients from InFakt: the NIP and e-mail field read as InFakt gives them, and the client rows."""

from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from infakt.types import ClientRecord, InvoiceRecord

from ..models import Client, Invoice


def normalize_nip(raw: str) -> str:
    """Digits of a Polish NIP ("PL 526-104-08-28" -> "5261040828"); other VAT ids upper-cased, no separators."""
    compact = re.sub(r"[^0-9A-Za-z]", "", raw or "").upper()
    if compact.startswith("PL") and compact[2:].isdigit():
        return compact[2:]
    return compact


def is_valid_polish_nip(nip: str) -> bool:
    if not re.fullmatch(r"\d{10}", nip):
        return False
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    checksum = sum(int(d) * w for d, w in zip(nip, weights, strict=False)) % 11
    return checksum != 10 and checksum == int(nip[9])


def split_emails(raw: str) -> tuple[list[str], list[str]]:
    """Split InFakt's e-mail field (comma/semicolon/whitespace separated) into (valid, invalid)."""
    valid: list[str] = []
    invalid: list[str] = []
    for part in re.split(r"[,;\s]+", raw or ""):
        address = part.strip().strip("<>")
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            if address not in invalid:
                invalid.append(address)
        else:
            if address.lower() not in (v.lower() for v in valid):
                valid.append(address)
    return valid, invalid


def client_upsert_from_infakt(*, record: ClientRecord, now: datetime) -> Client:
    emails, invalid = split_emails(record.email)
    values = {
        "company_name": record.company_name,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "business_activity_kind": record.business_activity_kind,
        "nip": record.nip,
        "nip_normalized": normalize_nip(record.nip),
        "email_raw": record.email,
        "emails": emails,
        "invalid_emails": invalid,
        "has_usable_email": bool(emails),
        "phone": record.phone_number,
        "street": record.street,
        "street_number": record.street_number,
        "flat_number": record.flat_number,
        "postal_code": record.postal_code,
        "city": record.city,
        "country": (record.country or "")[:2].upper(),
        "fetched_at": now,
        "raw": record.raw,
    }
    client, _created = Client.objects.update_or_create(infakt_id=record.id, defaults=values)
    invoice_client_sort_name_refresh(client=client)
    return client


def invoice_client_sort_name_refresh(*, client: Client) -> int:
    """Copy the client's name onto its invoices whose sort key differs (one bulk UPDATE; usually no row).

    The lists sort by client through `Invoice.client_sort_name`; a sync that renames a client calls this."""
    name = client.name
    return Invoice.objects.filter(client=client).exclude(client_sort_name=name).update(client_sort_name=name)


def client_placeholder(*, infakt_id: int, record: InvoiceRecord) -> Client:
    """A client known only from an invoice's buyer snapshot, until its record is fetched."""
    client, _created = Client.objects.get_or_create(
        infakt_id=infakt_id,
        defaults={
            "company_name": record.client_company_name,
            "first_name": record.client_first_name,
            "last_name": record.client_last_name,
            "nip": record.client_tax_code,
            "nip_normalized": normalize_nip(record.client_tax_code),
            "street": record.client_street,
            "street_number": record.client_street_number,
            "flat_number": record.client_flat_number,
            "postal_code": record.client_post_code,
            "city": record.client_city,
            "country": (record.client_country or "")[:2].upper(),
        },
    )
    return client
