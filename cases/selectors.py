"""Reads of the dunning domain shared by commands, views and reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.paginator import Paginator
from django.db import connections, router
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import Col
from django.db.models.functions import Cast
from django.db.models.lookups import In
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from common.admin_search import django_search_words
from common.calendar import WARSAW, business_today

from .models import Case, CaseEvent, CaseTotalDelta, Client, Invoice, ReminderStage, case_paused_q
from .services.clients import normalize_nip
from .timeline import LETTER_REASONS


def case_list(*, status: str = "all") -> QuerySet[Case]:
    cases = Case.objects.select_related("invoice", "invoice__client", "next_stage")
    if status in {Case.Status.ACTIVE, Case.Status.CLOSED}:
        cases = cases.filter(status=status)
    return cases.order_by("invoice__due_date", "id")


def case_stages_sent(*, case_ids: list[int]) -> dict[int, list[int]]:
    """Offsets of the reminder stages actually sent, per case (from the case timeline)."""
    sent: dict[int, list[int]] = {}
    events = CaseEvent.objects.filter(case_id__in=case_ids, kind=CaseEvent.Kind.REMINDER, data__sent=True)
    for case_id, offset in events.order_by("at").values_list("case_id", "data__offset"):
        sent.setdefault(case_id, []).append(offset)
    return sent


@dataclass
class RungState:
    """One rung of a case's ladder as staff see it."""

    offset: int
    name: str
    state: str  # sent | uncertain | skipped | next | later
    day: date | None = None
    note: str = ""


def _skip_note(event: CaseEvent) -> str:
    """Why a rung was passed over, in the reader's language (older rows: the stored message's tail)."""
    if event.code == "letter.skipped":
        why = event.params.get("why", "")
        return str(LETTER_REASONS.get(why, why))
    if event.code in {"letter.failed_final", "letter.abandoned"}:
        return str(LETTER_REASONS["max_attempts"])
    return event.text.split(": ", 1)[-1]


def case_dunning_state(*, case: Case, stages: list[ReminderStage] | None = None) -> list[RungState]:
    """The truth about a case's ladder, from its timeline: each rung sent (day), skipped (why), next (date)
    or not yet reached."""
    if stages is None:
        stages = list(ReminderStage.objects.filter(is_active=True).order_by("offset_days"))
    sent: dict[int, date] = {}
    skipped: dict[int, str] = {}
    uncertain: dict[int, date] = {}
    events = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.REMINDER).order_by("at", "id")
    for event in events:
        offset = event.data.get("offset")
        if offset is None:
            continue
        status = event.data.get("status")
        if event.data.get("sent"):
            sent[offset] = event.at.astimezone(WARSAW).date()
            skipped.pop(offset, None)
            uncertain.pop(offset, None)
        elif offset in sent:
            continue
        elif status == "skipped" or (status == "failed" and event.data.get("final")):
            skipped[offset] = _skip_note(event)
        elif status == "uncertain":
            uncertain[offset] = event.at.astimezone(WARSAW).date()
    result = []
    for stage in stages:
        offset = stage.offset_days
        if offset in sent:
            result.append(RungState(offset, stage.name, "sent", sent[offset]))
        elif offset in uncertain:
            result.append(RungState(offset, stage.name, "uncertain", uncertain[offset]))
        elif offset in skipped:
            result.append(RungState(offset, stage.name, "skipped", note=skipped[offset]))
        elif case.next_stage_id == stage.pk:
            result.append(RungState(offset, stage.name, "next", case.next_reminder_date))
        else:
            result.append(RungState(offset, stage.name, "later"))
    return result


class JsonArrayLength(Func):
    function = "jsonb_array_length"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="json_array_length", **extra_context)


def clients_with_too_many_emails(*, limit: int) -> QuerySet[Client]:
    """Clients with more usable addresses than one e-mail may carry (REMINDER_MAX_RECIPIENTS): flagged."""
    return (
        Client.objects.filter(has_usable_email=True)
        .annotate(address_count=JsonArrayLength("emails"))
        .filter(address_count__gt=limit)
    )


