"""Queries on the simulated account, as InFakt's Ransack answers them: `q[field_predicate]` filters, one
`order`, offset/limit paging and `fields` projection (`select`); and the summary `GET /_sim/state` shows.

Unknown fields or predicates are ignored silently (Ransack's default); a malformed date or number for a
typed field raises `InvalidQueryError` (HTTP 400). NULLs sort last ascending, as in PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .model import (
    CLIENT_FIELDS,
    CORRECTION_FIELDS,
    INVOICE_FIELDS,
    INVOICE_STATUSES,
    UNPAID_ISSUED_STATUSES,
    WARSAW,
    Entity,
    InvalidQueryError,
    Resource,
    as_date,
    clean_nip,
    parse_date,
    parse_datetime,
)

# Ransack-style list-only helper fields: name -> (type, function computing the value).
_VIRTUAL_INVOICE_FIELDS = {"clean_client_nip"}

# Longest suffixes first so "_lteq" wins over "_eq"-like endings.
PREDICATES = ("lteq", "gteq", "null", "cont", "eq", "lt", "gt")


@dataclass(frozen=True)
class QueryResult:
    total_count: int
    entities: list[Entity]


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
            return value if isinstance(value, date) else parse_date(str(value))
        if kind == "datetime":
            return parse_datetime(str(value))
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
            return parse_date(value)
        if kind == "datetime":
            return parse_datetime(value)
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


def sort_key(value: Any, kind: str) -> tuple[int, int, Any]:
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


def select(
    resource: Resource,
    rows: list[Entity],
    *,
    filters: Mapping[str, str] | None,
    order: str | None,
    offset: int,
    limit: int,
    fields: Sequence[str] | None,
) -> QueryResult:
    """One page of `rows` (a resource's stored entities, read under the world's lock): filtered, ordered
    (by id, then by `order`), paged and projected; the entities returned are copies."""
    schema = {**INVOICE_FIELDS, **CORRECTION_FIELDS} if resource == "invoices" else CLIENT_FIELDS
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
    rows.sort(key=lambda row: sort_key(row.get("id"), "int"))
    order_field, descending = _parse_order(order)
    if order_field is not None and order_field in known:
        kind = schema.get(order_field, "str")
        rows.sort(key=lambda row: sort_key(row.get(order_field), kind), reverse=descending)
    page = rows[max(offset, 0) : max(offset, 0) + max(limit, 0)]
    return QueryResult(total_count=len(rows), entities=[project(row, fields) for row in page])


def summary(invoices: list[Entity], *, clients: int, today: date, seed: int) -> dict[str, Any]:
    """The account in figures, for `GET /_sim/state`."""
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
        if inv.get("status") in UNPAID_ISSUED_STATUSES and (as_date(inv.get("payment_date")) or today) < today
    )
    return {
        "today": today.isoformat(),
        "seed": seed,
        "clients": clients,
        "invoices": len(invoices),
        "by_status": by_status,
        "by_kind": by_kind,
        "by_currency": by_currency,
        "partly_paid": partly_paid,
        "overdue": overdue,
    }
