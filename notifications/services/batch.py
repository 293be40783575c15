"""Staff actions over many cases or e-mails at once: what to send, what to skip, what failed.

The admin only words the outcome (cases/admin's actions, assembled in invoicetracker/admin.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from cases.models import Case, ReminderStage

from ..models import Notification
from .manual import notification_resend, reminder_send_manual
from .records import ReminderNotSendable

log = logging.getLogger("invoicetracker.reminders")


@dataclass
class BatchOutcome:
    """E-mails by status (Notification.Status values, in the order first met), the refusals and failures
    ("<what>: <why>", one per case or e-mail not sent) and the cases the action does not apply to."""

    by_status: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    skipped: int = 0

    def count(self, notification: Notification) -> None:
        self.by_status[notification.status] = self.by_status.get(notification.status, 0) + 1


def reminder_send_stage_now(*, cases, stage: ReminderStage, user, now: datetime | None = None) -> BatchOutcome:
    """Send `stage` by hand to each active case of `cases` (`reminder_send_manual`); closed cases are
    skipped, and a case refused or failing is reported while the rest go on."""
    outcome = BatchOutcome()
    for case in cases:
        if case.status != Case.Status.ACTIVE:
            outcome.skipped += 1
            continue
        try:
            notification = reminder_send_manual(case=case, stage=stage, user=user, now=now)
        except ReminderNotSendable as exc:
            outcome.failures.append(f"{case.invoice.number}: {exc}")
            continue
        except Exception as exc:  # report every case, keep going with the rest
            log.exception("manual send of stage %s for case %s failed", stage.pk, case.pk)
            outcome.failures.append(f"{case.invoice.number}: {type(exc).__name__}: {exc}")
            continue
        outcome.count(notification)
    return outcome


@dataclass
class ResendOutcome:
    """How many e-mails went out again, the ones refused (with why) and those whose new attempt failed
    (with that attempt)."""

    sent: int = 0
    refused: list[tuple[Notification, str]] = field(default_factory=list)
    failed: list[tuple[Notification, Notification]] = field(default_factory=list)


def notifications_resend(*, notifications, user, now: datetime | None = None) -> ResendOutcome:
    """Send each of `notifications` again by hand (`notification_resend`), going on after a refusal."""
    outcome = ResendOutcome()
    for notification in notifications:
        try:
            result = notification_resend(notification=notification, user=user, now=now)
        except ReminderNotSendable as exc:
            outcome.refused.append((notification, str(exc)))
            continue
        if result.status == Notification.Status.SENT:
            outcome.sent += 1
        else:
            outcome.failed.append((notification, result))
    return outcome