def case_count_to_hand_over() -> dict[str, int]:
    """Active cases at the end of the ladder: to hand over, and handed over (the panel's counts)."""
    rows = (
        Case.objects.filter(status=Case.Status.ACTIVE)
        .exclude(handover="")
        .values_list("handover")
        .annotate(n=Count("pk"))
    )
    counts = {Case.Handover.TO_HAND_OVER.value: 0, Case.Handover.HANDED_OVER.value: 0}
    counts.update(dict(rows))
    return counts


# --- Staff UI: one annotated queryset for the admin, the lists and the exports ---------


class DaysBetween(Func):
    """`end - start` in whole days, as an integer, computed by the database.

    PostgreSQL subtracts dates to an integer; SQLite goes through julianday().
    """

    arity = 2
    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra_context):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return f"CAST(julianday({end_sql}) - julianday({start_sql}) AS INTEGER)", (*end_params, *start_params)


def days_past_due_expression(*, today: date) -> DaysBetween:
    """Days since the invoice due date, relative to `today` (negative: not yet due)."""
    return DaysBetween(Cast(Value(today), DateField()), F("invoice__due_date"))


# Columns never shown in lists: InFakt's raw JSON and the stage texts.
_HEAVY_COLUMNS = (
    "invoice__raw",
    "invoice__client__raw",
    "next_stage__body_text_pl",
    "next_stage__body_html_pl",
    "next_stage__body_text_en",
    "next_stage__body_html_en",
)


def case_list_for_ui(*, today: date | None = None, status: str | None = None) -> QuerySet[Case]:
    """Cases with everything a list row shows, in one query whatever the number of rows.

    Annotations: `days_past_due` (int, relative to `today` in Warsaw), `is_paused`, `stages_done`
    and `stages_total` (the reminder ladder progress, e.g. 2/5) and `last_stage_name`.
    """
    today = today or business_today()
    active_stages = ReminderStage.objects.filter(is_active=True).order_by()
    cases = (
        Case.objects.select_related("invoice", "invoice__client", "next_stage")
        .defer(*_HEAVY_COLUMNS)
        .annotate(
            days_past_due=days_past_due_expression(today=today),
            is_paused=ExpressionWrapper(case_paused_q(today), output_field=BooleanField()),
            stages_done=Subquery(
                active_stages.filter(offset_days__lte=OuterRef("last_stage_offset"))
                .annotate(n=Func(F("pk"), function="COUNT"))
                .values("n")
            ),
            stages_total=Subquery(active_stages.annotate(n=Func(F("pk"), function="COUNT")).values("n")),
            last_stage_name=Subquery(
                ReminderStage.objects.filter(offset_days=OuterRef("last_stage_offset")).values("name")[:1]
            ),
        )
    )
    if status in {Case.Status.ACTIVE, Case.Status.CLOSED}:
        cases = cases.filter(status=status)
    return cases


# The annotations `case_list_for_ui` adds for display only (never filtered on).
DISPLAY_ANNOTATIONS = ("days_past_due", "is_paused", "stages_done", "stages_total", "last_stage_name")


def _without_display(cases: QuerySet[Case], *, drop_joins: bool = False) -> QuerySet[Case]:
    """The list unordered, without its display annotations; `drop_joins`: also without the joins only they
    used (for a count; a sum keeps the join to the invoice it reads)."""
    clone = cases.order_by()
    query = clone.query
    for name in DISPLAY_ANNOTATIONS:
        annotation = query.annotations.pop(name, None)
        if annotation is None or not drop_joins:
            continue
        for node in annotation.flatten():
            if isinstance(node, Col) and node.alias != query.base_table:
                query.unref_alias(node.alias)
    if query.annotation_select_mask is not None:
        query.set_annotation_mask(set(query.annotation_select_mask) - set(DISPLAY_ANNOTATIONS))
    return clone


def case_count(cases: QuerySet[Case]) -> int:
    """COUNT(*) of a case list without the join its display annotations added.

    `days_past_due` joins the invoice; a filter or search that needs the invoice or
    the client keeps its own reference to the join, so only a join used by nothing
    but the display annotations is dropped. On 100,000 cases this turns a hash join
    into a plain count of cases.
    """
    return _without_display(cases, drop_joins=True).count()


@dataclass(frozen=True)
class CurrencySum:
    """Cases of one currency in a list: how many and the total left to pay (grosze)."""

    currency: str
    count: int
    left_to_pay: int


