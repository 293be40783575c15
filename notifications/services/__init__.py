"""Sending reminder e-mails: each rung at most once per case, one e-mail per client a day, never after payment.

The package follows the sections of the work:
- `smtp`: the SMTP connection and an honest answer per message;
- `claims`: the one claim path (automatic, digest and manual sends), recording outcomes;
- `daily`: the daily run (`reminders_send_due`, `reminders_preview`);
- `manual`: manual sends, resends, confirmations and test sends;
- `review`: the first-run review and staff holds;
- `records`: reports and the rows/events every path writes.
The ladder's date rules live in `cases.ladder` (policy section 1, line by line).
"""

import time  # noqa: F401 - tests patch services.time.sleep

from .claims import (
    Claim,
    ClaimedMessage,
    Letter,
    claim_message,
    notifications_mark_interrupted,
    recipients_for,
    record_delivery,
    reminder_stages_reschedule,
)
from .daily import group_letters, reminders_preview, reminders_send_due
from .manual import notification_confirm_sent, notification_resend, reminder_send_manual, reminder_send_test
from .records import COUNTERS, PlannedSend, ReminderNotSendable, SendReport
from .review import reminder_hold_client, reminder_hold_letter, reminder_review_approve
from .smtp import Delivery, Sender, default_connection

_Sender = Sender  # the name older tests and tools use

__all__ = [
    "COUNTERS",
    "Claim",
    "ClaimedMessage",
    "Delivery",
    "Letter",
    "PlannedSend",
    "ReminderNotSendable",
    "SendReport",
    "Sender",
    "claim_message",
    "default_connection",
    "group_letters",
    "notification_confirm_sent",
    "notification_resend",
    "notifications_mark_interrupted",
    "recipients_for",
    "record_delivery",
    "reminder_hold_client",
    "reminder_hold_letter",
    "reminder_review_approve",
    "reminder_send_manual",
    "reminder_send_test",
    "reminder_stages_reschedule",
    "reminders_preview",
    "reminders_send_due",
]
