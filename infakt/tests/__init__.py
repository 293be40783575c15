"""Tests for the inFakt client, plus the small builders they share (no Django, no network)."""

from __future__ import annotations

from typing import Any

API_KEY = "sk-test-SECRET-4f1c9e"
BASE_URL = "https://infakt.test/api/v3"


class FakeClock:
    """A monotonic clock that only moves when `sleep` is called; records every sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def invoice_entity(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A realistic invoice list entity (unpaid, 123.00 PLN); `n` varies the identifiers."""
    entity: dict[str, Any] = {
        "id": n,
        "uuid": f"5f0c2a9e-0000-4000-8000-{n:012d}",
        "number": f"{n}/11/2026",
        "kind": "vat",
        "status": "sent",
        "invoice_date": "2026-11-01",
        "sale_date": "2026-11-01",
        "payment_date": "2026-11-15",
        "paid_date": None,
        "net_price": 10000,
        "tax_price": 2300,
        "gross_price": 12300,
        "paid_price": 0,
        "left_to_pay": 12300,
        "currency": "PLN",
        "payment_method": "transfer",
        "bank_account": "61 1090 1014 0000 0712 1981 2874",
        "client_id": 7,
        "client_uuid": "c-7",
        "client_company_name": "Acme sp. z o.o.",
        "client_first_name": None,
        "client_last_name": None,
        "client_tax_code": "PL526-896-93-61",
        "client_street": "Prosta",
        "client_street_number": "20",
        "client_flat_number": "",
        "client_city": "Warszawa",
        "client_post_code": "00-850",
        "client_country": "PL",
        "notes": "",
    }
    entity.update(overrides)
    return entity


def client_entity(n: int = 7, **overrides: Any) -> dict[str, Any]:
    """A client entity as recorded from the API: empty values are "" and names of companies null."""
    entity: dict[str, Any] = {
        "id": n,
        "company_name": "Acme sp. z o.o.",
        "first_name": None,
        "last_name": None,
        "business_activity_kind": "other_business",
        "nip": "5268969361",
        "email": "ksiegowosc@acme.pl, szef@acme.pl",
        "phone_number": "",
        "street": "Prosta",
        "street_number": "20",
        "flat_number": "",
        "postal_code": "00-850",
        "city": "Warszawa",
        "country": "PL",
        "days_to_payment": "",
    }
    entity.update(overrides)
    return entity


def list_body(entities: list[Any], *, total_count: int | None, offset: int = 0, limit: int = 100) -> dict[str, Any]:
    """A list envelope; `next` is present even past the end, as the live API does."""
    metainfo: dict[str, Any] = {
        "count": len(entities),
        "next": f"{BASE_URL}/x.json?offset={offset + limit}&limit={limit}",
        "previous": f"{BASE_URL}/x.json?offset={max(offset - limit, 0)}&limit={limit}",
    }
    if total_count is not None:
        metainfo["total_count"] = total_count
    return {"metainfo": metainfo, "entities": entities}