def case_sums(cases: QuerySet[Case]) -> list[CurrencySum]:
    """The sum row of a filtered case list: count and total left to pay per currency, in one query."""
    clone = _without_display(cases)
    rows = (
        clone.values("invoice__currency")
        .annotate(n=Count("pk"), total=Sum("invoice__left_to_pay"))
        .order_by("invoice__currency")
    )
    return [CurrencySum(row["invoice__currency"], row["n"], row["total"] or 0) for row in rows]


def case_totals(status: str, *, client_id: int | None = None) -> list[CurrencySum] | None:
    """The sum row of a whole list (every case of `status`, nothing filtered) or of the list narrowed to one
    client (`client_id`), from the totals PostgreSQL keeps (`CaseTotalDelta`): a few rows, whatever the
    number of cases. None where they are not kept (SQLite): add the cases up with `case_sums`."""
    if connections[router.db_for_read(CaseTotalDelta)].vendor != "postgresql":
        return None
    rows = CaseTotalDelta.objects.filter(status=status)
    rows = rows.filter(whole=True) if client_id is None else rows.filter(whole=False, client_id=client_id)
    rows = (
        rows.values("currency").annotate(n=Sum("count"), total=Sum("left_to_pay")).filter(n__gt=0).order_by("currency")
    )
    return [CurrencySum(row["currency"], row["n"], row["total"]) for row in rows]


def case_sums_up_to(cases: QuerySet[Case], cap: int) -> list[CurrencySum] | None:
    """`case_sums` of a list of at most `cap` cases; None when it holds more (then nothing is added up).

    One query reading at most cap + 1 (currency, left to pay) pairs, stopping there: a searched list's
    sum row and "more than" in one, so a word found in 30,000 cases costs what one found in 1,000 does."""
    rows = list(_without_display(cases).values_list("invoice__currency", "invoice__left_to_pay")[: cap + 1])
    if len(rows) > cap:
        return None
    totals: dict[str, list[int]] = {}
    for currency, left_to_pay in rows:
        total = totals.setdefault(currency, [0, 0])
        total[0] += 1
        total[1] += left_to_pay or 0
    return [CurrencySum(currency, *totals[currency]) for currency in sorted(totals)]


class CasePaginator(Paginator):
    """Counts with `case_count`; takes a case queryset (admin) or django-tables2's rows wrapping one."""

    @cached_property
    def count(self) -> int:
        cases = self.object_list
        while not isinstance(cases, QuerySet) and hasattr(cases, "data"):
            cases = cases.data  # BoundRows -> TableQuerysetData -> QuerySet
        if isinstance(cases, QuerySet):
            return case_count(cases)
        return super().count


def case_filter_days_past_due(cases: QuerySet[Case], *, today: date, low: int | None, high: int | None):
    """Keep cases `low <= days past due <= high`, as a due-date range (sargable, uses the index)."""
    if low is not None:
        cases = cases.filter(invoice__due_date__lte=today - timedelta(days=low))
    if high is not None:
        cases = cases.filter(invoice__due_date__gte=today - timedelta(days=high))
    return cases


# Days-past-due buckets for filters: (key, label, low, high); None = open end.
DAYS_PAST_DUE_BUCKETS = [
    ("not_due", _("jeszcze przed terminem"), None, 0),
    ("1-7", _("1–7 dni"), 1, 7),
    ("8-14", _("8–14 dni"), 8, 14),
    ("15-30", _("15–30 dni"), 15, 30),
    ("31-60", _("31–60 dni"), 31, 60),
    ("61-90", _("61–90 dni"), 61, 90),
    ("90+", _("ponad 90 dni"), 91, None),
]


def case_filter_days_bucket(cases: QuerySet[Case], *, today: date, bucket: str) -> QuerySet[Case]:
    for key, _label, low, high in DAYS_PAST_DUE_BUCKETS:
        if key == bucket:
            if key == "not_due":
                # "Not yet due" includes the due date itself (0 days past due).
                return cases.filter(invoice__due_date__gte=today)
            return case_filter_days_past_due(cases, today=today, low=low, high=high)
    return cases


