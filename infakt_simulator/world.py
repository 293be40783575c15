"""In-memory state of the simulated inFakt account: clients, invoices and the simulated "today".

`World` is the single source of truth for the HTTP layer (`server.py`) and for tests that
prefer to manipulate state directly. Every public method takes the world's lock, so the
threaded HTTP server and a test thread can use one instance concurrently. Entities are plain
JSON-ready dicts; callers always receive copies.

Payment semantics (simulator assumptions, see docs in /work/shared/infakt-api.md section 8):

* a full payment sets ``status="paid"``, ``paid_date``, ``paid_price = gross_price`` and
  ``left_to_pay = 0``;
* a partial payment only raises ``paid_price`` and lowers ``left_to_pay``; ``status`` and
  ``paid_date`` (null) stay unchanged. The real API's behaviour here is unknown.

Documents of every receivable kind live in one store and are served by the endpoint of their
kind (`ENDPOINT_KINDS`): VAT invoices and proformas on /invoices.json, corrections on
/corrective_invoices.json, and so on. A correction's amounts are the signed change; it does not
touch its original's `left_to_pay` (whether InFakt does is undocumented). Entities carry every
key of the official examples (see /work/shared/infakt-examples/), with realistic values.
"""

from __future__ import annotations

import random
import re
import threading
import uuid as uuid_lib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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

# Ransack-style list-only helper fields: name -> (type, function computing the value).
_VIRTUAL_INVOICE_FIELDS = {"clean_client_nip"}

# Longest suffixes first so "_lteq" wins over "_eq"-like endings.
PREDICATES = ("lteq", "gteq", "null", "cont", "eq", "lt", "gt")

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


def _required(table: dict[Any, Entity], key: Any, what: str) -> Entity:
    """The entity under `key` itself (callers hold the lock), or NotFoundError."""
    entity = table.get(key)
    if entity is None:
        raise NotFoundError(f"{what} {key} not found")
    return entity


@dataclass(frozen=True)
class QueryResult:
    total_count: int
    entities: list[Entity]


@dataclass(frozen=True)
class Payment:
    uuid: str
    amount: int
    on: date
    full: bool

    def as_dict(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "amount": self.amount, "date": self.on.isoformat(), "full": self.full}


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


def _parse_date(value: str) -> date:
    return date.fromisoformat(value.strip())


def _parse_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=WARSAW)


def _as_bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in {"true", "1", "t", "yes"}:
        return True
    if lowered in {"false", "0", "f", "no"}:
        return False
    return None


def _coerce_entity_value(value: Any, kind: str) -> Any:
    """The comparable form of a stored value, or None when it is missing or malformed."""
    if value is None or value == "":
        return None
    try:
        if kind == "int":
            return value if isinstance(value, int) and not isinstance(value, bool) else None
        if kind == "date":
            return value if isinstance(value, date) else _parse_date(str(value))
        if kind == "datetime":
            return _parse_datetime(str(value))
        if kind == "bool":
            return value if isinstance(value, bool) else None
    except ValueError:
        return None
    return str(value)


def _coerce_filter_value(field: str, value: str, kind: str) -> Any:
    """Parse a `q[...]` value for comparison; malformed dates and numbers answer 400."""
    try:
        if kind == "int":
            return int(value.strip())
        if kind == "date":
            return _parse_date(value)
        if kind == "datetime":
            return _parse_datetime(value)
        if kind == "bool":
            parsed = _as_bool(value)
            if parsed is None:
                raise ValueError(value)
            return parsed
    except ValueError:
        raise InvalidQueryError(f"Invalid value {value!r} for {field}") from None
    return value


def _compare_datetime_with(entity_value: datetime, filter_value: Any) -> tuple[Any, Any]:
    """Allow `q[created_at_gteq]=2024-05-01`: a plain date compares with the local date part."""
    if isinstance(filter_value, datetime):
        return entity_value, filter_value
    return entity_value.astimezone(WARSAW).date(), filter_value


