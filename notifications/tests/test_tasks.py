"""The daily schedule: the sync, then the reminders, which go out only after a successful sync."""

from __future__ import annotations

from datetime import date

import pytest

from notifications.models import Notification, ReminderRun
from syncstatus import tasks
from syncstatus.models import SyncRun
from syncstatus.services import SyncFailed

from .conftest import at

MON_16 = date(2026, 11, 16)


@pytest.fixture
def monday(time_machine):
    time_machine.move_to(at(MON_16, 6, 30), tick=False)


def test_the_daily_run_sends_the_reminders_after_a_successful_sync(world, monday, mailoutbox, monkeypatch):
    world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    monkeypatch.setattr(tasks, "sync_run", lambda **kwargs: world.sync(kwargs["target_date"], started=at(MON_16, 6)))

    tasks.daily_sync()

    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["X-InvoiceTracker-Stage"] == "7"
    run = ReminderRun.objects.get()
    assert (run.trigger, run.sent, run.sync_run_id) == (ReminderRun.Trigger.SCHEDULE, 1, SyncRun.objects.get().pk)


def test_the_daily_run_holds_the_reminders_when_the_sync_failed(world, monday, mailoutbox, monkeypatch):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)

    def failing_sync(**kwargs):
        raise SyncFailed(world.sync(kwargs["target_date"], status=SyncRun.Status.FAILED, started=at(MON_16, 6)))

    monkeypatch.setattr(tasks, "sync_run", failing_sync)

    with pytest.raises(SyncFailed):
        tasks.daily_sync()

    assert mailoutbox == []
    assert Notification.objects.get(case=case).status == Notification.Status.HELD
    assert "nie powiodła się" in ReminderRun.objects.get().held_reason
