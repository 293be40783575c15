"""What the creditor may claim on each case: interest, compensation, total (built on `claims`).

`case_claims` computes the claims of a page of cases in a constant number of queries (the rate
tables, the exchange rates of the months needed, the invoices' activity kinds and the payment
events), whatever the number of cases.

Payment history ("the amount left each day"): the PAYMENT events on the case timeline, each dated
the day the sync saw it (Warsaw), for the amount `paid - paid_before`; the invoice's `paid_date`
as the day it was paid in full. An amount paid that no event explains was paid before the case
opened, i.e. before the due date, and only lowers the principal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from claims.calc import BUSINESS, CONSUMER, MEDICAL, Claim, ClaimInput, RateTables, claim_for, previous_month
from claims.selectors import rate_tables
from common.formatting import format_date, format_money, warsaw_date

from .models import Case, CaseEvent, Invoice
from .parties import buyer_is_consumer

# The plain values a claim needs, readable with `.values()` from a Case queryset (exports) or from a Case.
CLAIM_FIELDS = (
    "pk",
    "invoice_id",
    "invoice__gross",
    "invoice__paid",
    "invoice__left_to_pay",
    "invoice__paid_date",
    "invoice__currency",
    "invoice__due_date",
    "invoice__client_id",
    "invoice__client__business_activity_kind",
    "invoice__client__nip_normalized",
    "invoice__client__nip",
    "invoice__client__is_public_medical_entity",
    "waive_interest",
    "waive_compensation",
    "invoice__raw__client_business_activity_kind",
    "invoice__raw__client_tax_code",
)
KIND = "invoice__raw__client_business_activity_kind"
TAX_CODE = "invoice__raw__client_tax_code"


def claim_values(case: Case) -> dict:
    """`CLAIM_FIELDS` of a Case loaded with its invoice and client."""
    invoice, client = case.invoice, case.invoice.client
    return {
        "pk": case.pk,
        "invoice_id": case.invoice_id,
        "invoice__gross": invoice.gross,
        "invoice__paid": invoice.paid,
        "invoice__left_to_pay": invoice.left_to_pay,
        "invoice__paid_date": invoice.paid_date,
        "invoice__currency": invoice.currency,
        "invoice__due_date": invoice.due_date,
        "invoice__client_id": invoice.client_id,
        "invoice__client__business_activity_kind": client.business_activity_kind if client else None,
        "invoice__client__nip_normalized": client.nip_normalized if client else None,
        "invoice__client__nip": client.nip if client else None,
        "invoice__client__is_public_medical_entity": client.is_public_medical_entity if client else False,
        "waive_interest": case.waive_interest,
        "waive_compensation": case.waive_compensation,
        # The invoice's raw JSON is deferred in lists: read by `claims_for_rows` in one query when absent.
    }


def fx_keys(rows: Iterable[dict]) -> set[tuple[str, date]]:
    keys = set()
    for row in rows:
        due = row["invoice__due_date"]
        if due:
            month = previous_month(due)
            keys.add(("EUR", month))
            if row["invoice__currency"] not in {"PLN", "EUR"}:
                keys.add((row["invoice__currency"], month))
    return keys


def claim_payments(case_ids: list[int] | None = None, *, active: bool = False) -> dict[int, list[tuple[date, int]]]:
    """PAYMENT events as (day, amount) per case: of `case_ids`, or of every active case (`active`)."""
    payments: dict[int, list[tuple[date, int]]] = {}
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.PAYMENT).order_by("at", "id")
    events = events.filter(case__status=Case.Status.ACTIVE) if active else events.filter(case_id__in=case_ids)
    for case_id, at, paid, paid_before in events.values_list("case_id", "at", "data__paid", "data__paid_before"):
        try:
            amount = int(paid) - int(paid_before)
        except (TypeError, ValueError):
            continue
        if amount > 0:
            payments.setdefault(case_id, []).append((warsaw_date(at), amount))
    return payments


def _invoice_kinds(invoice_ids: list[int]) -> dict[int, tuple[str, str]]:
    """(activity kind, tax code) from the invoices' raw JSON, by invoice pk."""
    rows = Invoice.objects.filter(pk__in=invoice_ids).values_list(
        "pk", "raw__client_business_activity_kind", "raw__client_tax_code"
    )
    return {pk: (_text(kind), _text(tax_code)) for pk, kind, tax_code in rows}


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def row_is_consumer(row: dict, *, invoice_kind: str = "", invoice_tax_code: str = "") -> bool:
    """The one consumer rule (`cases.parties.buyer_is_consumer`) on a row of `CLAIM_FIELDS`."""
    return buyer_is_consumer(
        invoice_kind=invoice_kind,
        client_kind=row["invoice__client__business_activity_kind"],
        nips=(invoice_tax_code, row["invoice__client__nip_normalized"], row.get("invoice__client__nip")),
    )


