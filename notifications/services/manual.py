"""Manual sends by staff (recorded as manual; the one exception to "one e-mail per client a day"),
resends of uncertain or failed attempts, confirmations, and test sends to a staff address."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from cases import ladder
from cases.models import Case, ReminderStage
from cases.services import case_lock_for_manual
from common.calendar import business_today

from ..emails import (
    AttachmentFailed,
    LetterItem,
    StageTexts,
    build_message,
    new_message_id,
    reminder_attachments,
    reminder_headers,
    render_reminder,
)
from ..models import Notification
from ..selectors import reminder_stages_active
from .claims import ClaimedMessage, Letter, RenderFailed, claim_message, recipients_for
from .daily import deliver
from .records import ReminderNotSendable, SendReport, reminder_event, stage_label, stage_params
from .smtp import ConnectionFactory, Sender, default_connection

Status = Notification.Status
Reason = Notification.Reason


def reminder_send_manual(
    *,
    case: Case,
    stage: ReminderStage,
    user,
    now: datetime | None = None,
    connection_factory: ConnectionFactory | None = None,
) -> Notification:
    """Send `stage` to the case's client now, by hand (logged as manual).

    It counts as the rung's letter: lower rungs not yet sent are recorded as skipped by staff
    choice, and the next rung is timed from today (policy section 1). A rung the case already
    passed (skipped, or an uncertain/failed attempt) can be sent without moving the case.
    Raises ReminderNotSendable when the case is closed or paid, the client has no usable
    address, or the stage already went (or is going) out.
    """
    now = now or timezone.now()
    day = business_today(now)
    stages = reminder_stages_active()
    case = Case.objects.select_related("invoice", "invoice__client").get(pk=case.pk)
    _check_manual(case, stage, day)
    try:  # the formal demand (PDF) of a +14 letter: never sent by hand without it either
        attachments = reminder_attachments(items=[LetterItem(case, stage)], day=day)
    except AttachmentFailed as exc:
        raise ReminderNotSendable(f"Nie udało się przygotować załącznika: {exc}") from None
    try:
        with transaction.atomic():
            locked = case_lock_for_manual(case_id=case.pk)
            _check_manual(locked, stage, day)
            old = locked.last_stage_offset
            advance = old is None or stage.offset_days > old
            skips = []
            if advance:
                offsets = [s.offset_days for s in stages if s.pk != stage.pk]
                lower = set(ladder.manual_skips(offsets=offsets, handled=old, offset=stage.offset_days))
                skips = [(s, Reason.STAFF_CHOICE) for s in stages if s.offset_days in lower]
            claimed = claim_message(
                letters=[Letter(locked, stage, skips, advance=advance)],
                day=day,
                stages=stages,
                mode=Notification.Mode.MANUAL,
                user=user,
                reusable=(Status.FAILED, Status.UNCERTAIN),
                now=now,
                respect_pause=False,
            )
    except RenderFailed as exc:
        raise ReminderNotSendable(f"Nie da się złożyć treści przypomnienia: {exc}") from None
    if claimed is None:
        raise ReminderNotSendable("Ten etap jest właśnie wysyłany albo został już wysłany.")
    return _deliver_manual(
        claimed, stages=stages, now=now, user=user, factory=connection_factory, day=day, attachments=attachments
    )


def _deliver_manual(claimed: ClaimedMessage, *, stages, now, user, factory, day: date, attachments=()) -> Notification:
    report = SendReport(day=day)
    sender = Sender(factory, report)
    try:
        deliver(
            report, claimed, sender, attachments=list(attachments), stages=stages, now=now, automatic=False, user=user
        )
    finally:
        sender.close()
    notification = claimed.claims[0].notification
    notification.refresh_from_db()
    return notification


def _check_manual(case: Case, stage: ReminderStage, day: date) -> None:
    if case.status != Case.Status.ACTIVE:
        raise ReminderNotSendable("Sprawa jest zamknięta: przypomnienia nie są wysyłane.")
    if case.invoice.is_fully_paid:
        raise ReminderNotSendable("Faktura jest opłacona: przypomnienia nie są wysyłane.")
    if not recipients_for(case.invoice.client):
        raise ReminderNotSendable("Kontrahent nie ma poprawnego adresu e-mail.")
    if stage.offset_days < 0 and case.invoice.due_date is not None and day >= case.invoice.due_date:
        raise ReminderNotSendable("Etap przed terminem nie wychodzi w dniu terminu płatności ani po nim.")
    live = Notification.objects.filter(case=case, stage=stage, status__in=[Status.QUEUED, Status.SENT]).first()
    if live is not None:
        when = timezone.localtime(live.sent_at or live.created_at)
        raise ReminderNotSendable(
            f"Etap {stage_label(stage)} został już wysłany do tego kontrahenta ({when:%d.%m.%Y %H:%M}); "
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
        reminder_event(
            notification.case,
            "letter.confirmed",
            stage_params(notification.stage),
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
