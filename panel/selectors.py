"""Reads for the sync status panel and the reports: runs with their e-mail counts, live progress, the
per-day series, and what the cached pages depend on.

Nothing here writes. Days are Europe/Warsaw calendar days; ranges are inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from cases.models import Case, ReminderStage
from common import formatting
from common.calendar import WARSAW
from notifications.models import Notification, ReminderRun
from syncstatus.models import SkippedRecord, SyncRun
from syncstatus.selectors import PHASE_LABELS, PHASES

EMAIL_COUNTS = ("sent", "failed", "held", "skipped", "uncertain", "no_email")
RUN_COUNTERS = (
    "invoices_read",
    "cases_opened",
    "cases_refreshed",
    "cases_updated",
    "cases_closed",
    "clients_fetched",
    "records_skipped",
    "api_requests",
    "api_rate_limited",
    "api_retries",
)


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in Warsaw time, as aware datetimes (index-friendly ranges)."""
    return (
        datetime.combine(start, time.min, tzinfo=WARSAW),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=WARSAW),
    )


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# --- Runs ---------------------------------------------------------------------------------


def email_counts_by_sync_run(*, run_ids: list[int]) -> dict[int, dict[str, int]]:
    """What the reminder runs relying on each sync did: {sync run id: {"sent": n, "failed": n, ...}}."""
    rows = (
        ReminderRun.objects.filter(sync_run_id__in=run_ids)
        .values("sync_run_id")
        .annotate(**{name: Sum(name) for name in EMAIL_COUNTS}, reminder_runs=Count("id"))
    )
    return {row.pop("sync_run_id"): row for row in rows}


def sync_run_list(*, limit: int = 50) -> list[SyncRun]:
    """The latest runs, newest first, each with `.emails` (the counts of the reminder runs that used it)."""
    runs = list(SyncRun.objects.select_related("triggered_by").order_by("-started_at")[:limit])
    counts = email_counts_by_sync_run(run_ids=[run.pk for run in runs])
    for run in runs:
        run.duration_text = duration_text(run.duration.total_seconds() if run.duration else None)
        run.emails = counts.get(run.pk, dict.fromkeys((*EMAIL_COUNTS, "reminder_runs"), 0))
    return runs


def sync_run_skipped_records(*, run: SyncRun) -> QuerySet[SkippedRecord]:
    return run.skipped_records.order_by("id")


def sync_run_notifications(*, run: SyncRun) -> QuerySet[Notification]:
    """Every e-mail row written by the reminder runs that relied on `run`."""
    return (
        Notification.objects.filter(run__sync_run_id=run.pk)
        .select_related("case__invoice__client", "stage")
        .defer("body_text", "body_html", "case__invoice__raw", "case__invoice__client__raw")
        .order_by("-sent_at", "-created_at", "id")
    )


def sync_run_reminder_runs(*, run: SyncRun) -> QuerySet[ReminderRun]:
    return ReminderRun.objects.filter(sync_run_id=run.pk).order_by("started_at")


# --- Live progress ----------------------------------------------------------------------------


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def run_progress(run: SyncRun, *, now: datetime | None = None) -> dict:
    """Where a run is: phase, step of steps, a percentage for the bar (phase-based, refined by
    progress_done/progress_total when the engine reports them), and its elapsed time."""
    now = now or timezone.now()
    phases = PHASES.get(run.kind, PHASES[SyncRun.Kind.DAILY])
    finished = run.status != SyncRun.Status.RUNNING
    if finished:
        step, percent = len(phases), 100
    else:
        step = phases.index(run.phase) + 1 if run.phase in phases else 0
        # Halfway through the current phase unless the engine reports how far it is.
        within = run.progress_done / run.progress_total if run.progress_total else 0.5
        percent = int(100 * (max(step - 1, 0) + min(within, 1)) / len(phases)) if step else 0
    elapsed = ((run.finished_at or now) - run.started_at).total_seconds()
    return {
        "phase": run.phase,
        "phase_label": str(PHASE_LABELS.get(run.phase, run.phase)),
        "step": step,
        "steps": len(phases),
        "percent": percent,
        "elapsed": duration_text(elapsed),
        "finished": finished,
    }


def run_as_json(run: SyncRun, *, emails: dict[str, int] | None = None, now: datetime | None = None) -> dict:
    """The run as the poller shows it: display strings under "fields", plus state for the bar."""
    progress = run_progress(run, now=now)
    fields = {name: str(getattr(run, name)) for name in RUN_COUNTERS}
    fields.update(
        id=str(run.pk),
        kind=str(run.get_kind_display()),
        trigger=str(run.get_trigger_display()),
        target_date=formatting.format_date(run.target_date),
        started_at=formatting.format_datetime(run.started_at),
        status=str(run.get_status_display()),
        phase=progress["phase_label"],
        step=f"{progress['step']}/{progress['steps']}",
        duration=progress["elapsed"],
        error=(run.error or "").strip().splitlines()[0][:300] if run.error else "",
    )
    if emails is not None:
        fields.update({f"emails_{name}": str(emails.get(name) or 0) for name in EMAIL_COUNTS})
    return {
        "id": run.pk,
        "status": run.status,
        "running": run.status == SyncRun.Status.RUNNING,
        "percent": progress["percent"],
        "fields": fields,
    }


