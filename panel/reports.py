"""Manager reports: the per-day charts, the aging of active cases, the stage after which cases were
paid, and the figures of the daily summary e-mail (sent by notifications.services.summary)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import Case, ReminderStage
from cases.selectors import DAYS_PAST_DUE_BUCKETS
from common import formatting
from common.calendar import business_today
from documents.selectors import interest_noted_per_month
from notifications.models import Notification, ReminderRun
from notifications.services.summary import DailySummary, daily_summary_email_send, daily_summary_recipients
from syncstatus.models import SyncRun
from syncstatus.selectors import INFAKT_GET_LIMIT_PER_MINUTE

from . import charts
from .health import health_alerts
from .selectors import (
    EMAIL_COUNTS,
    api_use_per_run,
    cases_opened_closed_per_day,
    day_bounds,
    emails_sent_per_stage_per_day,
)

log = logging.getLogger("invoicetracker.reports")

PERIODS = (30, 90)


# --- Aging ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgingCell:
    key: str
    label: str
    count: int
    amount: int  # grosze of the row's currency, left to pay
    url: str
    # Claims (issue 12), as stored for each case (`Case.claim_*`, as of `AgingRow.claims_as_of`):
    # interest, compensation, cases with a rate missing (or never stored).
    interest: int = 0
    compensation: int = 0
    incomplete: int = 0


@dataclass
class AgingRow:
    currency: str
    cells: list[AgingCell]
    count: int
    amount: int
    interest: int = 0
    compensation: int = 0
    incomplete: int = 0
    # The oldest and newest day the row's stored claims were computed for (None: never stored).
    claims_as_of: date | None = None
    claims_newest: date | None = None


def aging_buckets(*, today: date) -> list[tuple[str, str, Q, dict]]:
    """(key, label, condition on the case, cases-list query) per bucket of days past due."""
    buckets = []
    for key, label, low, high in DAYS_PAST_DUE_BUCKETS:
        if key == "not_due":
            # Not yet due includes the due date itself (0 days past due), as in the case lists.
            condition, query = Q(invoice__due_date__gte=today), {"days_max": 0}
        else:
            condition = Q(invoice__due_date__lte=today - timedelta(days=low))
            query = {"days_min": low}
            if high is not None:
                condition &= Q(invoice__due_date__gte=today - timedelta(days=high))
                query["days_max"] = high
        buckets.append((key, str(label), condition, query))
    return buckets


def aging_report(*, today: date | None = None, with_claims: bool = True) -> list[AgingRow]:
    """Active cases and the amounts left to pay per bucket of days past due, per currency (PLN first).

    One query. A case without a due date counts in the totals only (the sync never opens one).
    `with_claims`: also the interest and compensation, summed from the values stored on each case
    (`Case.claim_interest` / `claim_compensation`, refreshed after every daily sync and by every
    service that changes a claim) in the same query; `claims_as_of` says as of which day. A case
    whose claim is not stored or lacks a rate counts in `incomplete`.
    """
    today = today or business_today()
    buckets = aging_buckets(today=today)
    missing = Q(claim_as_of__isnull=True) | Q(claim_interest__isnull=True) | Q(claim_compensation__isnull=True)
    annotations = {}
    for index, (_key, _label, condition, _query) in enumerate(buckets):
        annotations[f"n{index}"] = Count("id", filter=condition)
        annotations[f"a{index}"] = Sum("invoice__left_to_pay", filter=condition, default=0)
        if with_claims:
            annotations[f"i{index}"] = Sum("claim_interest", filter=condition, default=0)
            annotations[f"c{index}"] = Sum("claim_compensation", filter=condition, default=0)
            annotations[f"x{index}"] = Count("id", filter=condition & missing)
    if with_claims:
        annotations |= {
            "i": Sum("claim_interest", default=0),
            "c": Sum("claim_compensation", default=0),
            "x": Count("id", filter=missing),
            "as_of": Min("claim_as_of"),
            "newest": Max("claim_as_of"),
        }
    rows = (
        Case.objects.filter(status=Case.Status.ACTIVE)
        .values("invoice__currency")
        .annotate(**annotations, n=Count("id"), a=Sum("invoice__left_to_pay", default=0))
        .order_by()
    )

    def claims(row: dict, suffix: str) -> dict:
        if not with_claims:
            return {}
        return {"interest": row[f"i{suffix}"], "compensation": row[f"c{suffix}"], "incomplete": row[f"x{suffix}"]}

    base = reverse("cases:active")
    report = [
        AgingRow(
            currency=row["invoice__currency"],
            cells=[
                AgingCell(key, label, row[f"n{i}"], row[f"a{i}"], f"{base}?{urlencode(query)}", **claims(row, str(i)))
                for i, (key, label, _condition, query) in enumerate(buckets)
            ],
            count=row["n"],
            amount=row["a"],
            **claims(row, ""),
            claims_as_of=row.get("as_of"),
            claims_newest=row.get("newest"),
        )
        for row in rows
    ]
    return sorted(report, key=lambda row: (row.currency != "PLN", row.currency))


def aging_claims_as_of(rows: list[AgingRow]) -> date | None:
    """The day the oldest stored claim in the aging table was computed for (None: none stored)."""
    days = [row.claims_as_of for row in rows if row.claims_as_of is not None]
    return min(days) if days else None


# --- Paid after which stage -----------------------------------------------------------------


@dataclass(frozen=True)
class PaidAfterStage:
    offset: int | None  # None: paid before any reminder was sent
    label: str
    count: int
    share: float  # percent of the period's paid cases


def paid_after_stage(*, start: date, end: date) -> list[PaidAfterStage]:
    """Cases closed as paid in [start, end], by the last reminder stage actually sent before."""
    low, high = day_bounds(start, end)
    sent = Notification.objects.filter(case=OuterRef("pk"), status=Notification.Status.SENT)
    # The offset each e-mail recorded when it went out (an index-only read of the partial index
    # notification_sent_case_offset_idx); rows from before that column existed use their stage's.
    recorded = sent.filter(stage_offset__isnull=False).order_by("-stage_offset").values("stage_offset")[:1]
    legacy = sent.filter(stage_offset__isnull=True).order_by("-stage__offset_days").values("stage__offset_days")[:1]
    recorded, legacy = Subquery(recorded), Subquery(legacy)
    counts = dict(
        Case.objects.filter(
            status=Case.Status.CLOSED, close_reason=Case.CloseReason.PAID, closed_at__gte=low, closed_at__lt=high
        )
        .annotate(last_sent=Coalesce(Greatest(recorded, legacy), recorded, legacy))
        .values("last_sent")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("last_sent", "n")
    )
    total = sum(counts.values())
    names = dict(ReminderStage.objects.values_list("offset_days", "name"))
    offsets = sorted(set(names) | {offset for offset in counts if offset is not None})
    rows = [PaidAfterStage(None, _("przed pierwszym przypomnieniem"), counts.get(None, 0), 0.0)]
    rows += [
        PaidAfterStage(offset, f"{names.get(offset, _('etap'))} ({offset:+d})", counts.get(offset, 0), 0.0)
        for offset in offsets
    ]
    return [
        PaidAfterStage(row.offset, row.label, row.count, round(100 * row.count / total, 1) if total else 0.0)
        for row in rows
    ]


# --- Charts -------------------------------------------------------------------------------------


@dataclass
class Chart:
    key: str
    title: str
    svg: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)  # the same data as a table, for reading exactly


def _day_categories(days: list[date]) -> list[charts.Category]:
    return [charts.Category(day.isoformat(), f"{day:%d.%m}", formatting.format_date(day)) for day in days]


def chart_cases(*, start: date, end: date) -> Chart:
    per_day = cases_opened_closed_per_day(start=start, end=end)
    days = sorted(per_day)
    opened, closed = _("otwarte"), _("zamknięte")
    svg = charts.bar_chart(
        title=_("Sprawy otwarte i zamknięte dziennie"),
        categories=_day_categories(days),
        series=[
            charts.Series("opened", opened, [per_day[d]["opened"] for d in days], "#1f5fa8"),
            charts.Series("closed", closed, [per_day[d]["closed"] for d in days], "#2e7d32"),
        ],
        empty=_("Brak danych w tym okresie"),
    )
    rows = [
        [formatting.format_date(d), str(per_day[d]["opened"]), str(per_day[d]["closed"])]
        for d in days
        if per_day[d]["opened"] or per_day[d]["closed"]
    ]
    return Chart("cases", _("Sprawy otwarte i zamknięte"), svg, [_("dzień"), opened, closed], rows)


def chart_emails(*, start: date, end: date) -> Chart:
    data = emails_sent_per_stage_per_day(start=start, end=end)
    days = sorted(data.per_day)
    series = [
        charts.Series(
            f"stage-{stage.offset_days}",
            f"{stage.name} ({stage.offset_days:+d})",
            [data.per_day[d].get(stage.pk, 0) for d in days],
        )
        for stage in data.stages
    ]
    svg = charts.bar_chart(
        title=_("E-maile wysłane dziennie, wg etapu"),
        categories=_day_categories(days),
        series=series,
        stacked=True,
        empty=_("Brak wysłanych e-maili w tym okresie"),
    )
    rows = [
        [formatting.format_date(d), *(str(data.per_day[d].get(stage.pk, 0)) for stage in data.stages)]
        for d in days
        if data.per_day[d]
    ]
    columns = [_("dzień"), *(s.label for s in series)]
    return Chart("emails", _("E-maile wysłane wg etapu"), svg, columns, rows)


def chart_api(*, start: date, end: date) -> Chart:
    runs = api_use_per_run(start=start, end=end)
    categories = [
        charts.Category(str(use.run_id), f"{timezone.localtime(use.started_at):%d.%m}", f"#{use.run_id}")
        for use in runs
    ]
    svg = charts.bar_chart(
        title=_("Zapytania do InFakt na minutę, w każdej synchronizacji, wobec limitu"),
        categories=categories,
        series=[
            charts.Series("per_minute", _("zapytań/min"), [round(use.per_minute, 1) for use in runs], "#1f5fa8"),
            charts.Series("rate_limited", _("odpowiedzi 429"), [use.rate_limited for use in runs], "#b3261e"),
        ],
        lines=[
            charts.Line("infakt", _("limit InFakt"), INFAKT_GET_LIMIT_PER_MINUTE, "#b3261e"),
            charts.Line("client", _("nasz limit"), settings.INFAKT_MAX_GET_PER_MINUTE, "#8a5a00", dashed=True),
        ],
        empty=_("Brak synchronizacji w tym okresie"),
    )
    rows = [
        [
            f"#{use.run_id}",
            formatting.format_datetime(use.started_at),
            str(use.requests),
            f"{use.per_minute:.1f}",
            str(use.rate_limited),
            str(use.retries),
        ]
        for use in runs
    ]
    columns = [_("synchronizacja"), _("start"), _("zapytania"), _("zapytań/min"), _("429"), _("ponowienia")]
    return Chart("api", _("Zapytania do InFakt wobec limitu"), svg, columns, rows)


def chart_interest_noted(*, end: date, months: int = 12) -> Chart:
    """Interest noted in interest notes per month of issue, the last `months` months, one series per currency."""
    first = end.replace(day=1)
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    per_month = interest_noted_per_month(start=first, end=end)
    month_list, month = [], first
    while month <= end:
        month_list.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    currencies = sorted({c for totals in per_month.values() for c in totals}, key=lambda c: (c != "PLN", c))
    svg = charts.bar_chart(
        title=_("Odsetki z not odsetkowych, wg miesiąca wystawienia"),
        categories=[charts.Category(m.isoformat(), f"{m:%m.%Y}", f"{m:%m.%Y}") for m in month_list],
        series=[
            charts.Series(f"noted-{c}", c, [per_month.get(m, {}).get(c, 0) / 100 for m in month_list])
            for c in currencies
        ],
        stacked=True,
        empty=_("Brak not odsetkowych w tym okresie"),
    )
    rows = [
        [f"{m:%m.%Y}", *(formatting.format_money(per_month[m].get(c, 0), c) for c in currencies)]
        for m in month_list
        if m in per_month
    ]
    return Chart("interest-notes", _("Odsetki z not odsetkowych"), svg, [_("miesiąc"), *currencies], rows)


def aging_by_bucket(rows: list[AgingRow]) -> list[tuple[str, list[tuple[str, AgingCell]]]]:
    """The aging table turned for reading down: one row per bucket (then the totals), each currency's cell."""
    if not rows:
        return []
    table = [(cells[0].label, [(row.currency, cell) for row, cell in zip(rows, cells, strict=True)])
             for cells in zip(*(row.cells for row in rows), strict=True)]  # fmt: skip
    totals = [
        (
            row.currency,
            AgingCell("total", _("Razem"), row.count, row.amount, "", row.interest, row.compensation, row.incomplete),
        )
        for row in rows
    ]
    return [*table, (_("Razem"), totals)]


