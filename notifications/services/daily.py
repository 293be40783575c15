"""The daily run: every letter due on a day, one e-mail per client (and recipient set).

Sends happen only on the strength of the day's successful sync that read the case; otherwise
they are `held` (one row per case, stage and day) with the reason. A client that already got a
reminder e-mail on the day (an earlier run, or a manual send) gets no second one: its letters
are deferred to the next business day. The first day the app would ever send, everything is
held for the first-run review (policy section 4) until staff approve it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.models import ReminderStage
from common.logs import log_context

from ..emails import (
    AttachmentFailed,
    LetterItem,
    is_business_sending_day,
    message_email,
    reminder_attachments,
    render_letters,
)
from ..models import Notification, ReminderRun
from ..selectors import (
    DueStage,
    SyncCheck,
    case_ids_held_by_staff,
    case_is_fresh,
    clients_mailed_on,
    reminder_plan,
    reminder_review_pending,
    reminder_stages_active,
    reminder_sync_check,
)
from .claims import (
    ClaimedMessage,
    Letter,
    RenderFailed,
    claim_message,
    notifications_mark_interrupted,
    recipients_for,
    record_delivery,
)
from .records import (
    PlannedSend,
    SendReport,
    letter_not_sent_event,
    record_held,
    record_no_email,
    rung_pass,
    stage_label,
)
from .smtp import ConnectionFactory, Sender, describe

log = logging.getLogger("invoicetracker.reminders")

Status = Notification.Status
Reason = Notification.Reason

REVIEW_NOTE = "Pierwsza wysyłka przypomnień czeka na zatwierdzenie (Przypomnienia → Pierwsza wysyłka)."


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _failed_rows(plan: list[DueStage]) -> dict[tuple[int, int], Notification]:
    """The failed attempts of the planned (case, stage) pairs, in one query."""
    rows = Notification.objects.filter(status=Status.FAILED, case_id__in=[d.case.pk for d in plan if d.stage])
    return {(n.case_id, n.stage_id): n for n in rows}


def _classify(
    due: DueStage,
    check: SyncCheck | None,
    failed_rows: dict[tuple[int, int], Notification],
    *,
    held_by_staff: set[int],
    mailed_today: set[int],
    review: bool,
) -> tuple[str, str, str]:
    """(action, hold reason, note) for one case the ladder has something for."""
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
    if due.case.pk in held_by_staff:
        return "held", Reason.STAFF_HOLD, "Wstrzymane przez pracownika na ten dzień."
    failed = failed_rows.get((due.case.pk, due.stage.pk))
    if failed is not None and failed.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        return "gave_up", "", f"wyczerpany limit prób ({failed.attempts})"
    client = due.case.invoice.client
    if not recipients_for(client):
        return "no_email", "", "brak poprawnego adresu e-mail"
    if review:
        return "held", Reason.FIRST_RUN_REVIEW, REVIEW_NOTE
    if client is not None and client.pk in mailed_today:
        return "deferred", "", "kontrahent dostał już dziś e-mail; list wyjdzie w następnym dniu roboczym"
    return "send", "", ""


def _classified(
    report: SendReport, plan: list[DueStage], check: SyncCheck | None, *, day: date, stages, render: bool
) -> Iterator[tuple[DueStage, str, str, str, Notification | None]]:
    """Each due rung of `plan` with its action, hold reason, note and failed row (if any), as the
    sending run and the preview both classify it; each is listed in `report.planned` on the way."""
    failed_rows = _failed_rows(plan)
    report.review_pending = review = reminder_review_pending()
    held_by_staff = case_ids_held_by_staff(day=day)
    mailed_today = clients_mailed_on(day=day)
    for due in plan:
        action, reason, note = _classify(
            due, check, failed_rows, held_by_staff=held_by_staff, mailed_today=mailed_today, review=review
        )
        report.planned.append(_planned(due, action, day=day, stages=stages, note=note, render=render))
        yield due, action, reason, note, failed_rows.get((due.case.pk, due.stage.pk)) if due.stage else None


def _planned(due: DueStage, action: str, *, day: date, stages, note: str = "", render: bool = False) -> PlannedSend:
    case = due.case
    subject = ""
    if render and due.stage is not None:
        try:
            subject = render_letters(items=[LetterItem(case, due.stage)], day=day, stages=stages).subject
        except Exception as exc:
            note = f"{note} błąd szablonu: {describe(exc)}".strip()
    client = case.invoice.client
    return PlannedSend(
        case_id=case.pk,
        invoice_number=case.invoice.number,
        client_name=client.name if client else "",
        action=action,
        stage_offset=due.stage.offset_days if due.stage else None,
        stage_name=due.stage.name if due.stage else "",
        recipients=recipients_for(client),
        subject=subject,
        passed_over=[s.offset_days for s in due.passed_over],
        note=note,
    )


def group_letters(items: list[DueStage]) -> list[list[DueStage]]:
    """One group per e-mail: one client's letters to the same addresses (REMINDER_DIGEST), else one each."""
    if not settings.REMINDER_DIGEST:
        return [[item] for item in items]
    groups: dict[tuple, list[DueStage]] = {}
    for item in items:
        client = item.case.invoice.client
        key = (client.pk if client else None, tuple(recipients_for(client)))
        groups.setdefault(key, []).append(item)
    return list(groups.values())