# --- Per-day series for the charts --------------------------------------------------------------


def cases_opened_closed_per_day(*, start: date, end: date) -> dict[date, dict[str, int]]:
    """{day: {"opened": n, "closed": n}} for every day in [start, end]: cases by `opened_at`, and
    cases now closed by `closed_at` (so the numbers match the case lists filtered by date)."""
    low, high = day_bounds(start, end)
    result = {day: {"opened": 0, "closed": 0} for day in days_between(start, end)}
    opened = (
        Case.objects.filter(opened_at__gte=low, opened_at__lt=high)
        .annotate(day=TruncDate("opened_at", tzinfo=WARSAW))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    closed = (
        Case.objects.filter(status=Case.Status.CLOSED, closed_at__gte=low, closed_at__lt=high)
        .annotate(day=TruncDate("closed_at", tzinfo=WARSAW))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in opened:
        result[row["day"]]["opened"] = row["n"]
    for row in closed:
        result[row["day"]]["closed"] = row["n"]
    return result


@dataclass
class StageSeries:
    stages: list[ReminderStage]
    per_day: dict[date, dict[int, int]] = field(default_factory=dict)  # day -> {stage id: sent}


def emails_sent_per_stage_per_day(*, start: date, end: date) -> StageSeries:
    """E-mails actually sent (status "sent", by `sent_at`), per day and stage."""
    low, high = day_bounds(start, end)
    rows = (
        Notification.objects.filter(status=Notification.Status.SENT, sent_at__gte=low, sent_at__lt=high)
        .annotate(day=TruncDate("sent_at", tzinfo=WARSAW))
        .values("day", "stage_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    series = StageSeries(stages=[], per_day={day: {} for day in days_between(start, end)})
    stage_ids: set[int] = set()
    for row in rows:
        series.per_day[row["day"]][row["stage_id"]] = row["n"]
        stage_ids.add(row["stage_id"])
    series.stages = list(
        ReminderStage.objects.filter(pk__in=stage_ids).only("name", "offset_days").order_by("offset_days")
    )
    return series


@dataclass(frozen=True)
class ApiUse:
    run_id: int
    started_at: datetime
    requests: int
    rate_limited: int
    retries: int
    seconds: float

    @property
    def per_minute(self) -> float:
        """Average GETs per minute; a run shorter than a minute put all its requests in one window."""
        return self.requests / max(self.seconds / 60, 1)


def api_use_per_run(*, start: date, end: date) -> list[ApiUse]:
    """Every finished run started in [start, end], oldest first, with its API use."""
    low, high = day_bounds(start, end)
    runs = (
        SyncRun.objects.filter(started_at__gte=low, started_at__lt=high, finished_at__isnull=False)
        .order_by("started_at")
        .values_list("pk", "started_at", "finished_at", "api_requests", "api_rate_limited", "api_retries")
    )
    return [
        ApiUse(pk, started, requests, limited, retries, (finished - started).total_seconds())
        for pk, started, finished, requests, limited, retries in runs
    ]


# --- What cached pages depend on -----------------------------------------------------------------


def data_version() -> tuple:
    """Changes whenever what the reports and the health alerts read may have changed: a sync or a sending
    run started or finished, a case opened or closed, an e-mail written or changed (confirmed, resent),
    a stage edited. One query of index probes (ORDER BY ... LIMIT 1) and the few stages."""
    probes = {
        "sync": SyncRun.objects.order_by("-pk").values("pk")[:1],
        "sync_end": SyncRun.objects.filter(finished_at__isnull=False)
        .order_by("-finished_at")
        .values("finished_at")[:1],
        "reminders": ReminderRun.objects.order_by("-pk").values("pk")[:1],
        "case": Case.objects.order_by("-pk").values("pk")[:1],
        "closed": Case.objects.filter(status=Case.Status.CLOSED).order_by("-closed_at").values("closed_at")[:1],
        "email": Notification.objects.order_by("-pk").values("pk")[:1],
        "email_change": Notification.objects.order_by("-updated_at").values("updated_at")[:1],
    }
    row = ReminderStage.objects.order_by().annotate(**{k: Subquery(q) for k, q in probes.items()}).values(*probes)[:1]
    stages = ReminderStage.objects.order_by("-pk").values_list("pk", "offset_days", "name")
    return (tuple(row[0].values()) if row else (), tuple(stages))
