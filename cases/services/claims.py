"""The claim per case (interest, compensation, total) stored for sorting and reports; waivers; public medical
entities (issue 12)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connections, router, transaction
from django.utils import timezone

from claims.selectors import rate_tables
from common.calendar import business_today

from ..claim_selectors import CLAIM_FIELDS, case_fx_keys_needed, claim_payments, claims_for_rows
from ..models import Case, CaseEvent, Client
from .events import case_event_add, case_event_new


def case_claims_refresh(*, day: date | None = None, case_ids: Iterable[int] | None = None, batch: int = 5000) -> int:
    """Store the claim (interest, compensation, total) as of `day` of every active case, or of `case_ids`.

    The aging report and the admin's sorting read these stored values; they are refreshed after every
    daily sync (`syncstatus`) and right away by each service that changes a claim (a waiver, the
    public-medical switch, a rate edited in the admin: `cases.apps`). Returns the number of cases.

    Reads the cases as plain values (one server-side cursor, the payments in one query) and writes
    each batch with one UPDATE (PostgreSQL: `UPDATE ... FROM (VALUES ...)`).
    """
    day = day or business_today()
    cases = Case.objects.filter(status=Case.Status.ACTIVE)
    if case_ids is not None:
        case_ids = list(case_ids)
        if not case_ids:
            return 0
        cases = cases.filter(pk__in=case_ids)
        tables = rate_tables(fx_keys=case_fx_keys_needed(case_ids=case_ids))
        payments = claim_payments(case_ids)
    else:
        tables = rate_tables(fx_keys=case_fx_keys_needed())
        payments = claim_payments(active=True)
    rows = cases.order_by().values(*CLAIM_FIELDS)
    done, chunk = 0, []
    for row in rows.iterator(chunk_size=batch):
        chunk.append(row)
        if len(chunk) == batch:
            done += _store_claims(chunk, day=day, tables=tables, payments=payments)
            chunk = []
    if chunk:
        done += _store_claims(chunk, day=day, tables=tables, payments=payments)
    return done


def _store_claims(rows: list[dict], *, day: date, tables, payments) -> int:
    claims = claims_for_rows(rows=rows, day=day, tables=tables, payments=payments)
    values = [
        (row["pk"], claims[row["pk"]].interest, claims[row["pk"]].compensation, claims[row["pk"]].total) for row in rows
    ]
    alias = router.db_for_write(Case)
    connection = connections[alias]
    with transaction.atomic(using=alias):
        if connection.vendor != "postgresql":
            Case.objects.bulk_update(
                [
                    Case(
                        pk=pk,
                        claim_interest=interest,
                        claim_compensation=compensation,
                        claim_total=total,
                        claim_as_of=day,
                    )
                    for pk, interest, compensation, total in values
                ],
                ["claim_interest", "claim_compensation", "claim_total", "claim_as_of"],
            )
            return len(values)
        table = connection.ops.quote_name(Case._meta.db_table)
        placeholders = ", ".join(["(%s, %s::bigint, %s::bigint, %s::bigint)"] * len(values))
        params = [value for row in values for value in row]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS c SET claim_interest = v.interest, claim_compensation = v.compensation, "  # noqa: S608 - model table name
                f"claim_total = v.total, claim_as_of = %s "
                f"FROM (VALUES {placeholders}) AS v(id, interest, compensation, total) WHERE c.id = v.id",
                [day, *params],
            )
    return len(values)


def case_set_waivers(
    *, case: Case, waive_interest: bool, waive_compensation: bool, reason: str, user=None, now=None
) -> Case:
    """Waive (or restore) the interest and/or the compensation of a case, logged on its timeline."""
    reason = (reason or "").strip()
    if (waive_interest or waive_compensation) and not reason:
        raise ValueError("A waiver needs a reason.")
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        changed = (case.waive_interest, case.waive_compensation) != (waive_interest, waive_compensation)
        case.waive_interest = waive_interest
        case.waive_compensation = waive_compensation
        case.waiver_reason = reason if (waive_interest or waive_compensation) else ""
        case.save(update_fields=["waive_interest", "waive_compensation", "waiver_reason"])
        if changed:
            case_event_add(
                case=case,
                kind=CaseEvent.Kind.CLAIM,
                code="claim.waivers",
                params={"interest": waive_interest, "compensation": waive_compensation, "reason": reason},
                now=now,
                user=user,
                waive_interest=waive_interest,
                waive_compensation=waive_compensation,
                reason=reason,
            )
    if changed:
        case_claims_refresh(case_ids=[case.pk])
        case.refresh_from_db()
    return case


def client_set_public_medical(*, client: Client, value: bool, user=None) -> bool:
    """Mark a client as a public medical entity (or not); True when it changed. Logged on its active cases."""
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.is_public_medical_entity == value:
            return False
        client.is_public_medical_entity = value
        client.save(update_fields=["is_public_medical_entity", "updated_at"])
        code = "claim.public_medical" if value else "claim.not_public_medical"
        now = timezone.now()
        CaseEvent.objects.bulk_create(
            case_event_new(case_id=case.pk, kind=CaseEvent.Kind.CLAIM, code=code, now=now, user=user)
            for case in Case.objects.filter(invoice__client=client, status=Case.Status.ACTIVE).only("pk")
        )
    case_claims_refresh(
        case_ids=Case.objects.filter(invoice__client=client, status=Case.Status.ACTIVE).values_list("pk", flat=True)
    )
    return True
