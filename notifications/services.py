"""Sending reminder e-mails: each stage at most once per case, never after payment.

Exactly once (house style 2, "claim before acting"):

1. *Claim*, in one transaction: a conditional update of the case
   (`filter(pk=..., last_stage_offset=<old>, status=active, invoice unpaid, not paused)`)
   moves `last_stage_offset` to the stage, `case_schedule_next` re-points the case, and a
   Notification row is written as `queued` with the rendered message and its Message-ID.
   The partial unique index on (case, stage) for queued/sent/uncertain makes a second
   live row impossible, whatever runs in parallel.
2. *Send* over the batch's SMTP connection, after the commit.
3. *Record*: `sent`; or `failed` when the server refused (the claim is released so the
   case stays due, the next day's sync reads it again and the next run reclaims the same
   row, counting attempts up to REMINDER_MAX_ATTEMPTS); or `uncertain` when the
   connection broke after the message data went out, or a run crashed between claim and
   answer (a `queued` row older than REMINDER_CLAIM_STALE_MINUTES). Uncertain is never
   resent automatically: staff confirm it or resend it by hand.

Sends happen only on the strength of the day's successful sync that read the case;
otherwise they are `held` (one row per case, stage and day) with the reason.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template import TemplateSyntaxError
from django.utils import timezone

from cases.calendar import business_today
from cases.models import Case, CaseEvent, Invoice, ReminderStage, case_paused_q
from cases.services import _event, case_schedule_next
from ops.logs import log_context

from .emails import (
    StageTexts,
    build_message,
    is_business_sending_day,
    new_message_id,
    reminder_headers,
    reminder_language,
    reminder_message,
    render_reminder,
)
from .models import Notification, ReminderRun
from .selectors import (
    DueStage,
    SyncCheck,
    case_is_fresh,
    notification_failed_for,
    reminder_plan,
    reminder_stages_active,
    reminder_sync_check,
)

log = logging.getLogger("invoicetracker.reminders")

Status = Notification.Status
Reason = Notification.Reason
ConnectionFactory = Callable[[], BaseEmailBackend]


class ReminderNotSendable(Exception):
    """A manual send refused; the message is for staff (Polish)."""


# --- Reports ----------------------------------------------------------------------


@dataclass
class PlannedSend:
    """One line of a dry run or preview: what would happen to a case, to whom."""

    case_id: int
    invoice_number: str
    client_name: str
    action: str  # send | skip | no_email | held | gave_up
    stage_offset: int | None
    stage_name: str
    recipients: list[str]
    subject: str = ""
    passed_over: list[int] = field(default_factory=list)
    note: str = ""


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
    smtp_connections: int = 0

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}

    def summary(self) -> str:
        prefix = "[PRÓBA] " if self.dry_run else ""
        head = f"{prefix}Przypomnienia na {self.day:%d.%m.%Y}"
        if self.dry_run:
            to_send = sum(1 for p in self.planned if p.action == "send")
            head += f": do wysłania {to_send}"
        else:
            head += f": wysłane {self.sent}"
        tail = (
            f", błędy {self.failed}, porzucone {self.gave_up}, niepewne {self.uncertain}, wstrzymane {self.held}, "
            f"pominięte etapy {self.skipped}, bez e-maila {self.no_email}, wstrzymane sprawy {self.paused}, "
            f"anulowane {self.cancelled}, połączenia SMTP {self.smtp_connections}"
        )
        held = f" — WSTRZYMANE: {self.held_reason}" if self.held_reason else ""
        return head + tail + held


# --- SMTP -------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    status: str  # Status.SENT, Status.FAILED or Status.UNCERTAIN
    error: str = ""


def default_connection() -> BaseEmailBackend:
    return get_connection(fail_silently=False, timeout=settings.REMINDER_SMTP_TIMEOUT)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


class _Sender:
    """One SMTP connection for a batch; reconnects once if the server drops it.

    With Django's SMTP backend the dialogue is driven here, so a refusal before or at
    the end of DATA (nothing delivered: `failed`) is told apart from a connection lost
    while the message was in flight (maybe delivered: `uncertain`). Other backends
    (locmem, console) go through `send_messages`.
    """

    def __init__(self, factory: ConnectionFactory | None, report: SendReport, *, down: list[str] | None = None):
        self.factory = factory or default_connection
        self.report = report
        self.backend: BaseEmailBackend | None = None
        self.down = down if down is not None else []  # shared across batches: SMTP could not be reached
        self.opened = False
        self.reconnects = 1

    def _open(self) -> str:
        try:
            backend = self.factory()
            backend.open()
        except Exception as exc:
            log.warning("SMTP connection failed: %s", exc)
            return _describe(exc)
        self.backend = backend
        self.opened = True
        self.report.smtp_connections += 1
        return ""

    def _drop(self) -> None:
        self.close()
        self.backend = None

    def close(self) -> None:
        if self.backend is not None:
            with contextlib.suppress(Exception):  # a failing QUIT changes nothing that was sent
                self.backend.close()

    def deliver(self, message) -> Delivery:
        if self.backend is None:
            if self.down:
                return Delivery(Status.FAILED, f"Serwer SMTP niedostępny: {self.down[0]}")
            if self.opened:
                if self.reconnects <= 0:
                    return Delivery(Status.FAILED, "Serwer SMTP ponownie zerwał połączenie.")
                self.reconnects -= 1
            error = self._open()
            if error:
                self.down.append(error)
                return Delivery(Status.FAILED, f"Serwer SMTP niedostępny: {error}")
        if isinstance(self.backend, SMTPBackend):
            return self._smtp(message)
        try:
            count = self.backend.send_messages([message])
        except Exception as exc:
            return Delivery(Status.FAILED, _describe(exc))
        return Delivery(Status.SENT) if count else Delivery(Status.FAILED, "Backend nie wysłał wiadomości.")

    def _smtp(self, message) -> Delivery:
        smtp: smtplib.SMTP = self.backend.connection
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in message.recipients()]
        data = message.message().as_bytes(linesep="\r\n")
        refused: dict[str, str] = {}
        try:
            smtp.ehlo_or_helo_if_needed()
            code, answer = smtp.mail(sender)
            if code != 250:
                self._after_refusal(smtp, code)
                return Delivery(Status.FAILED, f"MAIL FROM odrzucone: {code} {answer.decode(errors='replace')}")
            for address in recipients:
                code, answer = smtp.rcpt(address)
                if code not in (250, 251):
                    refused[address] = f"{code} {answer.decode(errors='replace')}"
            if len(refused) == len(recipients):
                self._after_refusal(smtp, 0)
                return Delivery(Status.FAILED, f"Odbiorcy odrzuceni: {refused}")
        except (smtplib.SMTPException, OSError) as exc:
            # Nothing went past the envelope: the message was certainly not delivered.
            self._drop()
            return Delivery(Status.FAILED, _describe(exc))
        try:
            code, answer = smtp.data(data)
        except smtplib.SMTPDataError as exc:
            self._after_refusal(smtp, exc.smtp_code)
            return Delivery(Status.FAILED, _describe(exc))
        except (smtplib.SMTPException, OSError) as exc:
            # The data may have reached the server: never resend automatically.
            self._drop()
            return Delivery(Status.UNCERTAIN, _describe(exc))
        if code != 250:
            self._after_refusal(smtp, code)
            return Delivery(Status.FAILED, f"DATA odrzucone: {code} {answer.decode(errors='replace')}")
        note = f"Część odbiorców odrzucona: {refused}" if refused else ""
        return Delivery(Status.SENT, note)

    def _after_refusal(self, smtp: smtplib.SMTP, code: int) -> None:
        if code == 421:  # the server is closing the connection
            self._drop()
            return
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()


# --- Rows and events --------------------------------------------------------------


def _reminder_event(case: Case, message: str, *, now: datetime, user=None, **data) -> None:
    _event(case, CaseEvent.Kind.REMINDER, message[:500], now=now, user=user, **data)


def _stage_label(stage: ReminderStage) -> str:
    return f"„{stage.name}” ({stage.offset_days:+d})"


def _record_skipped(
    *, case: Case, stage: ReminderStage, day: date, reason: str, note: str, run: ReminderRun | None, now: datetime
) -> None:
    """A passed-over stage: a skipped row (a failed row for it becomes the skipped one) and an event."""
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
        )
    _reminder_event(
        case,
        f"Pominięto etap {_stage_label(stage)}: {note}",
        now=now,
        sent=False,
        offset=stage.offset_days,
        status="skipped",
        reason=reason,
    )


def _skip_all(*, case: Case, stages: list[ReminderStage], day: date, run, now: datetime) -> int:
    for stage in stages:
        if stage.offset_days < 0 and day >= case.invoice.due_date:
            reason, note = Reason.BEFORE_DUE_LATE, "etap przed terminem, a termin płatności już minął"
        else:
            reason, note = Reason.PASSED_OVER, "nadszedł czas wyższego etapu (zaległe etapy nie są wysyłane)"
        _record_skipped(case=case, stage=stage, day=day, reason=reason, note=note, run=run, now=now)
    return len(stages)


def _advance(*, case_id: int, old: int | None, new: int, day: date, stages: list[ReminderStage]) -> Case | None:
    """The conditional update that claims a case: only if nobody moved it and it is still sendable."""
    claimable = Case.objects.filter(pk=case_id, status=Case.Status.ACTIVE)
    claimable = (
        claimable.filter(last_stage_offset__isnull=True) if old is None else claimable.filter(last_stage_offset=old)
    )
    claimable = (
        claimable.filter(invoice__left_to_pay__gt=0)
        .exclude(invoice__status=Invoice.Status.PAID)
        .exclude(case_paused_q(day))
    )
    if not claimable.update(last_stage_offset=new):
        return None
    case = Case.objects.select_related("invoice", "invoice__client").get(pk=case_id)
    case_schedule_next(case=case, stages=stages)
    return case


def _release(*, case_id: int, offset: int, floor: int | None, stages: list[ReminderStage]) -> None:
    """Undo a claim after a refused send, so the case stays due (and gets refreshed by the sync)."""
    if Case.objects.filter(pk=case_id, last_stage_offset=offset).update(last_stage_offset=floor):
        case = Case.objects.select_related("invoice").get(pk=case_id)
        case_schedule_next(case=case, stages=stages)


def _usable_emails(case: Case) -> list[str]:
    client = case.invoice.client
    if client is None or not client.has_usable_email:
        return []
    return list(client.emails)


@dataclass
class _Claim:
    notification: Notification
    case: Case
    stage: ReminderStage
    floor: int | None
    advanced: bool


class _NotClaimable(Exception):
    pass


class _RenderFailed(Exception):
    pass


def _queue(
    *,
    case: Case,
    stage: ReminderStage,
    day: date,
    stages: list[ReminderStage],
    mode: str,
    user,
    run: ReminderRun | None,
    reusable: tuple[str, ...],
) -> Notification:
    """Write the queued row (or reclaim a failed/uncertain one); IntegrityError if a live one exists."""
    recipients = _usable_emails(case)
    if not recipients:
        raise _NotClaimable("no usable e-mail")
    rendered = render_reminder(case=case, stage=stage, day=day, stages=stages)
    values = {
        "status": Status.QUEUED,
        "mode": mode,
        "send_date": day,
        "recipients": recipients,
        "cc": list(settings.REMINDER_CC),
        "subject": rendered.subject,
        "body_text": rendered.body_text,
        "body_html": rendered.body_html,
        "message_id": new_message_id(),
        "error": "",
        "reason": "",
        "stage_offset": stage.offset_days,
        "language": rendered.language,
        "run": run,
        "triggered_by": user,
        "sent_at": None,
    }
    previous = (
        Notification.objects.filter(case=case, stage=stage, status__in=reusable).order_by("-updated_at").first()
        if reusable
        else None
    )
    if previous is not None:
        claimed = Notification.objects.filter(pk=previous.pk, status=previous.status).update(
            attempts=F("attempts") + 1, updated_at=timezone.now(), **values
        )
        if not claimed:
            raise _NotClaimable("row changed")
        return Notification.objects.select_related("stage").get(pk=previous.pk)
    return Notification.objects.create(attempts=1, **values, case=case, stage=stage)


def _claim(*, due: DueStage, day: date, stages: list[ReminderStage], run: ReminderRun | None, now: datetime):
    """Claim the case's stage; None when it is no longer ours to send (paid, closed, moved, claimed)."""
    case, stage = due.case, due.stage
    try:
        with transaction.atomic():
            fresh = _advance(case_id=case.pk, old=case.last_stage_offset, new=stage.offset_days, day=day, stages=stages)
            if fresh is None:
                return None, 0
            skipped = _skip_all(case=fresh, stages=due.passed_over, day=day, run=run, now=now)
            notification = _queue(
                case=fresh,
                stage=stage,
                day=day,
                stages=stages,
                mode=Notification.Mode.AUTOMATIC,
                user=None,
                run=run,
                reusable=(Status.FAILED,),
            )
    except (IntegrityError, _NotClaimable):
        return None, 0
    except TemplateSyntaxError as exc:  # the admin validates templates; a broken one must not stop the run
        log.error("reminder stage %s of case %s does not render: %s", stage.pk, case.pk, exc)
        raise _RenderFailed(f"{case.invoice.number}, etap {_stage_label(stage)}: {_describe(exc)}") from exc
    return _Claim(notification=notification, case=fresh, stage=stage, floor=due.floor_offset, advanced=True), skipped


