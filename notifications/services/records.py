"""Reports of a run, and the rows and case events every path writes (skipped, held, no e-mail)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case, CaseEvent, ReminderStage
from cases.services import case_claim_rung, case_event_add
from cases.timeline import LETTER_REASONS
from cases.timeline import stage_params as stage_params

from ..emails import reminder_language
from ..models import Notification, ReminderRun
from ..selectors import notification_failed_for

Status = Notification.Status
Reason = Notification.Reason


class ReminderNotSendable(Exception):
    """A manual send refused; the message is for staff (Polish)."""


@dataclass
class PlannedSend:
    """One line of a dry run or preview: what would happen to a case, to whom."""

    case_id: int
    invoice_number: str
    client_name: str
    action: str  # send | skip | no_email | held | gave_up | deferred
    stage_offset: int | None
    stage_name: str
    recipients: list[str]
    subject: str = ""
    passed_over: list[int] = field(default_factory=list)
    note: str = ""
    email: int | None = None  # which of the day's e-mails the letter goes in (1-based; digests share one)


COUNTERS = (
    "sent",
    "failed",
    "gave_up",
    "uncertain",
    "held",
    "skipped",
    "no_email",
    "paused",
    "cancelled",
    "deferred",
    "messages",
    "smtp_connections",
)


@dataclass
class SendReport:
    day: date
    dry_run: bool = False
    run_id: int | None = None
    sync_run_id: int | None = None
    held_reason: str = ""
    not_business_day: bool = False
    review_pending: bool = False
    planned: list[PlannedSend] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    uncertain: int = 0
    held: int = 0
    skipped: int = 0
    no_email: int = 0
    paused: int = 0
    cancelled: int = 0
    deferred: int = 0
    messages: int = 0
    smtp_connections: int = 0

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}

    def add(self, counter: str, n: int = 1) -> None:
        setattr(self, counter, getattr(self, counter) + n)

    def summary(self) -> str:
        prefix = "[PRÓBA] " if self.dry_run else ""
        head = f"{prefix}Przypomnienia na {self.day:%d.%m.%Y}"
        if self.dry_run:
            to_send = sum(1 for p in self.planned if p.action == "send")
            head += f": do wysłania {to_send} (e-maile {self.messages})"
        else:
            head += f": wysłane {self.sent} (e-maile {self.messages})"
        tail = (
            f", błędy {self.failed}, porzucone {self.gave_up}, niepewne {self.uncertain}, wstrzymane {self.held}, "
            f"pominięte etapy {self.skipped}, bez e-maila {self.no_email}, wstrzymane sprawy {self.paused}, "
            f"anulowane {self.cancelled}, odłożone {self.deferred}, połączenia SMTP {self.smtp_connections}"
        )
        held = f" — WSTRZYMANE: {self.held_reason}" if self.held_reason else ""
        return head + tail + held


def stage_label(stage: ReminderStage) -> str:
    return f"„{stage.name}” ({stage.offset_days:+d})"


def reminder_event(case: Case, code: str, params: dict, *, now: datetime, user=None, **data) -> None:
    """A letter's line on the timeline: a code of `cases.timeline` and its raw parameters."""
    case_event_add(case=case, kind=CaseEvent.Kind.REMINDER, code=code, params=params, now=now, user=user, **data)


def letter_not_sent_event(
    case: Case, code: str, stage: ReminderStage, status: str, params: dict, *, now: datetime, **data
) -> None:
    """The timeline line of a rung that sent nothing (skipped, held, no e-mail, abandoned): the stage's
    parameters and `params`; the row's data says not sent, the offset, the status, and `data`."""
    params = {**stage_params(stage), **params}
    reminder_event(case, code, params, now=now, sent=False, offset=stage.offset_days, status=status, **data)