def _apply_skips(due: DueStage, *, day: date, stages, run, now: datetime) -> int:
    """Record the rungs the ladder skips today when nothing is sent (e.g. a before-due rung missed)."""
    with transaction.atomic():
        fresh = rung_pass(due.case, due.target_offset, due.skips, day=day, stages=stages, run=run, now=now)
    return len(due.skips) if fresh is not None else 0


def _give_up(*, due: DueStage, failed: Notification, day: date, stages, run, now: datetime) -> int:
    """Attempts exhausted: move the case past the rung without sending; the failed row says why."""
    stage = due.stage
    with transaction.atomic():
        fresh = rung_pass(due.case, stage.offset_days, due.skips, day=day, stages=stages, run=run, now=now)
        if fresh is None:
            return 0
        Notification.objects.filter(pk=failed.pk).update(reason=Reason.MAX_ATTEMPTS, updated_at=timezone.now())
        letter_not_sent_event(
            fresh,
            "letter.abandoned",
            stage,
            "failed",
            {"attempts": failed.attempts},
            now=now,
            final=True,
            notification=failed.pk,
        )
    return len(due.skips)


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
            report.errors.append(describe(exc))
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


def _not_business_day(report: SendReport, day: date) -> bool:
    if is_business_sending_day(day):
        return False
    report.not_business_day = True
    report.held_reason = f"{day:%d.%m.%Y} nie jest dniem roboczym; przypomnienia wyjdą w najbliższy dzień roboczy."
    return True


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
    if _not_business_day(report, day):
        return
    check = reminder_sync_check(day=day, now=now)
    report.sync_run_id = check.run.pk if check.run else None
    report.held_reason = check.message
    plan, report.paused = reminder_plan(day=day, stages=stages)
    to_send: list[DueStage] = []
    for due, action, reason, note, failed in _classified(report, plan, check, day=day, stages=stages, render=dry_run):
        if action == "send":
            to_send.append(due)
        elif action == "held":
            report.held += 1
            if not dry_run:
                record_held(case=due.case, stage=due.stage, day=day, reason=reason, message=note, run=run, now=now)
        elif action == "deferred":
            report.deferred += 1
        elif action == "no_email":
            report.no_email += 1
            if not dry_run:
                record_no_email(case=due.case, stage=due.stage, day=day, run=run, now=now)
        elif action == "skip":
            report.skipped += len(due.skips) if dry_run else _apply_skips(due, day=day, stages=stages, run=run, now=now)
        elif action == "gave_up":
            report.gave_up += 1
            if not dry_run:
                report.skipped += _give_up(due=due, failed=failed, day=day, stages=stages, run=run, now=now)
    if report.review_pending and not report.held_reason:
        report.held_reason = REVIEW_NOTE
    if dry_run:
        report.skipped += sum(len(d.skips) for d in to_send)
        _number_emails(report, group_letters(to_send))
        return
    send_groups(
        report,
        group_letters(to_send),
        run=run,
        day=day,
        stages=stages,
        batch_size=batch_size,
        factory=factory,
        now=now,
    )


def _renderable(group: list[DueStage], *, day: date, stages, report: SendReport) -> list[DueStage]:
    """The letters of the group that can be rendered alone; the others are reported and left due."""
    good = []
    for due in group:
        try:
            render_letters(items=[LetterItem(due.case, due.stage)], day=day, stages=stages)
        except Exception as exc:
            log.error("reminder for case %s does not render: %s", due.case.pk, exc)
            report.errors.append(f"{due.case.invoice.number}, etap {stage_label(due.stage)}: {describe(exc)}")
            report.cancelled += 1
        else:
            good.append(due)
    return good


