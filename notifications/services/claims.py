"""The one claim path: automatic, digest and manual sends all claim through `claim_message`.

Exactly once (house style 2, "claim before acting"), for a whole e-mail:

1. *Claim*, in one transaction: for every letter in the e-mail, the conditional update of its
   case (`cases.services.case_claim_rung`: only if nobody moved the case and it is still
   active, unpaid and not paused) moves it to the rung and re-schedules it; the rungs the
   ladder skips are recorded; a Notification row is written `queued` (the partial unique
   index on (case, stage) for queued/sent/uncertain makes a second live row impossible);
   then the e-mail is rendered once and stored as a `ReminderMessage` every row links to.
2. *Send* over the batch's SMTP connection, after the commit.
3. *Record* (`record_delivery`), for the e-mail and all its rows together: `sent`; `failed`
   (the claims are released so the cases stay due and the next run reclaims the same rows,
   counting attempts up to REMINDER_MAX_ATTEMPTS; a connection that never opened is not an
   attempt); or `uncertain` (the connection broke after the data went out, or a run crashed
   between claim and answer). Uncertain is never resent automatically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from cases.models import Case, Client, ReminderStage
from cases.services import case_claim_rung, case_release_rung, case_uncount_letter, cases_reschedule

from ..emails import LetterItem, items_header, new_message_id, render_letters
from ..models import Notification, ReminderMessage, ReminderRun
from ..selectors import letters_sent_before, reminder_stages_active
from .records import record_skipped, reminder_event, stage_params
from .smtp import Delivery

log = logging.getLogger("invoicetracker.reminders")

Status = Notification.Status
Reason = Notification.Reason


@dataclass
class Letter:
    """A (case, rung) letter to claim, with the lower rungs to record as skipped first."""

    case: Case
    stage: ReminderStage
    skips: list[tuple[ReminderStage, str]] = field(default_factory=list)
    advance: bool = True  # move the case to the rung (False: a manual resend of a rung already passed)


@dataclass
class Claim:
    """One claimed letter: its row and how to undo the claim if the e-mail is refused."""

    notification: Notification
    case: Case
    stage: ReminderStage
    floor: int | None
    previous: object  # cases.ladder.Letter | None: the case's previous letter before the claim
    advanced: bool


@dataclass
class ClaimedMessage:
    row: ReminderMessage
    claims: list[Claim]
    cancelled: int = 0  # letters no longer ours to send (paid, closed, moved, claimed meanwhile)
    skipped: int = 0


class RenderFailed(Exception):
    pass


def recipients_for(client: Client | None) -> list[str]:
    """The client's usable addresses, at most REMINDER_MAX_RECIPIENTS of them (never another client's)."""
    if client is None or not client.has_usable_email:
        return []
    return list(client.emails)[: settings.REMINDER_MAX_RECIPIENTS]


def client_has_too_many_emails(client: Client | None) -> bool:
    return client is not None and len(client.emails or []) > settings.REMINDER_MAX_RECIPIENTS


def _capped_params(case: Case) -> dict:
    """When the client has more addresses than a letter goes to: how many, and the cap (REMINDER_MAX_RECIPIENTS)."""
    client = case.invoice.client
    if not client_has_too_many_emails(client):
        return {}
    return {"addresses": len(client.emails), "capped": settings.REMINDER_MAX_RECIPIENTS}


def _queue_row(
    *, case: Case, stage: ReminderStage, day: date, mode: str, user, run, reusable: tuple[str, ...]
) -> Notification:
    """Write the queued row (or reclaim a failed/uncertain one); IntegrityError if a live one exists."""
    values = {
        "status": Status.QUEUED,
        "mode": mode,
        "send_date": day,
        "error": "",
        "reason": "",
        "stage_offset": stage.offset_days,
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
            raise IntegrityError("row changed meanwhile")
        return Notification.objects.get(pk=previous.pk)
    return Notification.objects.create(attempts=1, **values, case=case, stage=stage)


def claim_message(
    *,
    letters: list[Letter],
    day: date,
    stages: list[ReminderStage],
    mode: str,
    user=None,
    run: ReminderRun | None = None,
    reusable: tuple[str, ...] = (Status.FAILED,),
    now: datetime,
    respect_pause: bool = True,
) -> ClaimedMessage | None:
    """Claim every letter of one e-mail and store the e-mail; None when none of them is ours to send.

    Raises RenderFailed (everything rolled back) when the e-mail cannot be rendered.
    """
    if not letters:
        return None
    client = letters[0].case.invoice.client
    recipients = recipients_for(client)
    if not recipients:
        return None
    cancelled = skipped = 0
    with transaction.atomic():
        claims: list[Claim] = []
        for letter in letters:
            case, stage = letter.case, letter.stage
            try:
                with transaction.atomic():
                    if letter.advance:
                        fresh = case_claim_rung(
                            case_id=case.pk,
                            expected=case.last_stage_offset,
                            offset=stage.offset_days,
                            day=day,
                            letter=True,
                            stages=stages,
                            respect_pause=respect_pause,
                        )
                    else:
                        fresh = Case.objects.select_related("invoice", "invoice__client").get(pk=case.pk)
                    if fresh is None:
                        cancelled += 1
                        continue
                    for passed, reason in letter.skips:
                        record_skipped(case=fresh, stage=passed, day=day, reason=reason, run=run, now=now, user=user)
                    row = _queue_row(case=fresh, stage=stage, day=day, mode=mode, user=user, run=run, reusable=reusable)
            except IntegrityError:
                cancelled += 1
                continue
            skipped += len(letter.skips)
            offsets = [s.offset_days for s, _reason in letter.skips]
            if case.last_stage_offset is not None:
                offsets.append(case.last_stage_offset)
            claims.append(
                Claim(
                    notification=row,
                    case=fresh,
                    stage=stage,
                    floor=max(offsets) if offsets else None,
                    previous=case.previous_letter,
                    advanced=letter.advance,
                )
            )
        if not claims:
            return None
        items = [LetterItem(c.case, c.stage) for c in claims]
        history = letters_sent_before(case_ids=[c.case.pk for c in claims], before=day + timedelta(days=1))
        try:
            rendered = render_letters(items=items, day=day, stages=stages, history=history)
        except Exception as exc:
            numbers = ", ".join(c.case.invoice.number for c in claims)
            raise RenderFailed(f"{numbers}: {type(exc).__name__}: {exc}"[:1000]) from exc
        message = ReminderMessage.objects.create(
            client=client,
            status=Status.QUEUED,
            mode=mode,
            send_date=day,
            recipients=recipients,
            cc=list(settings.REMINDER_CC),
            subject=rendered.subject,
            body_text=rendered.body_text,
            body_html=rendered.body_html,
            message_id=new_message_id(),
            items=items_header(items),
            lead_offset=max(c.stage.offset_days for c in claims),
            language=rendered.language,
            run=run,
            triggered_by=user,
        )
        values = {
            "email": message,
            "recipients": recipients,
            "cc": list(settings.REMINDER_CC),
            "subject": rendered.subject,
            "body_text": rendered.body_text,
            "body_html": rendered.body_html,
            "message_id": message.message_id,
            "language": rendered.language,
        }
        Notification.objects.filter(pk__in=[c.notification.pk for c in claims]).update(**values)
        for claim in claims:
            for name, value in values.items():
                setattr(claim.notification, name, value)
    return ClaimedMessage(row=message, claims=claims, cancelled=cancelled, skipped=skipped)


def record_delivery(
    *,
    claimed: ClaimedMessage,
    delivery: Delivery,
    stages: list[ReminderStage],
    now: datetime,
    automatic: bool,
    user=None,
) -> dict[str, int]:
    """Store the SMTP outcome for the e-mail and all its letters; returns {counter: letters}."""
    row = claimed.row
    stamp = timezone.now()
    counts: dict[str, int] = {}
    ids = [c.notification.pk for c in claimed.claims]
    if delivery.status == Status.SENT:
        with transaction.atomic():
            ReminderMessage.objects.filter(pk=row.pk).update(
                status=Status.SENT, sent_at=stamp, error=delivery.error, updated_at=stamp
            )
            Notification.objects.filter(pk__in=ids).update(
                status=Status.SENT, sent_at=stamp, error=delivery.error, reason="", updated_at=stamp
            )
            for claim in claimed.claims:
                reminder_event(
                    claim.case,
                    "letter.sent",
                    {
                        **stage_params(claim.stage),
                        "recipients": list(row.recipients),
                        "manual": not automatic,
                        "others": len(ids) - 1,
                        **_capped_params(claim.case),
                    },
                    now=now,
                    user=user,
                    sent=True,
                    offset=claim.stage.offset_days,
                    mode=Notification.Mode.AUTOMATIC if automatic else Notification.Mode.MANUAL,
                    notification=claim.notification.pk,
                    message_id=row.message_id,
                )
        return {"sent": len(ids)}
    if delivery.status == Status.UNCERTAIN:
        with transaction.atomic():
            ReminderMessage.objects.filter(pk=row.pk).update(
                status=Status.UNCERTAIN, error=delivery.error, updated_at=stamp
            )
            Notification.objects.filter(pk__in=ids).update(
                status=Status.UNCERTAIN, reason=Reason.INTERRUPTED, error=delivery.error, updated_at=stamp
            )
            for claim in claimed.claims:
                reminder_event(
                    claim.case,
                    "letter.uncertain",
                    {**stage_params(claim.stage), "error": delivery.error},
                    now=now,
                    user=user,
                    sent=False,
                    offset=claim.stage.offset_days,
                    status="uncertain",
                    notification=claim.notification.pk,
                )
        return {"uncertain": len(ids)}
    with transaction.atomic():
        ReminderMessage.objects.filter(pk=row.pk).update(status=Status.FAILED, error=delivery.error, updated_at=stamp)
        if not delivery.attempted:  # no connection: not an attempt
            Notification.objects.filter(pk__in=ids).update(attempts=Greatest(F("attempts") - 1, 0))
        for claim in claimed.claims:
            n = Notification.objects.get(pk=claim.notification.pk)
            final = automatic and n.attempts >= settings.REMINDER_MAX_ATTEMPTS
            Notification.objects.filter(pk=n.pk).update(
                status=Status.FAILED,
                reason=Reason.MAX_ATTEMPTS if final else Reason.SMTP_ERROR,
                error=delivery.error,
                updated_at=stamp,
            )
            if final:
                case_uncount_letter(case_id=claim.case.pk)
            elif claim.advanced:
                case_release_rung(
                    case_id=claim.case.pk,
                    offset=claim.stage.offset_days,
                    floor=claim.floor,
                    previous=claim.previous,
                    letter=True,
                    stages=stages,
                )
            reminder_event(
                claim.case,
                "letter.failed_final" if final else "letter.failed",
                {**stage_params(claim.stage), "attempts": n.attempts, "error": delivery.error},
                now=now,
                user=user,
                sent=False,
                offset=claim.stage.offset_days,
                status="failed",
                attempts=n.attempts,
                final=final,
                notification=n.pk,
            )
            key = "gave_up" if final else "failed"
            counts[key] = counts.get(key, 0) + 1
    return counts


# --- Housekeeping -----------------------------------------------------------------


def notifications_mark_interrupted(*, now: datetime | None = None) -> int:
    """Queued rows with no SMTP answer for too long (a crashed run) become uncertain, with their e-mail."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.REMINDER_CLAIM_STALE_MINUTES)
    marked = 0
    note = "Wysyłka przerwana między zajęciem a odpowiedzią serwera SMTP; sprawdź i w razie potrzeby wyślij ręcznie."
    stale = Notification.objects.filter(status=Status.QUEUED, updated_at__lt=cutoff).select_related(
        "case__invoice", "stage"
    )
    for row in stale:
        changed = Notification.objects.filter(pk=row.pk, status=Status.QUEUED).update(
            status=Status.UNCERTAIN, reason=Reason.INTERRUPTED, error=note, updated_at=timezone.now()
        )
        if changed:
            marked += 1
            reminder_event(
                row.case,
                "letter.interrupted",
                stage_params(row.stage),
                now=now,
                sent=False,
                offset=row.stage_offset if row.stage_offset is not None else row.stage.offset_days,
                status="uncertain",
                notification=row.pk,
            )
    ReminderMessage.objects.filter(status=Status.QUEUED, updated_at__lt=cutoff).update(
        status=Status.UNCERTAIN, error=note, updated_at=timezone.now()
    )
    if marked:
        log.warning("%s interrupted reminder(s) marked uncertain", marked)
    return marked


def reminder_stages_reschedule(*, stages: list[ReminderStage] | None = None) -> int:
    """Re-point every active case after the stage ladder changed. Returns how many cases moved."""
    return cases_reschedule(stages=reminder_stages_active() if stages is None else stages)
