"""The django-q2 entry points: the morning run (the sync, then the reminders, which go out only after a
successful sync) and the panel's run-now, against the InFakt simulator over real HTTP."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from cases.models import Case
from infakt_simulator.testing import running_simulator
from infakt_simulator.world import World
from notifications.models import Notification, ReminderRun
from syncstatus.models import SyncRun
from syncstatus.services import SyncFailed
from syncstatus.tasks import daily_sync, panel_sync

from .conftest import morning

pytestmark = pytest.mark.django_db


TUESDAY = date(2026, 11, 24)
WEDNESDAY = TUESDAY + timedelta(days=1)  # the -1 stage of an invoice due on Thursday is due on Wednesday


@pytest.fixture
def delta() -> World:
    """InFakt holds one client with one unpaid invoice, due on Thursday."""
    world = World(today=TUESDAY)
    client = world.add_client(company_name="Delta Sp. z o.o.", email="platnosci@delta.pl")
    world.add_invoice(client["id"], payment_date=WEDNESDAY + timedelta(days=1))
    return world


def test_the_morning_run_sends_the_reminders_after_a_successful_sync(delta, settings, mailoutbox):
    delta.advance(1)
    with running_simulator(delta) as sim, time_machine.travel(morning(WEDNESDAY), tick=True):
        settings.INFAKT_BASE_URL, settings.INFAKT_API_KEY = sim.base_url, sim.api_key
        daily_sync()

    sync = SyncRun.objects.get()
    assert (sync.trigger, sync.kind, sync.status) == (
        SyncRun.Trigger.SCHEDULE,
        SyncRun.Kind.DAILY,
        SyncRun.Status.SUCCESS,
    )
    assert [(m.to, m.extra_headers["X-InvoiceTracker-Stage"]) for m in mailoutbox] == [(["platnosci@delta.pl"], "-1")]
    run = ReminderRun.objects.get()
    assert (run.trigger, run.sent, run.sync_run_id) == (ReminderRun.Trigger.SCHEDULE, 1, sync.pk)


def test_reminders_held_by_a_failed_morning_sync_go_out_after_a_successful_sync_from_the_panel(
    delta, settings, mailoutbox
):
    with running_simulator(delta) as sim:
        settings.INFAKT_BASE_URL, settings.INFAKT_API_KEY = sim.base_url, sim.api_key
        with time_machine.travel(morning(TUESDAY), tick=True):
            daily_sync()  # the case is opened; nothing is due yet
        case = Case.objects.get()
        assert mailoutbox == []

        delta.advance(1)
        settings.INFAKT_API_KEY = "revoked-key"
        with time_machine.travel(morning(WEDNESDAY), tick=True):
            with pytest.raises(SyncFailed):
                daily_sync()
            held = ReminderRun.objects.get(day=WEDNESDAY)
            assert "nie powiodła się" in held.held_reason
            assert Notification.objects.get(case=case).status == Notification.Status.HELD
            assert mailoutbox == []

            settings.INFAKT_API_KEY = sim.api_key
            panel_sync()

    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.PANEL, status=SyncRun.Status.SUCCESS).count() == 1
    assert [m.to for m in mailoutbox] == [["platnosci@delta.pl"]]
    assert Notification.objects.get(status=Notification.Status.SENT).stage.offset_days == -1
    assert Case.objects.get().last_stage_offset == -1
