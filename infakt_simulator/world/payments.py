"""Payments: applying one to an invoice, and the payment plans a client's seeded payer profile gives its
invoices (what `World.advance(auto_pay=True)` pays, day by day).

Payment semantics (simulator assumptions, see docs in /work/shared/infakt-api.md section 8):

* a full payment sets ``status="paid"``, ``paid_date``, ``paid_price = gross_price`` and
  ``left_to_pay = 0``;
* a partial payment only raises ``paid_price`` and lowers ``left_to_pay``; ``status`` and
  ``paid_date`` (null) stay unchanged. The real API's behaviour here is unknown.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .model import PAYER_PROFILES, ConflictError, Entity, PayerProfile, SimulatorError, as_date


@dataclass(frozen=True)
class Payment:
    uuid: str
    amount: int
    on: date
    full: bool

    def as_dict(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "amount": self.amount, "date": self.on.isoformat(), "full": self.full}


@dataclass(frozen=True)
class PaymentOutcome:
    invoice: Entity
    payment: Payment


def apply_payment(invoice: Entity, amount: int | None, on: date) -> PaymentOutcome:
    """Pay `amount` (None = the rest) of the stored `invoice` on `on`, in place; callers hold the lock."""
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
    return PaymentOutcome(invoice, Payment(invoice["uuid"], amount, on, full))


def seeded_profile(seed: int, client_id: int) -> PayerProfile:
    """A client's payment behaviour derived from the world's seed and its id (when none was set)."""
    rng = random.Random(f"profile:{seed}:{client_id}")
    return rng.choices(PAYER_PROFILES, weights=(45, 35, 10, 10))[0]


def seeded_plan(
    *, uuid: str, invoice: Entity, profile: PayerProfile, seed: int, today: date
) -> list[tuple[date, int | None]]:
    """Deterministic (date, percent of gross or None = the rest) steps for an invoice, from (seed, uuid,
    profile) only."""
    due = as_date(invoice.get("payment_date")) or today
    issued = as_date(invoice.get("invoice_date")) or due
    rng = random.Random(f"plan:{seed}:{uuid}")
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