def _matches(entity_value: Any, kind: str, predicate: str, raw: str, field: str) -> bool:
    if predicate == "null":
        wanted = _as_bool(raw)
        if wanted is None:  # Ransack ignores a null predicate it cannot read as a boolean
            return True
        return (entity_value is None) is wanted
    if predicate == "cont":
        return entity_value is not None and raw.lower() in str(entity_value).lower()
    target = _coerce_filter_value(field, raw, kind)
    current = _coerce_entity_value(entity_value, kind)
    if current is None:
        return False
    if kind == "datetime":
        current, target = _compare_datetime_with(current, target)
    elif kind == "str":
        current = str(entity_value)
    try:
        if predicate == "eq":
            return bool(current == target)
        if predicate == "lt":
            return bool(current < target)
        if predicate == "gt":
            return bool(current > target)
        if predicate == "lteq":
            return bool(current <= target)
        if predicate == "gteq":
            return bool(current >= target)
    except TypeError:
        return False
    return True


def split_filter_key(key: str) -> tuple[str, str] | None:
    """'payment_date_lteq' -> ('payment_date', 'lteq'); None when no known predicate ends it."""
    for predicate in PREDICATES:
        suffix = "_" + predicate
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)], predicate
    return None


def _sort_key(value: Any, kind: str) -> tuple[int, int, Any]:
    """NULLs sort last ascending (and first descending), as in PostgreSQL."""
    coerced = _coerce_entity_value(value, kind)
    if coerced is None:
        return (1, 0, 0)
    if isinstance(coerced, int | float):
        return (0, 0, coerced)
    if isinstance(coerced, datetime):
        return (0, 1, coerced.isoformat())
    if isinstance(coerced, date):
        return (0, 1, coerced.isoformat())
    return (0, 1, str(coerced))


def project(entity: Mapping[str, Any], fields: Sequence[str] | None) -> Entity:
    """Keep only the requested keys (unknown names are skipped, nested `a(b,c)` keeps key `a`)."""
    if fields is None:
        return dict(entity)
    wanted = [name.split("(", 1)[0].strip() for name in fields]
    return {name: entity[name] for name in wanted if name in entity}


