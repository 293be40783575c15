"""Reminder sending killed mid-send, and two send runs at once: real `manage.py send_reminders`
child processes against a real SMTP server (aiosmtpd on 127.0.0.1). Assertions are on what the
server received.

SMTP down then back, a refused message, a connection lost during DATA and an in-process crash
between claim and answer are proved in notifications/tests/test_services.py (see docs/faults.md).
"""

from __future__ import annotations

import signal
from collections import Counter
from datetime import date, timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification, ReminderMessage, ReminderRun
from notifications.services import reminders_send_due
from notifications.tests.conftest import World
from tests.waiting import wait_until

from .conftest import child_env

pytestmark = pytest.mark.django_db(transaction=True)

Status = Notification.Status
MONDAY = date(2026, 11, 16)  # stage +7 of invoices due on Monday 9.11


def due_cases(n: int) -> list:
    """`n` cases whose +7 stage is due on MONDAY, each client with its own address, and that day's sync.

    The sync "finished" just now: the child process checks its age against the real clock.
    """
    world = World()
    cases = [world.case(due=date(2026, 11, 9), last_stage_offset=-1) for _ in range(n)]
    World.sync(MONDAY, started=timezone.now() - timedelta(minutes=1))
    return cases


def per_invoice(server) -> Counter:
    return Counter(m["X-InvoiceTracker-Invoice"] for m in server.messages)


def statuses() -> Counter:
    return Counter(Notification.objects.values_list("status", flat=True))


def test_a_send_killed_mid_message_leaves_it_uncertain_and_everything_else_goes_exactly_once(slow_smtp, manage, ladder):
    cases = due_cases(6)
    handler = slow_smtp.handler
    handler.hold, handler.hold_from = 30, 3  # the third message reaches the server; its "250 OK" is held
    env = child_env(EMAIL_URL=f"smtp://127.0.0.1:{slow_smtp.port}")

    proc = manage("send_reminders", "--date", MONDAY.isoformat(), env=env)
    wait_until(lambda: handler.waiting, what="the third message to reach the SMTP server", proc=proc)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL

    in_flight = handler.waiting[0]
    handler.hold = 0
    assert len(slow_smtp.messages) == 3
    assert statuses() == {Status.SENT: 2, Status.QUEUED: 1}
    queued = Notification.objects.get(status=Status.QUEUED)
    assert queued.message_id == in_flight  # the claim was written before the message went out
    assert ReminderRun.objects.get().finished_at is None  # the killed run never finished

    # The next run, straight away: the rest goes out once; the claimed one is neither resent nor judged yet.
    rerun = reminders_send_due(day=MONDAY)
    assert (rerun.sent, rerun.uncertain, rerun.failed) == (3, 0, 0)
    assert statuses() == {Status.SENT: 5, Status.QUEUED: 1}

    # A run after REMINDER_CLAIM_STALE_MINUTES: the orphaned claim becomes uncertain, still not resent.
    later = reminders_send_due(day=MONDAY, now=timezone.now() + timedelta(minutes=11))
    assert (later.sent, later.uncertain) == (0, 1)
    again = reminders_send_due(day=MONDAY, now=timezone.now() + timedelta(minutes=30))
    assert (again.sent, again.uncertain) == (0, 0)

    queued.refresh_from_db()
    assert (queued.status, queued.reason) == (Status.UNCERTAIN, Notification.Reason.INTERRUPTED)
    assert statuses() == {Status.SENT: 5, Status.UNCERTAIN: 1}
    # What the server got: every case exactly once (the in-flight one too, and never a second time).
    assert per_invoice(slow_smtp) == {str(c.invoice.infakt_id): 1 for c in cases}
    sent_ids = set(Notification.objects.filter(status=Status.SENT).values_list("message_id", flat=True))
    assert {m["Message-ID"] for m in slow_smtp.messages} == sent_ids | {in_flight}