def aging_charts(rows: list[AgingRow]) -> list[Chart]:
    """Per currency, the money left to pay in each bucket of days past due (the table gives the counts)."""
    result = []
    for row in rows:
        symbol = formatting.CURRENCY_SYMBOLS.get(row.currency, row.currency)
        label = _("do zapłaty (%(currency)s)") % {"currency": symbol}
        svg = charts.bar_chart(
            title=_("Kwota do zapłaty wg dni po terminie (%(currency)s)") % {"currency": row.currency},
            categories=[
                charts.Category(
                    cell.key,
                    cell.label,
                    f"{cell.label} · {ngettext('%(counter)s sprawa', '%(counter)s spraw', cell.count)}"
                    % {"counter": cell.count},
                )
                for cell in row.cells
            ],
            series=[charts.Series(f"amount-{row.currency}", label, [round(cell.amount / 100) for cell in row.cells])],
            unit=symbol,
            height=200,
            empty=_("Brak aktywnych spraw."),
        )
        result.append(Chart(f"aging-{row.currency}", label, svg, []))
    return result


# --- The reports page's figures (served from a snapshot: panel.snapshots) ----------------------


def reports_compute(*, days: int, today: date) -> dict:
    """Everything the reports page draws but the live alerts and the interest-note totals, in the active
    language: at 100,000 cases the aggregates take most of a second, so the page serves the last
    snapshot of this (panel.snapshots.reports_page) and the worker computes the next one."""
    start = today - timedelta(days=days - 1)
    aging = aging_report(today=today)
    return {
        "today": today,
        "start": start,
        "charts": report_charts(days=days, today=today),
        "aging": aging,
        "aging_charts": aging_charts(aging),
        "aging_by_bucket": aging_by_bucket(aging),
        "paid_after": paid_after_stage(start=start, end=today),
        "aging_labels": [label for _key, label, _q, _query in aging_buckets(today=today)],
        "aging_claims_as_of": aging_claims_as_of(aging),
    }


