"""Reads for reminder sending: which stage is due for which case, and is the day's sync good enough.

Reads `syncstatus.models.SyncRun` (models only) for the freshness rule; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.calendar import stage_send_date
from cases.models import Case, ReminderStage
from syncstatus.models import SyncRun

from .models import Notification, ReminderRun


def reminder_stages_active() -> list[ReminderStage]:
    return list(ReminderStage.objects.filter(is_active=True).order_by("offset_days"))


def case_list_due_for_reminders(*, day: date) -> QuerySet[Case]:
    """Active cases whose next stage falls due by `day` (paused ones included: the caller counts them)."""
    return (
        Case.objects.filter(status=Case.Status.ACTIVE, next_reminder_date__lte=day)
        .select_related("invoice", "invoice__client", "next_stage")
        .order_by("next_reminder_date", "id")
    )


@dataclass
class DueStage:
    """What `day` means for one case: the stage to send (or none) and the stages passed over."""

    case: Case
    stage: ReminderStage | None
    passed_over: list[ReminderStage] = field(default_factory=list)

    @property
    def target_offset(self) -> int:
        """The case's last_stage_offset once this is handled."""
        return self.stage.offset_days if self.stage else self.passed_over[-1].offset_days

    @property
    def floor_offset(self) -> int | None:
        """Where the case goes back to if the send fails: the passed-over stages stay handled."""
        offsets = [s.offset_days for s in self.passed_over]
        if self.case.last_stage_offset is not None:
            offsets.append(self.case.last_stage_offset)
        return max(offsets) if offsets else None


def case_due_stage(*, case: Case, day: date, stages: list[ReminderStage]) -> DueStage | None:
    """The highest stage due on `day` for the case; the lower due ones are passed over.

    A stage before the due date (negative offset) never goes out on or after the due date:
    if it is the highest one due, it is only passed over.
    """
    due = case.invoice.due_date
    if due is None:
        return None
    last = case.last_stage_offset
    ready = [s for s in stages if (last is None or s.offset_days > last) and stage_send_date(due, s.offset_days) <= day]
    if not ready:
        return None
    chosen = ready[-1]
    if chosen.offset_days < 0 and day >= due:
        return DueStage(case=case, stage=None, passed_over=ready)
    return DueStage(case=case, stage=chosen, passed_over=ready[:-1])


def reminder_plan(*, day: date, stages: list[ReminderStage] | None = None) -> tuple[list[DueStage], int]:
    """(the due stages of every active, unpaused case on `day`, how many due cases are paused)."""
    if stages is None:
        stages = reminder_stages_active()
    plan: list[DueStage] = []
    paused = 0
    for case in case_list_due_for_reminders(day=day):
        if case.is_paused_on(day):
            paused += 1
            continue
        due = case_due_stage(case=case, day=day, stages=stages)
        if due is not None:
            plan.append(due)
    return plan, paused


# --- Freshness ------------------------------------------------------------------


@dataclass(frozen=True)
class SyncCheck:
    run: SyncRun | None
    reason: str = ""  # a Notification.Reason when the sends must be held
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


def reminder_sync_for_day(*, day: date) -> SyncRun | None:
    """The latest real (not dry, not a case refresh) sync run for `day`."""
    return (
        SyncRun.objects.filter(target_date=day, dry_run=False, kind__in=[SyncRun.Kind.DAILY, SyncRun.Kind.FULL])
        .order_by("-started_at")
        .first()
    )


def reminder_sync_check(*, day: date, now: datetime | None = None) -> SyncCheck:
    """May reminders for `day` be sent? Only on the strength of that day's finished, successful sync."""
    now = now or timezone.now()
    run = reminder_sync_for_day(day=day)
    reason = Notification.Reason
    if run is None:
        return SyncCheck(None, reason.SYNC_MISSING, f"Brak synchronizacji z InFakt na dzień {day:%d.%m.%Y}.")
    if run.status == SyncRun.Status.RUNNING:
        return SyncCheck(run, reason.SYNC_RUNNING, f"Synchronizacja #{run.pk} jeszcze trwa.")
    if run.status == SyncRun.Status.FAILED:
        detail = (run.error or "").strip().splitlines()
        suffix = f": {detail[0][:200]}" if detail else ""
        return SyncCheck(run, reason.SYNC_FAILED, f"Synchronizacja #{run.pk} nie powiodła się{suffix}.")
    max_age = timedelta(hours=settings.REMINDER_SYNC_MAX_AGE_HOURS)
    if run.finished_at is None or run.finished_at < now - max_age:
        finished = timezone.localtime(run.finished_at).strftime("%d.%m.%Y %H:%M") if run.finished_at else "?"
        return SyncCheck(
            run,
            reason.SYNC_STALE,
            f"Synchronizacja #{run.pk} zakończyła się {finished}, ponad "
            f"{settings.REMINDER_SYNC_MAX_AGE_HOURS} h temu; potrzebna świeża.",
        )
    return SyncCheck(run)


def case_is_fresh(*, case: Case, check: SyncCheck) -> bool:
    """The case was read by the day's sync (or later)."""
    return (
        check.run is not None and case.last_refreshed_at is not None and case.last_refreshed_at >= check.run.started_at
    )


# --- Logs for the panel and the admin -------------------------------------------


def notification_failed_for(*, case: Case, stage: ReminderStage) -> Notification | None:
    return Notification.objects.filter(case=case, stage=stage, status=Notification.Status.FAILED).first()


def notification_list_for_case(*, case: Case) -> QuerySet[Notification]:
    return Notification.objects.filter(case=case).select_related("stage", "triggered_by").order_by("-created_at")


def notification_list_needing_review() -> QuerySet[Notification]:
    """Uncertain attempts, and failures that ran out of attempts: staff decide."""
    return (
        Notification.objects.filter(
            Q(status=Notification.Status.UNCERTAIN)
            | Q(status=Notification.Status.FAILED, reason=Notification.Reason.MAX_ATTEMPTS)
        )
        .select_related("case__invoice", "stage")
        .order_by("-created_at")
    )


def case_ids_without_email() -> list[int]:
    """Active cases a reminder could not be sent to for want of a usable address (flagged)."""
    return list(
        Notification.objects.filter(reason=Notification.Reason.NO_EMAIL, case__status=Case.Status.ACTIVE)
        .filter(Q(case__invoice__client__isnull=True) | Q(case__invoice__client__has_usable_email=False))
        .values_list("case_id", flat=True)
        .distinct()
    )


def reminder_run_latest() -> ReminderRun | None:
    return ReminderRun.objects.order_by("-started_at").first()


def reminder_runs_for_day(*, day: date) -> QuerySet[ReminderRun]:
    return ReminderRun.objects.filter(day=day).order_by("-started_at")