def rung_pass(
    case: Case, offset: int, skips, *, day: date, stages: list[ReminderStage], run, now: datetime, user=None
) -> Case | None:
    """Move the case to rung `offset` without a letter (cases.services.case_claim_rung) and record the
    rungs passed over (`skips`: (stage, reason) pairs). The locked fresh case, or None when another
    run moved it first. Call inside a transaction."""
    fresh = case_claim_rung(
        case_id=case.pk, expected=case.last_stage_offset, offset=offset, day=day, letter=False, stages=stages
    )
    if fresh is not None:
        for stage, reason in skips:
            record_skipped(case=fresh, stage=stage, day=day, reason=reason, run=run, now=now, user=user)
    return fresh


SKIP_NOTES = {
    Reason.BEFORE_DUE_LATE: "nie dotyczy po planowanym dniu (etap przed terminem płatności)",
    Reason.STAFF_CHOICE: "pominięty z wyboru pracownika",
    Reason.REVIEW_EXCLUDED: "wyłączony przy zatwierdzaniu pierwszej wysyłki",
}


def record_skipped(
    *,
    case: Case,
    stage: ReminderStage,
    day: date,
    reason: str,
    note: str = "",
    run: ReminderRun | None,
    now: datetime,
    user=None,
) -> None:
    """A skipped rung: a skipped row (a failed row for it becomes the skipped one) and an event."""
    note = note or SKIP_NOTES.get(reason, "")
    failed = notification_failed_for(case=case, stage=stage)
    values = {"status": Status.SKIPPED, "reason": reason, "updated_at": timezone.now()}
    if failed is not None:
        Notification.objects.filter(pk=failed.pk).update(error=f"{failed.error}\n{note}".strip(), **values)
    else:
        Notification.objects.create(
            case=case,
            stage=stage,
            send_date=day,
            stage_offset=stage.offset_days,
            language=reminder_language(case),
            error=note,
            run=run,
            status=Status.SKIPPED,
            reason=reason,
            triggered_by=user,
        )
    why = reason if reason in LETTER_REASONS else note
    letter_not_sent_event(case, "letter.skipped", stage, "skipped", {"why": why}, now=now, user=user, reason=reason)


def record_held(
    *, case: Case, stage: ReminderStage, day: date, reason: str, message: str, run, now: datetime, user=None
) -> bool:
    """A held letter: one row per case, stage and day (however often the run repeats), and an event."""
    client = case.invoice.client
    try:
        with transaction.atomic():
            _row, created = Notification.objects.get_or_create(
                case=case,
                stage=stage,
                send_date=day,
                status=Status.HELD,
                defaults={
                    "reason": reason,
                    "error": message,
                    "run": run,
                    "stage_offset": stage.offset_days,
                    "language": reminder_language(case),
                    "recipients": list(client.emails) if client is not None and client.has_usable_email else [],
                    "triggered_by": user,
                },
            )
    except IntegrityError:
        return False
    if not created and reason == Reason.STAFF_HOLD:
        Notification.objects.filter(pk=_row.pk).update(reason=reason, error=message, triggered_by=user)
    if created:
        why = reason if reason in LETTER_REASONS else message
        letter_not_sent_event(
            case, "letter.held", stage, "held", {"why": why}, now=now, note=message, user=user, reason=reason
        )
    return created


def record_no_email(*, case: Case, stage: ReminderStage, day: date, run, now: datetime) -> None:
    """Nothing is sent and the case stays due; flagged once per stage (row + event)."""
    if Notification.objects.filter(case=case, stage=stage, reason=Reason.NO_EMAIL).exists():
        return
    client = case.invoice.client
    raw = client.email_raw if client else ""
    note = f"Kontrahent nie ma poprawnego adresu e-mail (w InFakt: {raw!r})."
    Notification.objects.create(
        case=case,
        stage=stage,
        send_date=day,
        status=Status.SKIPPED,
        reason=Reason.NO_EMAIL,
        error=note,
        run=run,
        stage_offset=stage.offset_days,
        language=reminder_language(case),
    )
    letter_not_sent_event(case, "letter.no_email", stage, "no_email", {"raw": repr(raw)}, now=now)