def _record_delivery(
    *, claim: _Claim, delivery: Delivery, stages: list[ReminderStage], now: datetime, automatic: bool, user=None
) -> str:
    """Store the SMTP outcome; returns the counter it belongs to."""
    n, case, stage = claim.notification, claim.case, claim.stage
    label = _stage_label(stage)
    stamp = timezone.now()
    mode = Notification.Mode.AUTOMATIC if automatic else Notification.Mode.MANUAL
    if delivery.status == Status.SENT:
        with transaction.atomic():
            Notification.objects.filter(pk=n.pk).update(
                status=Status.SENT, sent_at=stamp, error=delivery.error, reason="", updated_at=stamp
            )
            _reminder_event(
                case,
                f"Wysłano przypomnienie {label} do {', '.join(n.recipients)}" + (" (ręcznie)" if not automatic else ""),
                now=now,
                user=user,
                sent=True,
                offset=stage.offset_days,
                mode=mode,
                notification=n.pk,
                message_id=n.message_id,
            )
        return "sent"
    if delivery.status == Status.UNCERTAIN:
        with transaction.atomic():
            Notification.objects.filter(pk=n.pk).update(
                status=Status.UNCERTAIN, reason=Reason.INTERRUPTED, error=delivery.error, updated_at=stamp
            )
            _reminder_event(
                case,
                f"Niepewne: przypomnienie {label} mogło dotrzeć; wymaga sprawdzenia ({delivery.error})",
                now=now,
                user=user,
                sent=False,
                offset=stage.offset_days,
                status="uncertain",
                notification=n.pk,
            )
        return "uncertain"
    final = automatic and n.attempts >= settings.REMINDER_MAX_ATTEMPTS
    with transaction.atomic():
        Notification.objects.filter(pk=n.pk).update(
            status=Status.FAILED,
            reason=Reason.MAX_ATTEMPTS if final else Reason.SMTP_ERROR,
            error=delivery.error,
            updated_at=stamp,
        )
        if claim.advanced and not final:
            _release(case_id=case.pk, offset=stage.offset_days, floor=claim.floor, stages=stages)
        what = "porzucone po wyczerpaniu prób" if final else "ponowienie przy następnej wysyłce"
        _reminder_event(
            case,
            f"Błąd wysyłki przypomnienia {label} (próba {n.attempts}, {what}): {delivery.error}",
            now=now,
            user=user,
            sent=False,
            offset=stage.offset_days,
            status="failed",
            attempts=n.attempts,
            final=final,
            notification=n.pk,
        )
    return "gave_up" if final else "failed"