def invoice_currencies() -> list[str]:
    """The currencies in use, one index probe each (a skip scan over invoice_currency_idx)."""
    table = connections[router.db_for_read(Invoice)].ops.quote_name(Invoice._meta.db_table)
    sql = f"""
        WITH RECURSIVE used(currency) AS (
            SELECT MIN(currency) FROM {table}
            UNION ALL
            SELECT (SELECT MIN(currency) FROM {table} WHERE currency > used.currency)
            FROM used WHERE used.currency IS NOT NULL
        )
        SELECT currency FROM used WHERE currency IS NOT NULL
    """  # noqa: S608 - the table name comes from the model, no user input
    with connections[router.db_for_read(Invoice)].cursor() as cursor:
        cursor.execute(sql)
        return sorted(row[0] for row in cursor.fetchall())


# --- Text search -------------------------------------------------------------------------


class InArray(In):
    """`column IN (subquery)`, sent to PostgreSQL as `column = ANY(ARRAY(subquery))`.

    PostgreSQL runs the subquery once (an InitPlan) and can then probe an index on the column
    with the array, so the condition can sit in an OR next to an indexed `LIKE` and the two
    become one BitmapOr. A plain `IN (subquery)` inside an OR is a "hashed SubPlan" that is
    checked row by row on a full scan of the table. Elsewhere (SQLite) it is a plain IN.
    """

    def as_postgresql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        rhs_sql = rhs_sql.strip()
        if not rhs_sql.startswith("("):
            rhs_sql = f"({rhs_sql})"
        return f"{lhs_sql} = ANY(ARRAY{rhs_sql})", (*lhs_params, *rhs_params)


def client_search_q(value: str, *, names_only: bool = False, prefix: str = "") -> Q:
    """Clients whose name (or e-mail, or NIP) contains `value`, as conditions on the client table.

    `icontains` reaches PostgreSQL as `UPPER(column::text) LIKE UPPER('%value%')`, the very
    expression of the trigram indexes of migration 0005; `nip_normalized` is stored upper-case
    without separators, so the value is normalised the same way and matched with `contains`.
    """
    condition = (
        Q(**{f"{prefix}company_name__icontains": value})
        | Q(**{f"{prefix}first_name__icontains": value})
        | Q(**{f"{prefix}last_name__icontains": value})
    )
    if names_only:
        return condition
    condition |= Q(**{f"{prefix}email_raw__icontains": value})
    nip = normalize_nip(value)
    if nip:
        condition |= Q(**{f"{prefix}nip_normalized__contains": nip})
    return condition


def invoice_search_q(value: str, *, names_only: bool = False, prefix: str = "") -> Q:
    """Invoices whose number, client name, e-mail or NIP contains `value` (any letter case).

    Every condition is on the invoice row: its number, or its client among the matching
    clients. On PostgreSQL that is one BitmapOr on `cases_invoice` (the number's trigram index
    and the client_id index probed with the clients found through their trigram indexes), so
    a search reads only the matching invoices, however many there are. `names_only`: the
    client's name only (the "client" filter). `prefix` reaches the invoice from another model.
    """
    value = value.strip()
    clients = Client.objects.filter(client_search_q(value, names_only=names_only)).order_by().values("pk")
    by_client = Q(InArray(F(f"{prefix}client_id"), clients))
    return by_client if names_only else Q(**{f"{prefix}number__icontains": value}) | by_client


def invoice_search_dense_q(value: str, *, prefix: str = "") -> Q:
    """The invoices `invoice_search_q` finds, in the shape for a common word (`CappedSearchMixin`, common/
    admin_search.py): the clients found as a hashed set (`client_id IN (…)`), tested on each invoice while
    PostgreSQL walks a list in display order and stops after a page, instead of reading every match first."""
    value = value.strip()
    clients = Client.objects.filter(client_search_q(value)).order_by().values("pk")
    return Q(**{f"{prefix}number__icontains": value}) | Q(**{f"{prefix}client_id__in": clients})


def search_terms(search_term: str) -> list[str]:
    """The admin search box's words (a quoted phrase is one; a NIP typed with spaces is one)."""
    nip = normalize_nip(search_term)
    if nip.isdigit() and len(nip) >= 3:
        return [search_term.strip()]
    return django_search_words(search_term)


