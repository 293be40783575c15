"""Reads for reminder sending: which stage is due for which case, and is the day's sync good enough.

The freshness rule itself belongs to the sync engine above, which registers it here at start-up
(`reminder_sync_check_register`); nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from cases import ladder
from cases.models import Case, Client, ReminderStage
from common.formatting import format_date

from .models import Notification, ReminderMessage, ReminderReview, ReminderRun


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
    """What `day` means for one case (cases.ladder.decide): the rung to send, if any, and the
    rungs to record as skipped first, with their reasons."""

    case: Case
    stage: ReminderStage | None
    skips: list[tuple[ReminderStage, str]] = field(default_factory=list)

    @property
    def passed_over(self) -> list[ReminderStage]:
        return [stage for stage, _reason in self.skips]

    @property
    def target_offset(self) -> int:
        """The case's last_stage_offset once this is handled."""
        return self.stage.offset_days if self.stage else self.skips[-1][0].offset_days


def case_due_stage(*, case: Case, day: date, stages: list[ReminderStage]) -> DueStage | None:
    """The ladder's decision for the case on `day` (None: nothing to send or record)."""
    due = case.invoice.due_date
    if due is None:
        return None
    by_offset = {s.offset_days: s for s in stages}
    decision = ladder.decide(
        day=day,
        due=due,
        offsets=list(by_offset),
        handled=case.last_stage_offset,
        previous=case.previous_letter,
        paused=case.is_paused_on(day),
    )
    if decision.send is None and not decision.skip:
        return None
    return DueStage(
        case=case,
        stage=by_offset[decision.send] if decision.send is not None else None,
        skips=[(by_offset[offset], reason) for offset, reason in decision.skip],
    )


def reminder_plan(*, day: date, stages: list[ReminderStage] | None = None) -> tuple[list[DueStage], int]:
    """(the ladder's decisions for every active, unpaused case due by `day`, how many due cases are paused)."""
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


def letters_sent_before(*, case_ids: list[int], before: date | None = None) -> list[dict]:
    """The letters actually sent for these cases (the `previous_letters` template variable), oldest first."""
    rows = Notification.objects.filter(case_id__in=case_ids, status=Notification.Status.SENT).select_related(
        "stage", "case__invoice"
    )
    if before is not None:
        rows = rows.filter(send_date__lt=before)
    return [
        {
            "date": format_date(n.send_date),
            "day": n.send_date,
            "name": n.stage.name,
            "offset": n.stage_offset if n.stage_offset is not None else n.stage.offset_days,
            "invoice_number": n.case.invoice.number,
        }
        for n in rows.order_by("send_date", "stage_offset", "pk")
    ]


def clients_mailed_on(*, day: date) -> set[int]:
    """Clients that already got (or may have got) a reminder e-mail on `day`."""
    return set(
        ReminderMessage.objects.filter(send_date=day, status__in=Notification.LIVE_STATUSES, client__isnull=False)
        .values_list("client_id", flat=True)
        .distinct()
    )


def case_ids_held_by_staff(*, day: date) -> set[int]:
    return set(
        Notification.objects.filter(
            send_date=day, status=Notification.Status.HELD, reason=Notification.Reason.STAFF_HOLD
        ).values_list("case_id", flat=True)
    )


def reminder_review_pending() -> bool:
    """The first-run review (policy 4): on, never approved, and the app has never sent a reminder."""
    if not settings.REMINDER_FIRST_RUN_REVIEW:
        return False
    if ReminderReview.objects.exists():
        return False
    return not Notification.objects.filter(
        status__in=[Notification.Status.SENT, Notification.Status.UNCERTAIN]
    ).exists()


@dataclass
class ClientLetters:
    """One client's planned letters for a day (the review page, the clerk's worklist)."""

    client: Client | None
    recipients: list[str]
    letters: list[DueStage]

    @property
    def highest(self) -> ReminderStage | None:
        stages = [d.stage for d in self.letters if d.stage is not None]
        return max(stages, key=lambda s: s.offset_days) if stages else None


def reminder_letters_planned(*, day: date) -> list[ClientLetters]:
    """The letters that would go out on `day` (rung to send, not paused), grouped by client."""
    plan, _paused = reminder_plan(day=day)
    groups: dict[int | None, ClientLetters] = {}
    for due in plan:
        if due.stage is None:
            continue
        client = due.case.invoice.client
        key = client.pk if client else None
        if key not in groups:
            emails = list(client.emails) if client is not None and client.has_usable_email else []
            groups[key] = ClientLetters(client=client, recipients=emails, letters=[])
        groups[key].letters.append(due)
    return sorted(groups.values(), key=lambda g: (str(g.client or ""), g.client.pk if g.client else 0))


# --- Freshness ------------------------------------------------------------------


@dataclass(frozen=True)
class SyncCheck:
    run: Any | None  # the day's sync run (its pk and started_at), as the sync engine found it
    reason: str = ""  # a Notification.Reason when the sends must be held
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


# The sync engine sits above this app: it registers, at start-up (syncstatus.apps), the function that
# says whether the reminders of a day may go out on the strength of that day's sync.
_sync_check: Callable[..., SyncCheck] | None = None


def reminder_sync_check_register(check: Callable[..., SyncCheck]) -> None:
    """Install `check(day=, now=) -> SyncCheck`, the freshness rule of the sync engine."""
    global _sync_check
    _sync_check = check


def reminder_sync_check(*, day: date, now: datetime | None = None) -> SyncCheck:
    """May reminders for `day` be sent? Only on the strength of that day's finished, successful sync;
    with no sync engine registered, there is no sync to rely on and the sends are held."""
    if _sync_check is None:
        return SyncCheck(
            None, Notification.Reason.SYNC_MISSING, f"Brak synchronizacji z InFakt na dzień {day:%d.%m.%Y}."
        )
    return _sync_check(day=day, now=now or timezone.now())


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
