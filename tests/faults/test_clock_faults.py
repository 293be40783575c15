"""Runs around midnight and across the DST changes (Europe/Warsaw), end to end: the simulator over
real HTTP, the real entry point of the schedule (`syncstatus.tasks.daily_sync`: the sync, then the
reminders) and a real SMTP server. Business dates are Warsaw dates whatever the UTC clock says.

`next_occurrence` across the October change is unit-tested in syncstatus/tests/test_commands.py.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
import time_machine
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.scheduler import scheduler

from cases.models import Case, CaseEvent
from common.calendar import WARSAW, business_today
from infakt_simulator.demo import build_demo_world
from invoicetracker.schedules import ensure_schedules, next_occurrence
from notifications.models import Notification, ReminderRun
from notifications.selectors import reminder_plan
from syncstatus.models import SyncRun
from syncstatus.tasks import daily_sync
from syncstatus.tests.test_sync_e2e import assert_in_step_with

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

Status = Notification.Status


@pytest.fixture
def live(settings, sim, smtp_server):
    """The app's own API client (infakt.apps.build_api) pointed at the simulator; e-mail to the SMTP server."""
    settings.INFAKT_BASE_URL = sim.base_url
    settings.INFAKT_API_KEY = sim.api_key
    settings.INFAKT_MAX_RETRIES = 2
    return smtp_server


def warsaw(day: date, hour: int, minute: int = 0, second: int = 0, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=WARSAW, fold=fold)


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, WARSAW)


def assert_windows_chain(runs: list[SyncRun]) -> None:
    """Each run's window starts where the previous one ended: no due date skipped, none read twice as new."""
    for before, after in pairwise(runs):
        assert after.window_start == before.window_end, (before.target_date, after.target_date)
    for run in runs:
        assert run.window_end >= run.target_date + timedelta(days=2)


def assert_reminders_exactly_once(server, today: date) -> None:
    """Every sent row was received once; nothing else was received; nothing is left half-done or due."""
    received = [m["Message-ID"] for m in server.messages]
    assert len(received) == len(set(received))
    sent = set(Notification.objects.filter(status=Status.SENT).values_list("message_id", flat=True))
    assert set(received) == sent
    pairs = Counter(
        tuple(item.strip().split(":"))
        for m in server.messages
        for item in m["X-InvoiceTracker-Items"].split(",")  # every letter of every e-mail (digests too)
    )
    assert max(pairs.values(), default=1) == 1  # no stage of an invoice twice
    assert not Notification.objects.filter(status__in=[Status.QUEUED, Status.UNCERTAIN, Status.FAILED]).exists()
    plan, _paused = reminder_plan(day=today)
    sendable = [
        d for d in plan if d.stage is not None and d.case.invoice.client and d.case.invoice.client.has_usable_email
    ]
    assert sendable == []  # every reminder due by today that could go has gone


def assert_no_duplicates() -> None:
    assert Case.objects.count() == Case.objects.values("invoice").distinct().count()
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.OPENED).count() == Case.objects.count()


# --- Midnight ------------------------------------------------------------------------------


def test_syncs_at_23_59_55_and_00_00_01_are_two_business_days_with_nothing_lost_or_doubled(sim, world, live):
    world.reset_from(build_demo_world(seed=7, today=world.today, clients=30, invoices=150))
    monday, tuesday, wednesday = world.today, world.today + timedelta(days=1), world.today + timedelta(days=2)
    with time_machine.travel(warsaw(monday, 6), tick=True):
        first = daily_sync()
    floor = SyncRun.objects.get(pk=first).window_start

    world.advance(1, auto_pay=True)
    # 23:59:55 on Tuesday; the first list request answers 6 s later, so the run ends after midnight.
    # (The clock ticks in real time: the 5 s before midnight leave room for a loaded machine to start
    # the run; the run cannot end before midnight as its first answer alone takes 6 s.)
    sim.control("POST", "/faults", {"delay": 6.0, "count": 1})
    with time_machine.travel(warsaw(tuesday, 23, 59, 55), tick=True):
        assert business_today() == tuesday
        late = SyncRun.objects.get(pk=daily_sync())

    world.advance(1, auto_pay=True)
    with time_machine.travel(warsaw(wednesday, 0, 0, 1), tick=True):
        assert business_today() == wednesday
        early = SyncRun.objects.get(pk=daily_sync())

    # The day is fixed when a run starts: Tuesday's run finished on Wednesday and is still Tuesday's.
    assert (late.target_date, local(late.started_at).date(), local(late.finished_at).date()) == (
        tuesday,
        tuesday,
        wednesday,
    )
    assert early.target_date == wednesday
    runs = list(SyncRun.objects.order_by("started_at"))
    assert [r.status for r in runs] == [SyncRun.Status.SUCCESS] * 3
    assert_windows_chain(runs)
    assert early.window_end == wednesday + timedelta(days=2)
    assert_in_step_with(world, floor)
    assert_no_duplicates()
    # Tuesday's reminders went out (after midnight) on the strength of Tuesday's sync, Wednesday's on Wednesday's.
    assert list(ReminderRun.objects.order_by("pk").values_list("day", "held_reason", "sync_run_id")) == [
        (monday, "", first),
        (tuesday, "", late.pk),
        (wednesday, "", early.pk),
    ]
    assert_reminders_exactly_once(live, wednesday)


