"""A month of mornings end to end: the sync against the simulator, then the reminders to a real SMTP server.

What the SMTP server received is checked against an oracle written here from
`dunning-policy.md` alone (not from the app's ladder module): for every invoice whose client
has an address, the letters it got, on which days, are exactly the ones the policy gives —
the before-due rung only on its planned day, overdue rungs one at a time on the first business
day on or after max(due + offset, previous letter's day + spacing), nothing after payment.
With digests on, no address gets more than one e-mail a day; with them off, one per invoice.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine

from cases.models import Case, ReminderStage
from common.calendar import is_business_day
from notifications.models import Notification
from notifications.services import reminders_send_due
from notifications.tests.conftest import example_rates, reminder_settings, smtp_server  # noqa: F401
from syncstatus.models import SyncRun
from syncstatus.services import sync_run
from syncstatus.tests.conftest import api, morning, sim, world  # noqa: F401

# The rates a staff member enters where the seeded tables stop: the +14 letter's demand PDF needs them.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db, pytest.mark.usefixtures("example_rates")]
DAYS = 35


def items(message) -> list[tuple[int, int]]:
    """`X-InvoiceTracker-Items: 18433587:-1, 18433590:+14` -> [(18433587, -1), (18433590, 14)]."""
    result = []
    for part in message["X-InvoiceTracker-Items"].split(","):
        invoice_id, _sep, offset = part.strip().partition(":")
        assert offset[0] in "+-", part  # offsets are signed, +0 included
        result.append((int(invoice_id), int(offset)))
    return result


BUSINESS_DAYS = {"on": True}


def business(day: date) -> bool:
    return is_business_day(day) if BUSINESS_DAYS["on"] else True


def first_business_day_on_or_after(day: date) -> date:
    while not business(day):
        day += timedelta(days=1)
    return day


def planned_day(due: date, offset: int) -> date:
    """Policy 1, before-due rung: P = due + o, to the next business day, or back before the due date."""
    p = first_business_day_on_or_after(due + timedelta(days=offset))
    if p >= due:
        p = due - timedelta(days=1)
        while not business(p):
            p -= timedelta(days=1)
    return p


def policy_letters(*, due: date, offsets: list[int], opened: date, until: date) -> list[tuple[int, date]]:
    """The (offset, day) letters the policy sends a case open from `opened` to `until`, the app running daily."""
    pending = sorted(offsets)
    previous: tuple[date, int] | None = None  # (L, offset_prev)
    letters = []
    day = opened
    while day <= until:
        if business(day):
            while pending:
                offset = pending[0]
                if offset < 0:
                    p = planned_day(due, offset)
                    if day < p:
                        break
                    pending.pop(0)
                    if day == p and day < due:
                        letters.append((offset, day))
                        break
                    continue  # skipped: not applicable after the planned day
                earliest = due + timedelta(days=offset)
                if previous is not None:
                    earliest = max(earliest, previous[0] + timedelta(days=offset - previous[1]))
                if day >= first_business_day_on_or_after(earliest):
                    pending.pop(0)
                    letters.append((offset, day))
                    previous = (day, offset)
                break
        day += timedelta(days=1)
    return letters


@pytest.mark.parametrize(
    ("digest", "business_days"),
    [(True, True), (False, True), (True, False)],
    ids=["digest", "one-per-invoice", "digest-every-day"],
)
def test_a_month_follows_the_ladder_to_the_letter_and_nothing_goes_to_payers(
    api,  # noqa: F811
    world,  # noqa: F811
    smtp_server,  # noqa: F811
    settings,
    monkeypatch,
    digest,
    business_days,
):
    settings.REMINDER_DIGEST = digest
    settings.REMINDER_BUSINESS_DAYS = business_days
    monkeypatch.setitem(BUSINESS_DAYS, "on", business_days)
    offsets = sorted(ReminderStage.objects.filter(is_active=True).values_list("offset_days", flat=True))
    delivered: list[tuple[int, int, date]] = []  # (InFakt invoice id, offset, day)
    per_address_day: Counter = Counter()
    per_invoice_day: Counter = Counter()
    multi = 0
    for day_no in range(DAYS):
        if day_no:
            world.advance(1, auto_pay=True)  # customers pay overnight; the morning sync sees it
        today = world.today
        with time_machine.travel(morning(today), tick=True):
            assert sync_run(target_date=today, api=api).status == SyncRun.Status.SUCCESS
            before = len(smtp_server.messages)
            reminders_send_due(day=today)
        remote = {inv["id"]: inv for inv in world.all_invoices()}
        for message in smtp_server.messages[before:]:
            listed = items(message)
            multi += len(listed) > 1
            assert business(today)
            if len(listed) == 1:
                assert message["X-InvoiceTracker-Invoice"] == str(listed[0][0])
                assert int(message["X-InvoiceTracker-Stage"]) == listed[0][1]
            else:
                assert message["X-InvoiceTracker-Invoice"] is None
            for address in message.rcpt_tos:
                if not address.startswith("archiwum@"):
                    per_address_day[(address, today)] += 1
            for invoice_id, offset in listed:
                # Nothing to anyone who had paid by the time of sending.
                assert remote[invoice_id]["status"] != "paid", remote[invoice_id]["number"]
                assert remote[invoice_id]["left_to_pay"] > 0
                delivered.append((invoice_id, offset, today))
                per_invoice_day[(invoice_id, today)] += 1
            clients = {remote[i]["client_id"] for i, _o in listed}
            assert len(clients) == 1  # never one client's invoices (or addresses) in another's e-mail

    assert len(delivered) > 100
    # Every (invoice, rung) at most once; at most one letter per invoice a day.
    assert max(Counter((i, o) for i, o, _ in delivered).values()) == 1
    assert max(per_invoice_day.values()) == 1
    if digest:
        assert max(per_address_day.values()) == 1  # one e-mail per client a day
        assert multi > 0  # some clients did get several invoices in one e-mail
    else:
        assert multi == 0
    sent = Notification.objects.filter(status=Notification.Status.SENT)
    assert sent.count() == len(delivered)

    # Exactly the policy's letters, on the policy's days, for every case whose client has an address.
    by_invoice: dict[int, list[tuple[int, date]]] = {}
    for invoice_id, offset, day in delivered:
        by_invoice.setdefault(invoice_id, []).append((offset, day))
    tz = morning(world.today).tzinfo
    checked = backfilled = 0
    for case in Case.objects.filter(invoice__client__has_usable_email=True).select_related("invoice"):
        opened = case.opened_at.astimezone(tz).date()
        until = case.closed_at.astimezone(tz).date() - timedelta(days=1) if case.closed_at else world.today
        expected = policy_letters(due=case.invoice.due_date, offsets=offsets, opened=opened, until=until)
        got = sorted(by_invoice.get(case.invoice.infakt_id, []), key=lambda x: x[1])
        assert got == expected, (case.invoice.number, case.invoice.due_date, opened, until)
        # No rung jumped: the overdue rungs sent are the ladder's first ones, in order.
        overdue = [o for o, _d in got if o >= 0]
        assert overdue == [o for o in offsets if o >= 0][: len(overdue)]
        checked += 1
        backfilled += bool(got) and (opened - case.invoice.due_date).days > 30
    assert checked >= 60
    assert backfilled > 0  # cases first seen long overdue started at the first overdue rung
