"""A month of mornings end to end: the sync against the simulator, then the reminders to a real SMTP server.

Every due stage goes out exactly once to every unpaid case that has an e-mail address, and
nothing goes to anyone who had paid by the time of sending.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine

from cases.calendar import is_business_day, stage_send_date
from cases.models import Case, ReminderStage
from notifications.models import Notification
from notifications.services import reminders_send_due
from notifications.tests.conftest import reminder_settings, smtp_server  # noqa: F401
from syncstatus.models import SyncRun
from syncstatus.services import sync_run
from syncstatus.tests.conftest import api, morning, sim, world  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
DAYS = 35


def test_a_month_sends_each_due_stage_once_to_unpaid_cases_and_nothing_to_payers(api, world, smtp_server):  # noqa: F811
    offsets = list(ReminderStage.objects.filter(is_active=True).values_list("offset_days", flat=True))
    first_day = world.today
    delivered: list[tuple[int, int, date]] = []  # (InFakt invoice id, stage offset, day)
    for day_no in range(DAYS):
        if day_no:
            world.advance(1, auto_pay=True)  # customers pay overnight; the morning sync sees it
        today = world.today
        with time_machine.travel(morning(today), tick=True):
            assert sync_run(target_date=today, api=api).status == SyncRun.Status.SUCCESS
            before = len(smtp_server.messages)
            reminders_send_due(day=today)
        for message in smtp_server.messages[before:]:
            invoice_id = int(message["X-InvoiceTracker-Invoice"])
            remote = next(inv for inv in world.all_invoices() if inv["id"] == invoice_id)
            # Nothing to anyone who had paid by the time of sending (the world does not move during the morning).
            assert remote["status"] != "paid", remote["number"]
            assert remote["left_to_pay"] > 0, remote["number"]
            delivered.append((invoice_id, int(message["X-InvoiceTracker-Stage"]), today))
        if is_business_day(today):
            # Everything due today was handled: no case with an address is left behind.
            behind = Case.objects.filter(
                status=Case.Status.ACTIVE,
                next_reminder_date__lte=today,
                paused_until__isnull=True,
                invoice__client__has_usable_email=True,
            )
            assert not behind.exists(), list(behind.values_list("invoice__number", "next_reminder_date"))

    assert len(delivered) > 100
    # Exactly once per (invoice, stage), and every delivery is a logged "sent" with its Message-ID.
    assert max(Counter((i, s) for i, s, _ in delivered).values()) == 1
    sent = Notification.objects.filter(status=Notification.Status.SENT)
    assert sent.count() == len(delivered)
    assert {m["Message-ID"] for m in smtp_server.messages} == set(sent.values_list("message_id", flat=True))

    # Every due stage went out: for cases opened during the month (not the first day's backlog)
    # whose client has an address, each stage whose date came while the case was open was sent, on that date.
    by_invoice: dict[int, set[tuple[int, date]]] = {}
    for invoice_id, offset, day in delivered:
        by_invoice.setdefault(invoice_id, set()).add((offset, day))
    last_day = world.today
    checked = 0
    for case in Case.objects.filter(invoice__client__has_usable_email=True).select_related("invoice"):
        opened = case.opened_at.astimezone(morning(first_day).tzinfo).date()
        if opened == first_day:
            continue
        until = (
            case.closed_at.astimezone(morning(first_day).tzinfo).date() - timedelta(days=1)
            if case.closed_at
            else last_day
        )
        expected = {
            (offset, stage_send_date(case.invoice.due_date, offset))
            for offset in offsets
            if opened <= stage_send_date(case.invoice.due_date, offset) <= until
        }
        assert by_invoice.get(case.invoice.infakt_id, set()) == expected, case.invoice.number
        checked += 1
    assert checked >= 30  # 40 with this seed