def send_groups(
    report: SendReport,
    groups: list[list[DueStage]],
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
    for batch in _chunks(groups, size):
        sender = Sender(factory, report, down=down)
        try:
            for group in batch:
                letters_in_group = len(group)
                unreachable = sender.ensure_open()
                if unreachable:  # never claimed: not an attempt, the cases stay due
                    report.failed += letters_in_group
                    if not report.errors or "SMTP" not in report.errors[-1]:
                        report.errors.append(f"Serwer SMTP niedostępny: {unreachable}")
                    continue
                if pause and not first:
                    time.sleep(pause)
                first = False
                claimed = _claim_group(report, group, run=run, day=day, stages=stages, now=now)
                if claimed is None:
                    continue
                claimed, attachments = claimed
                report.cancelled += claimed.cancelled
                report.skipped += claimed.skipped
                deliver(report, claimed, sender, attachments=attachments, stages=stages, now=now)
        finally:
            sender.close()


def _claim_group(report: SendReport, group: list[DueStage], *, run, day: date, stages, now: datetime):
    """Claim one e-mail's letters; (claimed, attachments), or None when nothing is to be sent.

    Rendering happens once, inside the claim; only when it fails are the letters rendered one
    by one to find (and report) the ones that break it, and the rest claimed again.
    """
    for attempt in (1, 2):
        items = [LetterItem(d.case, d.stage) for d in group]
        try:
            attachments = reminder_attachments(items=items, day=day)
        except AttachmentFailed as exc:
            report.held += len(group)
            numbers = ", ".join(due.case.invoice.number for due in group)
            report.errors.append(f"{numbers}: wstrzymano, nie udało się przygotować załącznika: {exc}")
            for due in group:
                record_held(
                    case=due.case,
                    stage=due.stage,
                    day=day,
                    reason=Reason.RENDER_FAILED,
                    message=f"Nie udało się przygotować załącznika: {exc}",
                    run=run,
                    now=now,
                )
            return None
        try:
            claimed = claim_message(
                letters=[Letter(d.case, d.stage, list(d.skips)) for d in group],
                day=day,
                stages=stages,
                mode=Notification.Mode.AUTOMATIC,
                run=run,
                now=now,
            )
        except RenderFailed as exc:
            if attempt == 2:
                report.errors.append(str(exc))
                report.cancelled += len(group)
                return None
            group = _renderable(group, day=day, stages=stages, report=report)
            if not group:
                return None
            continue
        if claimed is None:
            report.cancelled += len(group)
            return None
        return claimed, attachments
    return None


def deliver(
    report: SendReport,
    claimed: ClaimedMessage,
    sender: Sender,
    *,
    attachments,
    stages,
    now: datetime,
    automatic: bool = True,
    user=None,
) -> None:
    delivery = sender.deliver(message_email(claimed.row, attachments=attachments))
    outcome = record_delivery(
        claimed=claimed, delivery=delivery, stages=stages, now=now, automatic=automatic, user=user
    )
    for counter, n in outcome.items():
        report.add(counter, n)
    if "sent" in outcome:
        report.messages += 1


def reminders_preview(*, day: date) -> SendReport:
    """What the run on `day` would send on today's data, before that day's sync (nothing is written)."""
    report = SendReport(day=day, dry_run=True)
    stages = reminder_stages_active()
    if _not_business_day(report, day):
        return report
    plan, report.paused = reminder_plan(day=day, stages=stages)
    sendable = []
    for due, action, _reason, _note, _failed in _classified(report, plan, None, day=day, stages=stages, render=True):
        if action == "send":
            sendable.append(due)
        elif action == "no_email":
            report.no_email += 1
        elif action == "gave_up":
            report.gave_up += 1
        elif action == "deferred":
            report.deferred += 1
        elif action == "held":
            report.held += 1
        report.skipped += len(due.skips)
    _number_emails(report, group_letters(sendable))
    return report


def _number_emails(report: SendReport, groups: list[list[DueStage]]) -> None:
    """Dry runs and previews: say which e-mail each letter would travel in."""
    number = {due.case.pk: n for n, group in enumerate(groups, start=1) for due in group}
    for line in report.planned:
        if line.action == "send":
            line.email = number.get(line.case_id)
    report.messages = len(groups)