def test_two_send_runs_at_once_deliver_every_reminder_exactly_once(slow_smtp, manage, ladder):
    cases = due_cases(16)
    slow_smtp.handler.delay = 0.1  # about 1.6 s of sending: the two runs overlap
    env = child_env(EMAIL_URL=f"smtp://127.0.0.1:{slow_smtp.port}")

    procs = [manage("send_reminders", "--date", MONDAY.isoformat(), env=env) for _ in range(2)]
    outputs = [proc.communicate(timeout=120)[0].decode(errors="replace") for proc in procs]

    assert [proc.returncode for proc in procs] == [0, 0], outputs
    first, second = ReminderRun.objects.order_by("started_at")
    assert second.started_at < first.finished_at  # they really ran at the same time
    assert first.sent + second.sent == 16
    assert first.uncertain + second.uncertain + first.failed + second.failed == 0
    assert statuses() == {Status.SENT: 16}
    assert per_invoice(slow_smtp) == {str(c.invoice.infakt_id): 1 for c in cases}
    assert len(slow_smtp.messages) == 16


# --- The same faults with digests: one e-mail per client holds several letters ----------------


def due_digests(clients: int, per_client: int) -> list[list]:
    """`clients` clients with `per_client` cases each due for +7 on MONDAY, and that day's sync."""
    world = World()
    groups = []
    for _ in range(clients):
        client = world.client()
        groups.append(
            [world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1) for _ in range(per_client)]
        )
    World.sync(MONDAY, started=timezone.now() - timedelta(minutes=1))
    return groups


def letters_received(server) -> Counter:
    return Counter(item.strip() for m in server.messages for item in m["X-InvoiceTracker-Items"].split(","))


def test_a_send_killed_mid_digest_leaves_all_its_letters_uncertain_and_the_rest_goes_once(slow_smtp, manage, ladder):
    groups = due_digests(4, 3)
    handler = slow_smtp.handler
    handler.hold, handler.hold_from = 30, 2  # the second e-mail (three letters) reaches the server, unanswered
    env = child_env(EMAIL_URL=f"smtp://127.0.0.1:{slow_smtp.port}")

    proc = manage("send_reminders", "--date", MONDAY.isoformat(), env=env)
    wait_until(lambda: handler.waiting, what="the second e-mail to reach the SMTP server", proc=proc)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL
    in_flight = handler.waiting[0]
    handler.hold = 0
    assert statuses() == {Status.SENT: 3, Status.QUEUED: 3}
    assert set(Notification.objects.filter(status=Status.QUEUED).values_list("message_id", flat=True)) == {in_flight}

    rerun = reminders_send_due(day=MONDAY)
    assert (rerun.sent, rerun.messages) == (6, 2)
    later = reminders_send_due(day=MONDAY, now=timezone.now() + timedelta(minutes=11))
    assert (later.sent, later.uncertain) == (0, 3)

    assert statuses() == {Status.SENT: 9, Status.UNCERTAIN: 3}
    assert ReminderMessage.objects.get(message_id=in_flight).status == Status.UNCERTAIN
    # Every letter reached the server exactly once, and every client got exactly one e-mail.
    expected = {f"{c.invoice.infakt_id}:+7" for group in groups for c in group}
    assert letters_received(slow_smtp) == dict.fromkeys(expected, 1)
    assert Counter(tuple(m.rcpt_tos) for m in slow_smtp.messages).most_common(1)[0][1] == 1


def test_two_send_runs_at_once_send_every_client_one_digest(slow_smtp, manage, ladder):
    groups = due_digests(8, 2)
    slow_smtp.handler.delay = 0.2
    env = child_env(EMAIL_URL=f"smtp://127.0.0.1:{slow_smtp.port}")

    procs = [manage("send_reminders", "--date", MONDAY.isoformat(), env=env) for _ in range(2)]
    outputs = [proc.communicate(timeout=120)[0].decode(errors="replace") for proc in procs]

    assert [proc.returncode for proc in procs] == [0, 0], outputs
    assert statuses() == {Status.SENT: 16}
    expected = {f"{c.invoice.infakt_id}:+7" for group in groups for c in group}
    assert letters_received(slow_smtp) == dict.fromkeys(expected, 1)
    # A client's two letters travel together: 8 e-mails, one per client, however the runs interleave.
    assert len(slow_smtp.messages) == 8
    assert all(len(m["X-InvoiceTracker-Items"].split(",")) == 2 for m in slow_smtp.messages)