def report_charts(*, days: int, today: date | None = None) -> list[Chart]:
    end = today or business_today()
    start = end - timedelta(days=days - 1)
    return [
        chart_cases(start=start, end=end),
        chart_emails(start=start, end=end),
        chart_api(start=start, end=end),
        chart_interest_noted(end=end),
    ]


# --- Daily summary (the figures; notifications.services.summary renders and sends the e-mail) ----------


def daily_summary_for(*, day: date, now: datetime | None = None) -> DailySummary:
    """What happened on `day` (Warsaw): syncs started, cases opened and closed, e-mails, API use;
    plus today's aging and health, so the e-mail says where things stand."""
    low, high = day_bounds(day, day)
    runs = list(SyncRun.objects.filter(started_at__gte=low, started_at__lt=high).order_by("started_at"))
    cases = cases_opened_closed_per_day(start=day, end=day)[day]
    reminder_runs = ReminderRun.objects.filter(day=day)
    emails = reminder_runs.aggregate(**{name: Sum(name, default=0) for name in EMAIL_COUNTS})
    held = [r for r in reminder_runs.order_by("started_at").values_list("held_reason", flat=True) if r]
    return DailySummary(
        day=day,
        runs=runs,
        cases_opened=cases["opened"],
        cases_closed=cases["closed"],
        emails=emails,
        held_reasons=list(dict.fromkeys(held)),
        api_requests=sum(run.api_requests for run in runs),
        api_rate_limited=sum(run.api_rate_limited for run in runs),
        records_skipped=sum(run.records_skipped for run in runs),
        aging=aging_report(today=business_today(now)),
        alerts=health_alerts(now=now),
    )


def daily_summary_send(*, day: date | None = None, now: datetime | None = None, connection=None) -> int:
    """E-mail the summary of `day` (default: yesterday in Warsaw) to the managers. Returns recipients."""
    now = now or timezone.now()
    day = day or business_today(now) - timedelta(days=1)
    recipients = daily_summary_recipients()
    if not recipients:
        log.warning("daily summary for %s not sent: no recipients (DAILY_SUMMARY_RECIPIENTS, Managers group)", day)
        return 0
    with translation.override("pl"):  # the alerts' messages are worded when gathered
        summary = daily_summary_for(day=day, now=now)
    return daily_summary_email_send(
        summary,
        recipients=recipients,
        panel_path=reverse("syncstatus:panel"),
        reports_path=reverse("syncstatus:reports"),
        connection=connection,
    )