# --- Housekeeping -----------------------------------------------------------------


def notifications_mark_interrupted(*, now: datetime | None = None) -> int:
    """Queued rows with no SMTP answer for too long (a crashed run) become uncertain. Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.REMINDER_CLAIM_STALE_MINUTES)
    marked = 0
    stale = Notification.objects.filter(status=Status.QUEUED, updated_at__lt=cutoff).select_related(
        "case__invoice", "stage"
    )
    for row in stale:
        changed = Notification.objects.filter(pk=row.pk, status=Status.QUEUED).update(
            status=Status.UNCERTAIN,
            reason=Reason.INTERRUPTED,
            error="Wysyłka przerwana między zajęciem a odpowiedzią serwera SMTP; sprawdź i w razie potrzeby "
            "wyślij ręcznie.",
            updated_at=timezone.now(),
        )
        if changed:
            marked += 1
            _reminder_event(
                row.case,
                f"Niepewne: wysyłka przypomnienia {_stage_label(row.stage)} została przerwana; wymaga sprawdzenia",
                now=now,
                sent=False,
                offset=row.stage_offset if row.stage_offset is not None else row.stage.offset_days,
                status="uncertain",
                notification=row.pk,
            )
    if marked:
        log.warning("%s interrupted reminder(s) marked uncertain", marked)
    return marked


def reminder_stages_reschedule(*, stages: list[ReminderStage] | None = None) -> int:
    """Re-point every active case after the stage ladder changed. Returns how many cases moved."""
    if stages is None:
        stages = reminder_stages_active()
    moved = 0
    for case in Case.objects.filter(status=Case.Status.ACTIVE).select_related("invoice", "next_stage"):
        before = (case.next_stage_id, case.next_reminder_date)
        case_schedule_next(case=case, stages=stages, save=False)
        if (case.next_stage_id, case.next_reminder_date) != before:
            case.save(update_fields=["next_stage", "next_reminder_date"])
            moved += 1
    return moved


# --- The daily run ----------------------------------------------------------------


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _planned(due: DueStage, action: str, *, day: date, stages, note: str = "", render: bool = False) -> PlannedSend:
    case = due.case
    subject = ""
    if render and due.stage is not None:
        try:
            subject = render_reminder(case=case, stage=due.stage, day=day, stages=stages).subject
        except Exception as exc:
            note = f"{note} błąd szablonu: {_describe(exc)}".strip()
    client = case.invoice.client
    return PlannedSend(
        case_id=case.pk,
        invoice_number=case.invoice.number,
        client_name=client.name if client else "",
        action=action,
        stage_offset=due.stage.offset_days if due.stage else None,
        stage_name=due.stage.name if due.stage else "",
        recipients=_usable_emails(case),
        subject=subject,
        passed_over=[s.offset_days for s in due.passed_over],
        note=note,
    )


def _hold(*, due: DueStage, day: date, reason: str, message: str, run, now: datetime) -> None:
    case, stage = due.case, due.stage
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
                    "recipients": _usable_emails(case),
                },
            )
    except IntegrityError:
        return
    if created:
        _reminder_event(
            case,
            f"Wstrzymano przypomnienie {_stage_label(stage)}: {message}",
            now=now,
            sent=False,
            offset=stage.offset_days,
            status="held",
            reason=reason,
        )


def _flag_no_email(*, due: DueStage, day: date, run, now: datetime) -> None:
    """Nothing is sent and the case stays due; flagged once per stage (row + event)."""
    case, stage = due.case, due.stage
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
    _reminder_event(
        case,
        f"Nie wysłano przypomnienia {_stage_label(stage)}: {note}",
        now=now,
        sent=False,
        offset=stage.offset_days,
        status="no_email",
    )


def _give_up(*, due: DueStage, failed: Notification, day: date, stages, run, now: datetime) -> int:
    """Attempts exhausted: move the case past the stage without sending; the failed row says why."""
    case, stage = due.case, due.stage
    with transaction.atomic():
        fresh = _advance(case_id=case.pk, old=case.last_stage_offset, new=stage.offset_days, day=day, stages=stages)
        if fresh is None:
            return 0
        skipped = _skip_all(case=fresh, stages=due.passed_over, day=day, run=run, now=now)
        Notification.objects.filter(pk=failed.pk).update(reason=Reason.MAX_ATTEMPTS, updated_at=timezone.now())
        _reminder_event(
            fresh,
            f"Porzucono przypomnienie {_stage_label(stage)} po {failed.attempts} nieudanych próbach",
            now=now,
            sent=False,
            offset=stage.offset_days,
            status="failed",
            final=True,
            notification=failed.pk,
        )
    return skipped


def _failed_rows(plan: list[DueStage]) -> dict[tuple[int, int], Notification]:
    """The failed attempts of the planned (case, stage) pairs, in one query."""
    rows = Notification.objects.filter(status=Status.FAILED, case_id__in=[d.case.pk for d in plan if d.stage])
    return {(n.case_id, n.stage_id): n for n in rows}


def _classify(
    due: DueStage, check: SyncCheck | None, failed_rows: dict[tuple[int, int], Notification]
) -> tuple[str, str, str]:
    """(action, hold reason, note) for one due case."""
    if due.stage is None:
        return "skip", "", ""
    if check is not None and not check.ok:
        return "held", check.reason, check.message
    if check is not None and not case_is_fresh(case=due.case, check=check):
        return (
            "held",
            Reason.NOT_REFRESHED,
            f"Sprawa nie została odczytana przez synchronizację #{check.run.pk} z tego dnia.",
        )
    failed = failed_rows.get((due.case.pk, due.stage.pk))
    if failed is not None and failed.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        return "gave_up", "", f"wyczerpany limit prób ({failed.attempts})"
    if not _usable_emails(due.case):
        return "no_email", "", "brak poprawnego adresu e-mail"
    return "send", "", ""


def reminders_send_due(
    *,
    day: date,
    dry_run: bool = False,
    batch_size: int | None = None,
    connection_factory: ConnectionFactory | None = None,
    now: datetime | None = None,
    trigger: str = ReminderRun.Trigger.COMMAND,
) -> SendReport:
    """Send every reminder due on `day`; a dry run lists what would go to whom and changes nothing.

    Counts are returned and, for real runs, stored on a `ReminderRun` row.
    """
    now = now or timezone.now()
    report = SendReport(day=day, dry_run=dry_run)
    run = None
    if not dry_run:
        run = ReminderRun.objects.create(day=day, trigger=trigger, started_at=now)
        report.run_id = run.pk
    with log_context(reminder_run_id=report.run_id):
        try:
            _send_due(
                report, run=run, day=day, dry_run=dry_run, batch_size=batch_size, factory=connection_factory, now=now
            )
        except Exception as exc:
            report.errors.append(_describe(exc))
            _finish(run, report)
            raise
        _finish(run, report)
        log.info("%s", report.summary())
    return report


def _finish(run: ReminderRun | None, report: SendReport) -> None:
    if run is None:
        return
    ReminderRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        sync_run_id=report.sync_run_id,
        held_reason=report.held_reason[:500],
        planned=len(report.planned),
        error="\n".join(report.errors)[:5000],
        **report.counts(),
    )


def _send_due(
    report: SendReport,
    *,
    run: ReminderRun | None,
    day: date,
    dry_run: bool,
    batch_size: int | None,
    factory: ConnectionFactory | None,
    now: datetime,
) -> None:
    if not dry_run:
        report.uncertain += notifications_mark_interrupted(now=now)
    stages = reminder_stages_active()
    if not is_business_sending_day(day):
        report.not_business_day = True
        report.held_reason = f"{day:%d.%m.%Y} nie jest dniem roboczym; przypomnienia wyjdą w najbliższy dzień roboczy."
        return
    check = reminder_sync_check(day=day, now=now)
    report.sync_run_id = check.run.pk if check.run else None
    report.held_reason = check.message
    plan, report.paused = reminder_plan(day=day, stages=stages)
    failed_rows = _failed_rows(plan)
    to_send: list[DueStage] = []
    for due in plan:
        action, reason, note = _classify(due, check, failed_rows)
        report.planned.append(_planned(due, action, day=day, stages=stages, note=note, render=dry_run))
        if action == "send":
            to_send.append(due)
        elif action == "held":
            report.held += 1
            if not dry_run:
                _hold(due=due, day=day, reason=reason, message=note, run=run, now=now)
        elif action == "no_email":
            report.no_email += 1
            if not dry_run:
                _flag_no_email(due=due, day=day, run=run, now=now)
        elif action == "skip":
            report.skipped += len(due.passed_over)
            if not dry_run:
                with transaction.atomic():
                    fresh = _advance(
                        case_id=due.case.pk,
                        old=due.case.last_stage_offset,
                        new=due.target_offset,
                        day=day,
                        stages=stages,
                    )
                    if fresh is not None:
                        _skip_all(case=fresh, stages=due.passed_over, day=day, run=run, now=now)
        elif action == "gave_up":
            report.gave_up += 1
            if not dry_run:
                failed = failed_rows[(due.case.pk, due.stage.pk)]
                report.skipped += _give_up(due=due, failed=failed, day=day, stages=stages, run=run, now=now)
    if dry_run:
        report.skipped += sum(len(d.passed_over) for d in to_send)
        return
    _send_batches(report, to_send, run=run, day=day, stages=stages, batch_size=batch_size, factory=factory, now=now)


def _send_batches(
    report: SendReport,
    items: list[DueStage],
    *,
    run: ReminderRun | None,
    day: date,
    stages: list[ReminderStage],
    batch_size: int | None,
    factory: ConnectionFactory | None,
    now: datetime,
) -> None:
    size = batch_size or settings.REMINDER_BATCH_SIZE
    pause = settings.REMINDER_THROTTLE_MS / 1000
    down: list[str] = []
    first = True
    for batch in _chunks(items, size):
        sender = _Sender(factory, report, down=down)
        try:
            for due in batch:
                if pause and not first:
                    time.sleep(pause)
                first = False
                try:
                    claim, skipped = _claim(due=due, day=day, stages=stages, run=run, now=now)
                except _RenderFailed as exc:
                    report.errors.append(str(exc))
                    report.cancelled += 1
                    continue
                report.skipped += skipped
                if claim is None:
                    report.cancelled += 1
                    continue
                message = reminder_message(claim.notification, invoice_infakt_id=claim.case.invoice.infakt_id)
                delivery = sender.deliver(message)
                outcome = _record_delivery(claim=claim, delivery=delivery, stages=stages, now=now, automatic=True)
                setattr(report, outcome, getattr(report, outcome) + 1)
        finally:
            sender.close()


def reminders_preview(*, day: date) -> SendReport:
    """What the run on `day` would send on today's data, before that day's sync (nothing is written)."""
    report = SendReport(day=day, dry_run=True)
    stages = reminder_stages_active()
    if not is_business_sending_day(day):
        report.not_business_day = True
        report.held_reason = f"{day:%d.%m.%Y} nie jest dniem roboczym; przypomnienia wyjdą w najbliższy dzień roboczy."
        return report
    plan, report.paused = reminder_plan(day=day, stages=stages)
    failed_rows = _failed_rows(plan)
    for due in plan:
        action, _reason, note = _classify(due, None, failed_rows)
        report.planned.append(_planned(due, action, day=day, stages=stages, note=note, render=True))
        if action == "no_email":
            report.no_email += 1
        elif action == "gave_up":
            report.gave_up += 1
        report.skipped += len(due.passed_over)
    return report


# --- Manual sending ---------------------------------------------------------------


def reminder_send_manual(
    *,
    case: Case,
    stage: ReminderStage,
    user,
    now: datetime | None = None,
    connection_factory: ConnectionFactory | None = None,
) -> Notification:
    """Send `stage` to the case's client now, by hand (logged as manual).

    The case's `last_stage_offset` becomes max(current, stage), so the automatic run never
    repeats the stage; stages in between are recorded as skipped. An uncertain or failed
    attempt of the same stage is reused (this is how staff resend it). Raises
    ReminderNotSendable when the case is closed or paid, the client has no usable
    address, or the stage already went (or is going) out.
    """
    now = now or timezone.now()
    day = business_today(now)
    stages = reminder_stages_active()
    case = Case.objects.select_related("invoice", "invoice__client").get(pk=case.pk)
    _check_manual(case, stage, day)
    try:
        with transaction.atomic():
            locked = (
                Case.objects.select_for_update(of=("self",))
                .select_related("invoice", "invoice__client")
                .get(pk=case.pk)
            )
            _check_manual(locked, stage, day)
            old = locked.last_stage_offset
            advanced = old is None or stage.offset_days > old
            passed = [
                s
                for s in stages
                if s.offset_days < stage.offset_days and (old is None or s.offset_days > old) and s.pk != stage.pk
            ]
            if not advanced:
                passed = []
            if advanced:
                Case.objects.filter(pk=locked.pk).update(last_stage_offset=stage.offset_days)
                locked.last_stage_offset = stage.offset_days
                case_schedule_next(case=locked, stages=stages)
            for skipped in passed:
                _record_skipped(
                    case=locked,
                    stage=skipped,
                    day=day,
                    reason=Reason.PASSED_OVER,
                    note=f"pominięty przy ręcznej wysyłce etapu {_stage_label(stage)}",
                    run=None,
                    now=now,
                )
            notification = _queue(
                case=locked,
                stage=stage,
                day=day,
                stages=stages,
                mode=Notification.Mode.MANUAL,
                user=user,
                run=None,
                reusable=(Status.FAILED, Status.UNCERTAIN),
            )
    except IntegrityError:
        raise ReminderNotSendable("Ten etap jest właśnie wysyłany albo został już wysłany.") from None
    except _NotClaimable:
        raise ReminderNotSendable("Nie udało się zarezerwować wysyłki; odśwież stronę i spróbuj ponownie.") from None
    offsets = [s.offset_days for s in passed] + ([old] if old is not None else [])
    claim = _Claim(
        notification=notification,
        case=locked,
        stage=stage,
        floor=max(offsets) if offsets else None,
        advanced=advanced,
    )
    report = SendReport(day=day)
    sender = _Sender(connection_factory, report)
    try:
        delivery = sender.deliver(reminder_message(notification, invoice_infakt_id=locked.invoice.infakt_id))
    finally:
        sender.close()
    _record_delivery(claim=claim, delivery=delivery, stages=stages, now=now, automatic=False, user=user)
    notification.refresh_from_db()
    return notification


def _check_manual(case: Case, stage: ReminderStage, day: date) -> None:
    if case.status != Case.Status.ACTIVE:
        raise ReminderNotSendable("Sprawa jest zamknięta: przypomnienia nie są wysyłane.")
    if case.invoice.is_fully_paid:
        raise ReminderNotSendable("Faktura jest opłacona: przypomnienia nie są wysyłane.")
    if not _usable_emails(case):
        raise ReminderNotSendable("Kontrahent nie ma poprawnego adresu e-mail.")
    if stage.offset_days < 0 and case.invoice.due_date is not None and day >= case.invoice.due_date:
        raise ReminderNotSendable("Etap przed terminem nie wychodzi w dniu terminu płatności ani po nim.")
    live = Notification.objects.filter(case=case, stage=stage, status__in=[Status.QUEUED, Status.SENT]).first()
    if live is not None:
        when = timezone.localtime(live.sent_at or live.created_at)
        raise ReminderNotSendable(
            f"Etap {_stage_label(stage)} został już wysłany do tego kontrahenta ({when:%d.%m.%Y %H:%M}); "
            "każdy etap wychodzi tylko raz."
        )


def notification_resend(*, notification: Notification, user, now: datetime | None = None, **kwargs) -> Notification:
    """Staff resend an uncertain or failed attempt by hand (the same row is reused)."""
    if notification.status not in (Status.UNCERTAIN, Status.FAILED):
        raise ReminderNotSendable("Ponownie można wysłać tylko niepewne albo nieudane przypomnienie.")
    return reminder_send_manual(case=notification.case, stage=notification.stage, user=user, now=now, **kwargs)


def notification_confirm_sent(*, notification: Notification, user, now: datetime | None = None) -> bool:
    """Staff checked the mail server's log: the uncertain message did go out. Returns False if not uncertain."""
    now = now or timezone.now()
    who = user.get_username() if user is not None else "?"
    changed = Notification.objects.filter(pk=notification.pk, status=Status.UNCERTAIN).update(
        status=Status.SENT,
        sent_at=notification.sent_at or notification.updated_at,
        reason="",
        error=f"{notification.error}\nPotwierdzone jako wysłane przez {who}.".strip(),
        updated_at=timezone.now(),
    )
    if changed:
        _reminder_event(
            notification.case,
            f"Potwierdzono wysłanie przypomnienia {_stage_label(notification.stage)}",
            now=now,
            user=user,
            sent=True,
            offset=notification.stage_offset
            if notification.stage_offset is not None
            else notification.stage.offset_days,
            mode=notification.mode,
            notification=notification.pk,
            confirmed=True,
        )
    return bool(changed)


def reminder_send_test(
    *,
    stage: ReminderStage,
    case: Case,
    to: str,
    texts: StageTexts | None = None,
    language: str | None = None,
    stages: list[ReminderStage] | None = None,
    now: datetime | None = None,
    connection_factory: ConnectionFactory | None = None,
) -> str:
    """Send the stage rendered on `case` to a staff address (not the client; not logged). Returns the Message-ID."""
    day = business_today(now)
    rendered = render_reminder(case=case, stage=stage, day=day, stages=stages, texts=texts, language=language)
    message_id = new_message_id()
    message = build_message(
        subject=f"[TEST] {rendered.subject}",
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        to=[to],
        cc=[],
        headers=reminder_headers(
            invoice_infakt_id=case.invoice.infakt_id, stage_offset=stage.offset_days, message_id=message_id
        ),
    )
    connection = (connection_factory or default_connection)()
    connection.send_messages([message])
    return message_id
