"""Reads for the worklist: each section in a fixed number of queries and in bounded time, whatever
the number of cases.

Every section shows at most `limit` rows (the most urgent first) and how many more there are,
counted up to COUNT_CAP ("over 1,000 more" beyond). Letters follow the ladder's decision for the
day (`notifications.selectors.case_due_stage`, the rule `reminder_letters_planned` applies), made
for the clients of the most overdue letters only (found through the (status, next_reminder_date)
index), so the page does not read every due case at 100,000 cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from cases.models import Case, CaseEvent, Client, Invoice, case_paused_q
from common.calendar import WARSAW, next_business_day
from notifications.models import Notification
from notifications.selectors import (
    ClientLetters,
    case_due_stage,
    case_list_due_for_reminders,
    notification_list_needing_review,
    reminder_stages_active,
)

LIMIT = 25
COUNT_CAP = 1000
SCAN = 1000  # due cases read (client ids only) to find the first `limit` clients


@dataclass
class Section:
    rows: list
    total: int  # counted up to COUNT_CAP

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))

    @property
    def capped(self) -> bool:
        return self.total >= COUNT_CAP


@dataclass
class Plan:
    """A day's letters: the first clients' groups, and totals over all clients."""

    day: date
    groups: list[ClientLetters]
    cases: int  # due cases, counted up to COUNT_CAP
    shown: int  # due cases of the clients shown
    held: set[int] = field(default_factory=set)

    @property
    def letters(self) -> int:
        return sum(len(g.letters) for g in self.groups)

    @property
    def more(self) -> int:
        return max(0, self.cases - self.shown)

    @property
    def capped(self) -> bool:
        return self.cases >= COUNT_CAP


def next_plan_day(day: date) -> date:
    return next_business_day(day + timedelta(days=1))


def _plan(*, day: date, cases: QuerySet[Case], held: set[int], limit: int) -> Plan:
    """Group the day's due cases by client: the clients of the most overdue letters first; 5 queries.

    A case without a client (none can be written to) is counted, never shown: no address to send to."""
    total = _capped_count(cases)
    # Two small reads rather than one join: the planner misjudges the join of a few due cases to
    # every invoice (a sequential scan of 100,000 at 100,000 cases).
    invoice_ids = list(cases.values_list("invoice_id", flat=True)[:SCAN])
    client_of = dict(Invoice.objects.filter(pk__in=invoice_ids).values_list("pk", "client_id"))
    client_ids: list[int] = []
    for invoice_id in invoice_ids:
        client_id = client_of.get(invoice_id)
        if client_id is not None and client_id not in client_ids:
            client_ids.append(client_id)
            if len(client_ids) == limit:
                break
    stages = reminder_stages_active()
    groups: dict[int, ClientLetters] = {}
    shown = 0
    for case in cases.filter(invoice__client__in=client_ids):
        shown += 1
        due = case_due_stage(case=case, day=day, stages=stages)
        if due is None or due.stage is None:
            continue
        client = case.invoice.client
        if client.pk not in groups:
            emails = list(client.emails) if client.has_usable_email else []
            groups[client.pk] = ClientLetters(client=client, recipients=emails, letters=[])
        groups[client.pk].letters.append(due)
    ordered = sorted(groups.values(), key=lambda g: (str(g.client).lower(), g.client.pk))
    return Plan(day=day, groups=ordered, cases=total, shown=shown, held=held)


def held_today(*, day: date) -> QuerySet[Notification]:
    return Notification.objects.filter(
        send_date=day, status=Notification.Status.HELD, reason=Notification.Reason.STAFF_HOLD
    ).values("case_id")


def letters_today(*, day: date, limit: int = LIMIT) -> Plan:
    """Today's letters by client (held ones marked), as `reminder_letters_planned` decides them."""
    cases = case_list_due_for_reminders(day=day).exclude(case_paused_q(day))
    plan = _plan(day=day, cases=cases, held=set(), limit=limit)
    ids = [due.case.pk for g in plan.groups for due in g.letters]
    plan.held = set(held_today(day=day).filter(case_id__in=ids).values_list("case_id", flat=True))
    return plan


