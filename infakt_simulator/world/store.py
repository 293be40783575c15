"""`World`, the thread-safe store of one simulated inFakt account: clients, invoices, payer profiles and the
simulated "today"; what tests and the control API change (add, update, remove, pay, advance the days).

`World` is the single source of truth for the HTTP layer (`server.py`) and for tests that
prefer to manipulate state directly. Every public method takes the world's lock, so the
threaded HTTP server and a test thread can use one instance concurrently. Entities are plain
JSON-ready dicts; callers always receive copies.
"""

from __future__ import annotations

import random
import threading
import uuid as uuid_lib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from .entities import new_client, new_invoice, prices_from
from .model import (
    DEFAULT_BANK_ACCOUNT,
    PAYER_PROFILES,
    UNPAID_ISSUED_STATUSES,
    WARSAW,
    ConflictError,
    Entity,
    NotFoundError,
    PayerProfile,
    Resource,
    SimulatorError,
    as_date,
    endpoint_of,
    vat_split_from_gross,
)
from .payments import Payment, apply_payment, seeded_plan, seeded_profile
from .query import QueryResult, select, sort_key, summary


def _required(table: dict[Any, Entity], key: Any, what: str) -> Entity:
    """The entity under `key` itself (callers hold the lock), or NotFoundError."""
    entity = table.get(key)
    if entity is None:
        raise NotFoundError(f"{what} {key} not found")
    return entity


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
            client = new_client(client_id)
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
            return seeded_profile(self.seed, client_id)

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
            invoice_date = as_date(fields.pop("invoice_date", None)) or self._today
            days = client.get("days_to_payment")
            term = days if isinstance(days, int) and not isinstance(days, bool) else 14
            payment_date = as_date(fields.pop("payment_date", None)) or invoice_date + timedelta(days=term)
            sale_date = as_date(fields.pop("sale_date", None)) or invoice_date
            net, tax, gross = prices_from(fields)
            status = fields.pop("status", "sent")
            paid_price = fields.pop("paid_price", gross if status == "paid" else 0)
            paid_date = fields.pop("paid_date", _ABSENT)
            if paid_date is _ABSENT:
                paid_date = max(invoice_date, min(self._today, payment_date)) if status == "paid" else None
            uuid = fields.pop("uuid", None) or self._new_uuid()
            number = fields.pop("number", None) or self._next_number(invoice_date)
            invoice = new_invoice(
                invoice_id=invoice_id,
                uuid=uuid,
                number=number,
                client=client,
                status=status,
                invoice_date=invoice_date,
                sale_date=sale_date,
                payment_date=payment_date,
                paid_date=paid_date,
                net=net,
                tax=tax,
                gross=gross,
                paid_price=paid_price,
                bank_name=self.bank_name,
                bank_account=self.bank_account,
            )
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
            issued = as_date(fields.pop("invoice_date", None)) or self._today
            number = fields.pop("number", None) or self._next_correction_number(issued)
            entity = self.add_invoice(
                original["client_id"],
                kind="correction",
                status=status,
                number=number,
                invoice_date=issued,
                payment_date=fields.pop("payment_date", None) or as_date(original.get("payment_date")) or issued,
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
            return dict(apply_payment(invoice, amount, on or self._today).invoice)

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
        for invoice in sorted(self._invoices.values(), key=lambda inv: sort_key(inv.get("id"), "int")):
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
                done.append(apply_payment(invoice, amount, day).payment)
                step += 1
            self._plan_progress[invoice["uuid"]] = step
        return done

    def payment_plan(self, uuid: str) -> list[tuple[date, int | None]]:
        """Deterministic (date, percent of gross or None = the rest) steps for an invoice."""
        with self._lock:
            invoice = self._require_invoice(uuid)
            profile = self.payer_profile(invoice["client_id"])
            return seeded_plan(uuid=uuid, invoice=invoice, profile=profile, seed=self.seed, today=self._today)

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
            if resource == "invoices":
                rows = [row for row in self._invoices.values() if endpoint_of(row.get("kind")) == endpoint]
            else:
                rows = list(self._clients.values())
            return select(resource, rows, filters=filters, order=order, offset=offset, limit=limit, fields=fields)

    def all_invoices(self) -> list[Entity]:
        with self._lock:
            ordered = sorted(self._invoices.values(), key=lambda inv: sort_key(inv.get("id"), "int"))
            return [dict(inv) for inv in ordered]

    def all_clients(self) -> list[Entity]:
        with self._lock:
            return [dict(c) for c in self._clients.values()]

    def state(self) -> dict[str, Any]:
        """Summary for `GET /_sim/state`."""
        with self._lock:
            return summary(list(self._invoices.values()), clients=len(self._clients), today=self._today, seed=self.seed)


class _Absent:
    pass


_ABSENT: Any = _Absent()


def _jsonable(fields: Mapping[str, Any]) -> Entity:
    """Dates given from Python become ISO strings, as the JSON API would carry them."""
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in fields.items()}