class World:
    """Thread-safe store of one simulated inFakt account."""

    def __init__(
        self,
        *,
        today: date | None = None,
        seed: int = 0,
        bank_account: str = DEFAULT_BANK_ACCOUNT,
        bank_name: str = "mBank S.A.",
    ) -> None:
        self._lock = threading.RLock()
        self._today = today or datetime.now(WARSAW).date()
        self.seed = seed
        self.bank_account = bank_account
        self.bank_name = bank_name
        self._rng = random.Random(seed)
        self._clients: dict[int, Entity] = {}
        self._invoices: dict[str, Entity] = {}
        self._profiles: dict[int, PayerProfile] = {}
        self._plan_progress: dict[str, int] = {}
        self._next_client_id = 1
        self._next_invoice_id = 1

    # ----------------------------------------------------------------- basics

    @property
    def today(self) -> date:
        with self._lock:
            return self._today

    @today.setter
    def today(self, value: date) -> None:
        with self._lock:
            self._today = value

    def reset_from(self, other: World) -> None:
        """Replace this world's whole state with another's (keeps object identity for holders)."""
        with self._lock, other._lock:
            self.__dict__.update({k: v for k, v in other.__dict__.items() if k != "_lock"})

    def _new_uuid(self) -> str:
        return str(uuid_lib.UUID(int=self._rng.getrandbits(128), version=4))

    # ----------------------------------------------------------------- clients

    def add_client(self, *, payer_profile: PayerProfile | None = None, **fields: Any) -> Entity:
        """Create a client; given fields override the defaults. Returns a copy."""
        with self._lock:
            client_id = fields.pop("id", None) or self._next_client_id
            if client_id in self._clients:
                raise ConflictError(f"Client {client_id} already exists")
            self._next_client_id = max(self._next_client_id, int(client_id) + 1)
            client: Entity = {
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
            client.update(fields)
            self._clients[client_id] = client
            if payer_profile is not None:
                self.set_payer_profile(client_id, payer_profile)
            return dict(client)

    def update_client(self, client_id: int, **fields: Any) -> Entity:
        with self._lock:
            client = self._require_client(client_id)
            fields.pop("id", None)
            profile = fields.pop("payer_profile", None)
            client.update(fields)
            if profile is not None:
                self.set_payer_profile(client_id, profile)
            return dict(client)

    def get_client(self, client_id: int) -> Entity | None:
        return self._copy_of(self._clients, client_id)

    def _require_client(self, client_id: int) -> Entity:
        return _required(self._clients, client_id, "Client")

    def set_payer_profile(self, client_id: int, profile: PayerProfile) -> None:
        if profile not in PAYER_PROFILES:
            raise SimulatorError(f"Unknown payer profile {profile!r}; use one of {', '.join(PAYER_PROFILES)}")
        with self._lock:
            self._require_client(client_id)
            self._profiles[client_id] = profile

    def payer_profile(self, client_id: int) -> PayerProfile:
        """The client's seeded payment behaviour (explicitly set, else derived from seed and id)."""
        with self._lock:
            if client_id in self._profiles:
                return self._profiles[client_id]
            rng = random.Random(f"profile:{self.seed}:{client_id}")
            return rng.choices(PAYER_PROFILES, weights=(45, 35, 10, 10))[0]

    # ----------------------------------------------------------------- invoices

    def add_invoice(
        self, client_id: int | None = None, *, raw_overrides: Mapping[str, Any] | None = None, **fields: Any
    ) -> Entity:
        """Create an invoice; fields override generated defaults, `raw_overrides` are stored verbatim.

        Without `client_id` a client is created. Prices: give any of net/gross (23% VAT is derived);
        `paid_price`/`left_to_pay` follow from `status` unless given.
        """
        with self._lock:
            if client_id is None:
                client_id = self.add_client()["id"]
            client = self._require_client(client_id)
            invoice_id = fields.pop("id", None) or self._next_invoice_id
            self._next_invoice_id = max(self._next_invoice_id, int(invoice_id) + 1)
            invoice_date = _as_date(fields.pop("invoice_date", None)) or self._today
            days = client.get("days_to_payment")
            term = days if isinstance(days, int) and not isinstance(days, bool) else 14
            payment_date = _as_date(fields.pop("payment_date", None)) or invoice_date + timedelta(days=term)
            sale_date = _as_date(fields.pop("sale_date", None)) or invoice_date
            net, tax, gross = _prices(fields)
            status = fields.pop("status", "sent")
            paid_price = fields.pop("paid_price", gross if status == "paid" else 0)
            paid_date = fields.pop("paid_date", _ABSENT)
            if paid_date is _ABSENT:
                paid_date = max(invoice_date, min(self._today, payment_date)) if status == "paid" else None
            invoice: Entity = {
                "id": invoice_id,
                "uuid": fields.pop("uuid", None) or self._new_uuid(),
                "number": fields.pop("number", None) or self._next_number(invoice_date),
                "kind": "vat",
                "status": status,
                "invoice_date": invoice_date.isoformat(),
                "sale_date": sale_date.isoformat(),
                "payment_date": payment_date.isoformat(),
                "paid_date": _iso_or_none(paid_date),
                "net_price": net,
                "tax_price": tax,
                "gross_price": gross,
                "paid_price": paid_price,
                "left_to_pay": gross - paid_price if isinstance(paid_price, int) else gross,
                "currency": "PLN",
                "payment_method": client.get("payment_method") or "transfer",
                "bank_name": self.bank_name,
                "bank_account": self.bank_account,
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
            if invoice["uuid"] in self._invoices:
                raise ConflictError(f"Invoice {invoice['uuid']} already exists")
            invoice.update(_jsonable(fields))
            invoice.update(raw_overrides or {})
            self._invoices[invoice["uuid"]] = invoice
            return dict(invoice)

    def add_correction(
        self,
        original_uuid: str,
        *,
        gross_change: int,
        status: str = "sent",
        raw_overrides: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Entity:
        """A corrective invoice of `original_uuid` changing its gross by `gross_change` (signed grosze).

        Follows the official examples: `kind` "correction", `corrected_invoice_number` and
        `corrected_invoice_date`, signed net/tax/gross and `left_to_pay`; status "paid" with
        `paid_price` 0 and `left_to_pay` = gross reproduces the paid-correction quirk of the examples.
        """
        with self._lock:
            original = self._require_invoice(original_uuid)
            magnitude_net, _ = vat_split_from_gross(abs(gross_change))
            net = magnitude_net if gross_change >= 0 else -magnitude_net
            issued = _as_date(fields.pop("invoice_date", None)) or self._today
            number = fields.pop("number", None) or self._next_correction_number(issued)
            entity = self.add_invoice(
                original["client_id"],
                kind="correction",
                status=status,
                number=number,
                invoice_date=issued,
                payment_date=fields.pop("payment_date", None) or _as_date(original.get("payment_date")) or issued,
                net_price=net,
                tax_price=gross_change - net,
                gross_price=gross_change,
                paid_price=fields.pop("paid_price", 0),
                paid_date=fields.pop("paid_date", issued.isoformat() if status == "paid" else None),
                left_to_pay=fields.pop("left_to_pay", gross_change),
                corrected_invoice_number=original["number"],
                corrected_invoice_date=original.get("invoice_date"),
                confirmation=False,
                confirmation_date="",
                correction_reason=fields.pop("correction_reason", "Inne: np. zwrot, rabat"),
                raw_overrides=raw_overrides,
                **fields,
            )
            return entity

    def _next_correction_number(self, issued: date) -> str:
        return self._next_in_series(f"/KOR/{issued.month:02d}/{issued.year}")

    def _next_number(self, invoice_date: date) -> str:
        return self._next_in_series(f"/{invoice_date.month:02d}/{invoice_date.year}")

    def _next_in_series(self, suffix: str) -> str:
        """The next free number "N<suffix>" (numbers of a month, or of its corrections, count on their own)."""
        used = [inv["number"] for inv in self._invoices.values() if str(inv.get("number", "")).endswith(suffix)]
        highest = max((int(n.split("/", 1)[0]) for n in used if n.split("/", 1)[0].isdigit()), default=0)
        return f"{highest + 1}{suffix}"

    def get_invoice(self, uuid: str) -> Entity | None:
        return self._copy_of(self._invoices, uuid)

    def _require_invoice(self, uuid: str) -> Entity:
        return _required(self._invoices, uuid, "Invoice")

    def _copy_of(self, table: dict[Any, Entity], key: Any) -> Entity | None:
        """A copy of the entity under `key` (callers may change it freely), or None."""
        with self._lock:
            entity = table.get(key)
            return dict(entity) if entity is not None else None

    def update_invoice(self, uuid: str, **fields: Any) -> Entity:
        """Overwrite fields verbatim; `left_to_pay` follows gross/paid changes unless given."""
        with self._lock:
            invoice = self._require_invoice(uuid)
            fields.pop("uuid", None)
            invoice.update(_jsonable(fields))
            money_changed = {"gross_price", "paid_price"} & fields.keys()
            gross, paid = invoice.get("gross_price"), invoice.get("paid_price")
            if money_changed and "left_to_pay" not in fields and isinstance(gross, int) and isinstance(paid, int):
                invoice["left_to_pay"] = gross - paid
            return dict(invoice)

    def remove_invoice(self, uuid: str) -> Entity:
        with self._lock:
            invoice = self._require_invoice(uuid)
            del self._invoices[uuid]
            self._plan_progress.pop(uuid, None)
            return invoice

    def pay(self, uuid: str, amount: int | None = None, on: date | None = None) -> Entity:
        """Register a payment (None = the rest). Full payment -> `paid`; partial keeps status."""
        with self._lock:
            invoice = self._require_invoice(uuid)
            return dict(self._apply_payment(invoice, amount, on or self._today).invoice)

    def _apply_payment(self, invoice: Entity, amount: int | None, on: date) -> _PaymentOutcome:
        gross, paid = invoice.get("gross_price"), invoice.get("paid_price") or 0
        if not isinstance(gross, int) or not isinstance(paid, int):
            raise ConflictError(f"Invoice {invoice['uuid']} has non-integer amounts; cannot pay it")
        left = gross - paid
        if invoice.get("status") == "paid" or left <= 0:
            raise ConflictError(f"Invoice {invoice['uuid']} is already paid")
        if amount is None:
            amount = left
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise SimulatorError("amount must be a positive integer in grosze (or null for the rest)")
        if amount > left:
            raise SimulatorError(f"amount {amount} exceeds left_to_pay {left}")
        invoice["paid_price"] = paid + amount
        invoice["left_to_pay"] = left - amount
        full = invoice["left_to_pay"] == 0
        if full:
            invoice["status"] = "paid"
            invoice["paid_date"] = on.isoformat()
        return _PaymentOutcome(invoice, Payment(invoice["uuid"], amount, on, full))

    # ----------------------------------------------------------------- time

    def advance(self, days: int, auto_pay: bool = False) -> list[Payment]:
        """Move "today" forward day by day; with `auto_pay` clients pay per their seeded profile.

        A payment plan is derived from (seed, invoice uuid, client profile) only, so advancing
        10 days at once or 10 x 1 day yields the same payments; `paid_date` is the day the
        payment happened (overdue plan steps fire one per simulated day, starting with the first).
        """
        if days < 0:
            raise SimulatorError("days must be >= 0")
        payments: list[Payment] = []
        with self._lock:
            for _ in range(days):
                self._today += timedelta(days=1)
                if auto_pay:
                    payments.extend(self._run_payment_plans(self._today))
        return payments

    def _run_payment_plans(self, day: date) -> list[Payment]:
        done: list[Payment] = []
        for invoice in sorted(self._invoices.values(), key=lambda inv: _sort_key(inv.get("id"), "int")):
            if invoice.get("status") not in UNPAID_ISSUED_STATUSES:
                continue
            gross, paid = invoice.get("gross_price"), invoice.get("paid_price") or 0
            if not isinstance(gross, int) or not isinstance(paid, int) or gross - paid <= 0:
                continue
            plan = self.payment_plan(invoice["uuid"])
            step = self._plan_progress.get(invoice["uuid"], 0)
            if step < len(plan) and plan[step][0] <= day:  # at most one payment per invoice per day
                share = plan[step][1]
                left = invoice["gross_price"] - invoice["paid_price"]
                amount = left if share is None else max(1, min(left, gross * share // 100))
                done.append(self._apply_payment(invoice, amount, day).payment)
                step += 1
            self._plan_progress[invoice["uuid"]] = step
        return done

    def payment_plan(self, uuid: str) -> list[tuple[date, int | None]]:
        """Deterministic (date, percent of gross or None = the rest) steps for an invoice."""
        with self._lock:
            invoice = self._require_invoice(uuid)
            profile = self.payer_profile(invoice["client_id"])
            due = _as_date(invoice.get("payment_date")) or self._today
            issued = _as_date(invoice.get("invoice_date")) or due
            rng = random.Random(f"plan:{self.seed}:{uuid}")
            if profile == "prompt":
                if rng.random() < 0.9:
                    on = max(issued + timedelta(days=1), due - timedelta(days=rng.randint(0, 10)))
                else:
                    on = due + timedelta(days=rng.randint(1, 5))
                return [(on, None)]
            if profile == "late":
                first = due + timedelta(days=rng.randint(5, 45))
                if rng.random() < 0.25:
                    return [(first, rng.randint(30, 70)), (first + timedelta(days=rng.randint(15, 40)), None)]
                return [(first, None)]
            if profile == "partial":
                first = due + timedelta(days=rng.randint(0, 15))
                second = first + timedelta(days=rng.randint(10, 30))
                steps: list[tuple[date, int | None]] = [(first, rng.randint(20, 50)), (second, rng.randint(10, 30))]
                if rng.random() < 0.5:
                    steps.append((second + timedelta(days=rng.randint(20, 60)), None))
                return steps
            return []

    # ----------------------------------------------------------------- queries

    def query(
        self,
        resource: Resource,
        *,
        endpoint: str = "invoices",
        filters: Mapping[str, str] | None = None,
        order: str | None = None,
        offset: int = 0,
        limit: int = 10,
        fields: Sequence[str] | None = None,
    ) -> QueryResult:
        """Ransack-like filtering (`{"status_eq": "sent"}`), ordering, paging and projection.

        Unknown fields or predicates are ignored silently (Ransack's default); a malformed date
        or number for a typed field raises `InvalidQueryError` (HTTP 400).
        """
        with self._lock:
            schema = {**INVOICE_FIELDS, **CORRECTION_FIELDS} if resource == "invoices" else CLIENT_FIELDS
            if resource == "invoices":
                rows = [row for row in self._invoices.values() if endpoint_of(row.get("kind")) == endpoint]
            else:
                rows = list(self._clients.values())
            known = set(schema) | {key for row in rows for key in row}
            if resource == "invoices":
                known |= _VIRTUAL_INVOICE_FIELDS
            for key, raw in (filters or {}).items():
                parsed = split_filter_key(key)
                if parsed is None or parsed[0] not in known:
                    continue
                field, predicate = parsed
                kind = schema.get(field, "str")
                if predicate not in {"null", "cont"}:
                    _coerce_filter_value(field, raw, kind)  # validate even when nothing matches
                rows = [row for row in rows if _matches(_field_value(row, field), kind, predicate, raw, field)]
            rows.sort(key=lambda row: _sort_key(row.get("id"), "int"))
            order_field, descending = _parse_order(order)
            if order_field is not None and order_field in known:
                kind = schema.get(order_field, "str")
                rows.sort(key=lambda row: _sort_key(row.get(order_field), kind), reverse=descending)
            page = rows[max(offset, 0) : max(offset, 0) + max(limit, 0)]
            return QueryResult(total_count=len(rows), entities=[project(row, fields) for row in page])

    def all_invoices(self) -> list[Entity]:
        with self._lock:
            ordered = sorted(self._invoices.values(), key=lambda inv: _sort_key(inv.get("id"), "int"))
            return [dict(inv) for inv in ordered]

    def all_clients(self) -> list[Entity]:
        with self._lock:
            return [dict(c) for c in self._clients.values()]

    def state(self) -> dict[str, Any]:
        """Summary for `GET /_sim/state`."""
        with self._lock:
            invoices = list(self._invoices.values())
            by_status = dict.fromkeys(INVOICE_STATUSES, 0)
            by_kind: dict[str, int] = {}
            by_currency: dict[str, int] = {}
            for inv in invoices:
                by_status[str(inv.get("status"))] = by_status.get(str(inv.get("status")), 0) + 1
                by_kind[str(inv.get("kind"))] = by_kind.get(str(inv.get("kind")), 0) + 1
                by_currency[str(inv.get("currency"))] = by_currency.get(str(inv.get("currency")), 0) + 1
            partly_paid = sum(
                1
                for inv in invoices
                if inv.get("status") in UNPAID_ISSUED_STATUSES
                and isinstance(inv.get("paid_price"), int)
                and inv["paid_price"] > 0
            )
            overdue = sum(
                1
                for inv in invoices
                if inv.get("status") in UNPAID_ISSUED_STATUSES
                and (_as_date(inv.get("payment_date")) or self._today) < self._today
            )
            return {
                "today": self._today.isoformat(),
                "seed": self.seed,
                "clients": len(self._clients),
                "invoices": len(invoices),
                "by_status": by_status,
                "by_kind": by_kind,
                "by_currency": by_currency,
                "partly_paid": partly_paid,
                "overdue": overdue,
            }


@dataclass(frozen=True)
class _PaymentOutcome:
    invoice: Entity
    payment: Payment


class _Absent:
    pass


_ABSENT: Any = _Absent()


def _jsonable(fields: Mapping[str, Any]) -> Entity:
    """Dates given from Python become ISO strings, as the JSON API would carry them."""
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in fields.items()}


def _field_value(row: Mapping[str, Any], field: str) -> Any:
    if field == "clean_client_nip":
        return clean_nip(row.get("client_tax_code")) or None
    return row.get(field)


def _parse_order(order: str | None) -> tuple[str | None, bool]:
    if not order or not order.strip():
        return None, False
    parts = order.split()
    descending = len(parts) > 1 and parts[1].lower() == "desc"
    return parts[0], descending


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return _parse_date(str(value))
    except ValueError:
        return None


def _iso_or_none(value: Any) -> str | None:
    parsed = _as_date(value)
    return parsed.isoformat() if parsed else None


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


def _prices(fields: dict[str, Any]) -> tuple[int, int, int]:
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