def letters_next_day(*, today: date, limit: int = LIMIT) -> Plan:
    """The next business day's letters if today's go out as planned: the cases falling due by then
    that are not sent today (due after today, held today, or paused today only), unpaused on that day."""
    day = next_plan_day(today)
    held = list(held_today(day=today).values_list("case_id", flat=True))
    cases = (
        case_list_due_for_reminders(day=day)
        .exclude(case_paused_q(day))
        # Three index ranges (next_reminder_date, the ids held, paused_until), not a scan of every due case.
        .filter(Q(next_reminder_date__gt=today) | Q(pk__in=held) | Q(paused_until__gte=today, paused_until__lt=day))
    )
    return _plan(day=day, cases=cases, held=set(), limit=limit)


def _section(queryset: QuerySet, limit: int) -> Section:
    """The first `limit` rows and the capped count: two queries, at any size."""
    return Section(rows=list(queryset[:limit]), total=_capped_count(queryset))


def _capped_count(queryset: QuerySet) -> int:
    """COUNT up to COUNT_CAP rows, unordered: bounded work however many match."""
    return queryset.order_by().values("pk")[:COUNT_CAP].count()


def _active() -> QuerySet[Case]:
    return Case.objects.filter(status=Case.Status.ACTIVE).select_related("invoice", "invoice__client")


def cases_to_hand_over(*, limit: int = LIMIT) -> Section:
    return _section(_active().filter(handover=Case.Handover.TO_HAND_OVER).order_by("invoice__due_date", "pk"), limit)


def promises_due(*, day: date, limit: int = LIMIT) -> Section:
    """Promises ending today, and broken ones (the day passed, the amount not received), oldest first."""
    return _section(
        _active()
        .filter(promise_date__lte=day, promise_amount__isnull=False, invoice__left_to_pay__gt=0)
        .filter(invoice__paid__lt=F("promise_paid_before") + F("promise_amount"))
        .order_by("promise_date", "pk"),
        limit,
    )


def cases_awaiting_amount_review(*, limit: int = LIMIT) -> Section:
    return _section(
        _active()
        .filter(paused_until__isnull=True, pause_reason=Case.PauseReason.CORRECTION)
        .order_by("invoice__due_date", "pk"),
        limit,
    )


def clients_without_email(*, limit: int = LIMIT) -> Section:
    """Clients with active cases and no usable address: their letters cannot go out."""
    active = Case.objects.filter(status=Case.Status.ACTIVE, invoice__client=OuterRef("pk"))
    # EXISTS, not a join: the name index yields the first rows, each client's count is read for those only.
    return _section(
        Client.objects.filter(Exists(active), has_usable_email=False)
        .annotate(
            active_cases=Subquery(active.order_by().values("invoice__client").annotate(n=Count("pk")).values("n"))
        )
        .order_by("company_name", "last_name", "first_name", "pk"),
        limit,
    )


def sends_to_confirm(*, limit: int = LIMIT) -> Section:
    """Uncertain sends and failures that ran out of attempts (newest first), still on active cases."""
    return _section(
        notification_list_needing_review()
        .filter(case__status=Case.Status.ACTIVE)
        .select_related("case__invoice__client", "stage"),
        limit,
    )


def changes_since_yesterday(*, day: date, limit: int = LIMIT) -> tuple[dict[str, int], list[CaseEvent]]:
    """Payments, cases closed as paid and cases opened since yesterday began (Warsaw): counts and the newest."""
    since = datetime.combine(day - timedelta(days=1), time.min, tzinfo=WARSAW)
    recent = CaseEvent.objects.filter(at__gte=since)
    counts = recent.filter(kind__in=[CaseEvent.Kind.PAYMENT, CaseEvent.Kind.OPENED]).aggregate(
        payment=Count("pk", filter=Q(kind=CaseEvent.Kind.PAYMENT)),
        opened=Count("pk", filter=Q(kind=CaseEvent.Kind.OPENED)),
    )
    counts["paid"] = Case.objects.filter(
        status=Case.Status.CLOSED, closed_at__gte=since, close_reason=Case.CloseReason.PAID
    ).count()
    # The newest of each kind through the (kind, at) index, merged: one query a kind, not a walk back
    # through every refresh of the day.
    rows: list[CaseEvent] = []
    for kind, extra in (
        (CaseEvent.Kind.PAYMENT, Q()),
        (CaseEvent.Kind.OPENED, Q()),
        (CaseEvent.Kind.CLOSED, Q(case__close_reason=Case.CloseReason.PAID)),
    ):
        events = recent.filter(extra, kind=kind).select_related("case__invoice__client").order_by("-at", "-pk")
        rows += events[:limit]
    rows.sort(key=lambda event: (event.at, event.pk), reverse=True)
    return counts, rows[:limit]
