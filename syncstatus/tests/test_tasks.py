"""The django-q2 entry points: the morning run and the panel's run-now."""

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


def test_reminders_held_by_a_failed_morning_sync_go_out_after_a_successful_sync_from_the_panel(settings, mailoutbox):
    today = date(2026, 11, 25)  # a Wednesday; the -1 stage of an invoice due tomorrow is due today
    world = World(today=today)
    client = world.add_client(company_name="Delta Sp. z o.o.", email="platnosci@delta.pl")
    world.add_invoice(client["id"], payment_date=today + timedelta(days=1))
    with running_simulator(world) as sim, time_machine.travel(morning(today), tick=True):
        settings.INFAKT_BASE_URL = sim.base_url
        settings.INFAKT_API_KEY = "revoked-key"
        with pytest.raises(SyncFailed):
            daily_sync()
        held = ReminderRun.objects.get(day=today)
        assert held.held_reason
        assert mailoutbox == []

        settings.INFAKT_API_KEY = sim.api_key
        panel_sync()

    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.PANEL, status=SyncRun.Status.SUCCESS).count() == 1
    assert [m.to for m in mailoutbox] == [["platnosci@delta.pl"]]
    assert Notification.objects.get(status=Notification.Status.SENT).stage.offset_days == -1
    assert Case.objects.get().last_stage_offset == -1