def claim_input(
    row: dict, *, payments: list[tuple[date, int]], invoice_kind: str = "", invoice_tax_code: str = ""
) -> ClaimInput:
    if row_is_consumer(row, invoice_kind=invoice_kind, invoice_tax_code=invoice_tax_code):
        debtor = CONSUMER
    elif row["invoice__client__is_public_medical_entity"]:
        debtor = MEDICAL
    else:
        debtor = BUSINESS
    paid_date = row["invoice__paid_date"]
    fully_paid = paid_date is not None and row["invoice__left_to_pay"] <= 0
    if fully_paid:
        dated = tuple((day, amount) for day, amount in payments if day < paid_date)
        principal = row["invoice__gross"]
    else:
        dated = tuple(payments)
        undated = max(row["invoice__paid"] - sum(amount for _d, amount in dated), 0)
        principal = row["invoice__gross"] - undated
    return ClaimInput(
        principal=principal,
        currency=row["invoice__currency"],
        due_date=row["invoice__due_date"],
        debtor=debtor,
        payments=dated,
        paid_date=paid_date if fully_paid else None,
        waive_interest=row["waive_interest"],
        waive_compensation=row["waive_compensation"],
    )


def claims_for_rows(
    *,
    rows: Sequence[dict],
    day: date,
    tables: RateTables | None = None,
    payments: dict[int, list[tuple[date, int]]] | None = None,
) -> dict[int, Claim]:
    """Claims as of `day` for rows of `CLAIM_FIELDS`, keyed by case pk.

    Queries: the payments (unless given), the invoices' activity kinds when the rows lack them, and
    four for the rate tables (unless given).
    """
    rows = list(rows)
    if not rows:
        return {}
    if tables is None:
        tables = rate_tables(fx_keys=fx_keys(rows))
    if payments is None:
        payments = claim_payments([row["pk"] for row in rows])
    if all(KIND in row and TAX_CODE in row for row in rows):
        kinds = {row["invoice_id"]: (_text(row[KIND]), _text(row[TAX_CODE])) for row in rows}
    else:
        kinds = _invoice_kinds([row["invoice_id"] for row in rows])
    result = {}
    for row in rows:
        kind, tax_code = kinds.get(row["invoice_id"], ("", ""))
        result[row["pk"]] = claim_for(
            claim_input(row, payments=payments.get(row["pk"], []), invoice_kind=kind, invoice_tax_code=tax_code),
            day=day,
            tables=tables,
        )
    return result


def case_claims(*, cases: Sequence[Case], day: date, tables: RateTables | None = None) -> dict[int, Claim]:
    """Claims as of `day` for cases loaded with their invoice and client, in a constant number of queries."""
    return claims_for_rows(rows=[claim_values(case) for case in cases], day=day, tables=tables)


def case_is_consumer(case: Case) -> bool:
    """One case (its page): `Invoice.buyer_is_consumer`, the one rule."""
    kind, tax_code = _invoice_kinds([case.invoice_id]).get(case.invoice_id, ("", ""))
    return row_is_consumer(claim_values(case), invoice_kind=kind, invoice_tax_code=tax_code)


@dataclass(frozen=True)
class ClaimDisplay:
    """A claim as the staff read it: amounts formatted, or what is missing."""

    interest: str
    compensation: str
    compensation_detail: str
    total: str
    consumer: bool
    missing: bool


def claim_display(claim: Claim, *, currency: str, consumer: bool = False) -> ClaimDisplay:
    if claim.interest is None:
        interest = _("stawka do uzupełnienia")
    elif claim.interest_waived:
        interest = _("zrezygnowano")
    else:
        interest = format_money(claim.interest, currency)
    detail = ""
    if consumer:
        compensation = "—"
    elif claim.compensation_waived:
        compensation = _("zrezygnowano")
    elif claim.compensation is None:
        compensation = _("kurs %(currency)s do uzupełnienia") % {"currency": claim.missing_fx or "EUR"}
        detail = f"{claim.compensation_eur} EUR" if claim.compensation_eur else ""
    elif claim.compensation:
        compensation = format_money(claim.compensation, currency)
        rate = f"{claim.eur_rate}".replace(".", ",")
        detail = f"{claim.compensation_eur} EUR × {rate} ({format_date(claim.eur_rate_date)})"
        if currency != "PLN":
            detail += f" = {format_money(claim.compensation_pln, 'PLN')}"
    else:
        compensation = format_money(0, currency)
    total = format_money(claim.total, currency) if claim.total is not None else _("do uzupełnienia")
    return ClaimDisplay(
        interest=interest,
        compensation=compensation,
        compensation_detail=detail,
        total=total,
        consumer=consumer,
        missing=claim.total is None,
    )


def case_fx_keys_needed(*, case_ids: Iterable[int] | None = None) -> set[tuple[str, date]]:
    """(currency, month) rates the active cases' (or `case_ids`') compensations need: one query."""
    invoices = Invoice.objects.filter(case__status=Case.Status.ACTIVE, due_date__isnull=False)
    if case_ids is not None:
        invoices = invoices.filter(case__pk__in=list(case_ids))
    rows = invoices.order_by().values_list("currency", "due_date__year", "due_date__month").distinct()
    keys = set()
    for currency, year, month in rows:
        previous = previous_month(date(year, month, 1))
        keys.add(("EUR", previous))
        if currency not in {"PLN", "EUR"}:
            keys.add((currency, previous))
    return keys


def case_claim_context(case: Case, *, day: date) -> dict:
    """What the case page shows about the claim."""
    claim = case_claims(cases=[case], day=day)[case.pk]
    consumer = case_is_consumer(case)
    return {
        "claim": claim,
        "claim_day": day,
        "claim_text": claim_display(claim, currency=case.invoice.currency, consumer=consumer),
        "claim_consumer": consumer,
    }