def case_search_q(value: str, *, names_only: bool = False) -> Q:
    """Cases whose invoice number, client name, e-mail or NIP contains `value` (`invoice_search_q` on the invoice)."""
    return invoice_search_q(value, names_only=names_only, prefix="invoice__")


# A case list's text search finding more cases than this takes the dense shape for its page (issue 13).
CASE_SEARCH_DENSE_FROM = 1000


def case_search_dense_q(value: str, *, names_only: bool = False) -> Q:
    """The cases `case_search_q` finds, in the shape for a common word: the conditions on the invoice and
    its client as joined to each case row, so PostgreSQL walks the list in display order (e.g.
    case_status_closed_id_idx), tests each row and stops after a page, instead of reading every match
    first and sorting them. The same rows: a case without a client matches neither shape by the client.

    Not `invoice_search_dense_q`'s hashed client set: in a nested loop the planner charges that set's
    construction to every row it probes, so it never walks the index with it (and sorts every match).
    Used only when the sum row has counted more than CASE_SEARCH_DENSE_FROM cases: for a rare word
    the walk would read the whole list for a few rows, which `case_search_q` reads through indexes."""
    value = value.strip()
    by_client = client_search_q(value, names_only=names_only, prefix="invoice__client__")
    return by_client if names_only else Q(invoice__number__icontains=value) | by_client


def missing_email_q(*, joined: bool = False) -> Q:
    """Cases whose client has no usable e-mail address (or no client record at all).

    Through the clients without an address, probed on the invoice's client_id index, rather than a join
    to every case's client: the same rows, without reading 100,000 clients' flags (a sum or a count:
    16 ms at 100,000 cases, 36 ms joined). `joined`: the condition on the joined client instead, for a
    list that joins it anyway to show it (the admin's): PostgreSQL then walks the list's order and stops
    after a page (7 ms) instead of reading the ~10,000 cases of 2,500 clients and sorting them (53 ms)."""
    if joined:
        return Q(invoice__client_id__isnull=True) | Q(invoice__client__has_usable_email=False)
    without = Client.objects.filter(has_usable_email=False).order_by().values("pk")
    return Q(invoice__client_id__isnull=True) | Q(InArray(F("invoice__client_id"), without))


# Timeline sections that higher layers add to the case page (e.g. the letters of `notifications`),
# registered explicitly at start-up (invoicetracker.apps): `cases` never imports upwards.
# A source takes the case and returns entries: dicts with "at", "kind", "label", "text", "user",
# "muted", "letter" (anything the template's letter row reads) and "offsets" (the rungs it tells).
TIMELINE_SOURCES: list[Callable[[Case], list[dict]]] = []


def timeline_source_register(source: Callable[[Case], list[dict]]) -> None:
    if source not in TIMELINE_SOURCES:
        TIMELINE_SOURCES.append(source)


# Reminder events folded into their letter's row as history (the row itself says sent / skipped / held).
_HISTORY_STATUSES = {"failed", "uncertain"}


def case_timeline(*, case: Case) -> list[dict]:
    """Everything that happened to a case, oldest first, each thing once, in the reader's language.

    A letter is one row (from the registered sources); the reminder events about the same rung are
    not repeated as rows of their own (failures and confirmations become the row's history).
    """
    extra: list[dict] = []
    for source in TIMELINE_SOURCES:
        extra.extend(source(case))
    letters_by_offset: dict[int, list[dict]] = {}
    for entry in extra:
        for offset in entry.get("offsets", ()):
            letters_by_offset.setdefault(offset, []).append(entry)
    entries = []
    for event in case.events.select_related("user").order_by("at", "id"):
        offset = event.data.get("offset") if event.kind == CaseEvent.Kind.REMINDER else None
        if offset is not None and offset in letters_by_offset:
            if event.data.get("status") in _HISTORY_STATUSES or event.data.get("confirmed"):
                for letter in letters_by_offset[offset]:
                    letter.setdefault("history", []).append({"at": event.at, "text": event.text})
            continue
        entries.append(
            {
                "at": event.at,
                "kind": event.kind,
                "label": event.get_kind_display(),
                "text": event.text,
                "user": event.user,
                "muted": event.data.get("status") == "skipped",
                "letter": None,
            }
        )
    entries.extend(extra)
    entries.sort(key=lambda entry: entry["at"])
    return entries
