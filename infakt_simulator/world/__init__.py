"""The simulated inFakt world: one account's clients and invoices in memory, and the simulated "today".

One module a seam:

- `model`: what an entity is, which endpoint serves which kind of document, each resource's fields and
  their types, the errors (`SimulatorError` and its HTTP statuses), dates and VAT arithmetic;
- `query`: Ransack-like filters, ordering, paging and projection (`select`), the `/_sim/state` summary;
- `entities`: how a new client and a new invoice look (every key of the official examples);
- `payments`: applying a payment, the payer profiles and their seeded payment plans;
- `store`: `World`, the thread-safe store and its mutations (add, update, remove, pay, advance the days).

Dependency order inside the package: `model` imports none of the others; `query`, `entities` and
`payments` import only `model`; `store` imports them all. Standard library only (no Django), like the
rest of `infakt_simulator`.
"""

from .model import (
    CLIENT_FIELDS,
    CORRECTION_FIELDS,
    DEFAULT_BANK_ACCOUNT,
    ENDPOINT_KINDS,
    INVOICE_FIELDS,
    INVOICE_STATUSES,
    PAYER_PROFILES,
    UNPAID_ISSUED_STATUSES,
    VAT_RATE_PERCENT,
    WARSAW,
    ConflictError,
    Entity,
    InvalidQueryError,
    NotFoundError,
    PayerProfile,
    Resource,
    SimulatorError,
    clean_nip,
    endpoint_of,
    vat_split_from_gross,
    vat_split_from_net,
)
from .payments import Payment
from .query import PREDICATES, QueryResult, project, split_filter_key
from .store import World

__all__ = [
    "CLIENT_FIELDS",
    "CORRECTION_FIELDS",
    "DEFAULT_BANK_ACCOUNT",
    "ENDPOINT_KINDS",
    "INVOICE_FIELDS",
    "INVOICE_STATUSES",
    "PAYER_PROFILES",
    "PREDICATES",
    "UNPAID_ISSUED_STATUSES",
    "VAT_RATE_PERCENT",
    "WARSAW",
    "ConflictError",
    "Entity",
    "InvalidQueryError",
    "NotFoundError",
    "PayerProfile",
    "Payment",
    "QueryResult",
    "Resource",
    "SimulatorError",
    "World",
    "clean_nip",
    "endpoint_of",
    "project",
    "split_filter_key",
    "vat_split_from_gross",
    "vat_split_from_net",
]