# --- DST -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sunday",
    [date(2026, 10, 25), date(2026, 3, 29)],
    ids=["october-CEST-to-CET", "march-CET-to-CEST"],
)
def test_the_daily_schedule_across_a_dst_change(sunday, sim, world, live, settings, monkeypatch):
    """Friday to Monday around the change: django-q2's own scheduler fires the schedule at 06:00 Warsaw
    each day (an hour apart in UTC across the change), each run syncs its Warsaw day, the windows
    chain, the weekend holds the reminders and Monday sends each of them once."""
    friday, monday = sunday - timedelta(days=2), sunday + timedelta(days=1)
    world.reset_from(build_demo_world(seed=7, today=friday, clients=30, invoices=150))
    # The scheduler closes "old" connections, which would end the test's transaction.
    monkeypatch.setattr("django_q.scheduler.close_old_django_connections", lambda: None)
    broker = ORM(list_key=Conf.CLUSTER_NAME)
    settings.DAILY_SUMMARY_ENABLED = False  # only the sync's schedule, so the queue counts its tasks
    with time_machine.travel(warsaw(friday - timedelta(days=1), 10), tick=False):
        ensure_schedules()  # the deploy, on Thursday
    schedule = Schedule.objects.get(name="infakt-daily-sync")

    fired: list[datetime] = []
    for day in (friday, friday + timedelta(days=1), sunday, monday):
        if day != friday:
            world.advance(1, auto_pay=True)
        due = schedule.next_run
        fired.append(local(due))
        with time_machine.travel(due - timedelta(seconds=1), tick=False):
            scheduler(broker=broker)  # a second early: nothing fires
        schedule.refresh_from_db()
        assert schedule.next_run == due
        with time_machine.travel(due + timedelta(seconds=1), tick=True):
            scheduler(broker=broker)  # fires: queues the task and moves next_run a Warsaw day on
            assert business_today() == day
            daily_sync()  # what the worker runs for the queued task
        schedule.refresh_from_db()

    assert [(f.date(), f.time()) for f in fired] == [(friday + timedelta(days=i), time(6, 0)) for i in range(4)]
    assert fired[1].utcoffset() != fired[2].utcoffset()  # the change happened between Saturday and Sunday
    assert local(schedule.next_run) == warsaw(monday + timedelta(days=1), 6)
    assert broker.queue_size() == 4  # one task per day, none twice

    runs = list(SyncRun.objects.order_by("started_at"))
    assert [(r.target_date, r.kind, r.status) for r in runs] == [
        (friday, SyncRun.Kind.DAILY, SyncRun.Status.SUCCESS),
        (friday + timedelta(days=1), SyncRun.Kind.DAILY, SyncRun.Status.SUCCESS),
        (sunday, SyncRun.Kind.FULL, SyncRun.Status.SUCCESS),  # FULL_SYNC_WEEKDAY = Sunday
        (monday, SyncRun.Kind.DAILY, SyncRun.Status.SUCCESS),
    ]
    assert all(local(r.started_at).date() == r.target_date for r in runs)
    assert_windows_chain(runs)
    assert_in_step_with(world, runs[0].window_start)
    assert_no_duplicates()
    reminder_runs = list(ReminderRun.objects.order_by("started_at"))
    assert [r.day for r in reminder_runs] == [r.target_date for r in runs]
    assert [bool(r.held_reason) for r in reminder_runs] == [False, True, True, False]  # the weekend waits
    assert reminder_runs[3].sent > 0
    assert_reminders_exactly_once(live, monday)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        # October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
        (warsaw(date(2026, 10, 24), 23, 59, 59), date(2026, 10, 24)),
        (warsaw(date(2026, 10, 25), 0, 0, 1), date(2026, 10, 25)),
        (warsaw(date(2026, 10, 25), 2, 30, fold=0), date(2026, 10, 25)),
        (warsaw(date(2026, 10, 25), 2, 30, fold=1), date(2026, 10, 25)),
        (warsaw(date(2026, 10, 25), 23, 59, 59), date(2026, 10, 25)),
        # March 2026: 02:00 CET becomes 03:00 CEST.
        (warsaw(date(2026, 3, 28), 23, 59, 59), date(2026, 3, 28)),
        (warsaw(date(2026, 3, 29), 1, 59, 59), date(2026, 3, 29)),
        (warsaw(date(2026, 3, 29), 3, 0, 0), date(2026, 3, 29)),
        (warsaw(date(2026, 3, 29), 23, 59, 59), date(2026, 3, 29)),
    ],
)
def test_business_today_is_the_warsaw_date_on_dst_days(moment, day):
    assert business_today(moment.astimezone(UTC)) == day
    with time_machine.travel(moment, tick=False):
        assert business_today() == day


def test_next_occurrence_is_in_warsaw_time_across_the_march_change():
    after = next_occurrence("06:00", now=warsaw(date(2026, 3, 28), 12))
    assert after == warsaw(date(2026, 3, 29), 6)
    assert after.utcoffset() == timedelta(hours=2)
    assert next_occurrence("06:00", now=warsaw(date(2026, 3, 29), 2, 30)) == warsaw(date(2026, 3, 29), 6)
