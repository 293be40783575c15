"""Refreshing chosen cases from InFakt now, or at the next sync (syncstatus.services.refresh): the outcome,
on a real database, with the bundled simulator or with another session holding the sync's lock."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import Case
from cases.tests.conftest import make_case, make_client
from syncstatus.models import SyncRun
from syncstatus.services.refresh import REFRESH_MAX_CASES, RefreshResult, sync_refresh_cases_or_mark

from .conftest import morning, run_day
from .test_sync_unit import other_process_holding_the_sync_lock  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("anna", "anna@firma.test", "x", is_staff=True)


def test_while_a_sync_runs_the_active_cases_are_marked_for_the_next_one(staff, other_process_holding_the_sync_lock):  # noqa: F811
    now = timezone.now()
    running = SyncRun.objects.create(target_date=now.date(), started_at=now, heartbeat_at=now, phase="unpaid")
    client = make_client()
    active = make_case(client=client)
    closed = make_case(client=client, status=Case.Status.CLOSED)

    outcome = sync_refresh_cases_or_mark(cases=Case.objects.filter(pk__in=[active.pk, closed.pk]), user=staff)

    assert (outcome.result, outcome.marked, outcome.run) == (RefreshResult.MARKED, 1, None)
    assert f"#{running.pk}" in outcome.why
    assert Case.objects.get(pk=active.pk).refresh_requested_at is not None
    assert Case.objects.get(pk=closed.pk).refresh_requested_at is None
    assert SyncRun.objects.count() == 1  # no REFRESH run was started


def test_nothing_is_asked_of_infakt_without_an_active_case_or_with_too_many(staff):
    client = make_client()
    closed = make_case(client=client, status=Case.Status.CLOSED)
    many = [make_case(client=client).pk for _ in range(REFRESH_MAX_CASES + 1)]

    assert sync_refresh_cases_or_mark(cases=[closed.pk], user=staff).result == RefreshResult.NONE_ACTIVE
    assert sync_refresh_cases_or_mark(cases=many, user=staff).result == RefreshResult.TOO_MANY
    assert not SyncRun.objects.exists()
    assert not Case.objects.filter(refresh_requested_at__isnull=False).exists()


def test_a_refresh_runs_a_refresh_sync_of_the_chosen_active_cases(staff, sim, api, world, settings):
    run_day(api, world)
    chosen = list(Case.objects.filter(status=Case.Status.ACTIVE).order_by("pk").values_list("pk", flat=True)[:3])
    settings.INFAKT_API_KEY, settings.INFAKT_BASE_URL = sim.api_key, sim.base_url

    with time_machine.travel(morning(world.today), tick=True):
        outcome = sync_refresh_cases_or_mark(cases=chosen, user=staff, trigger=SyncRun.Trigger.ADMIN)

    assert outcome.result == RefreshResult.REFRESHED
    run = outcome.run
    assert (run.kind, run.trigger, run.triggered_by, run.status) == ("refresh", "admin", staff, SyncRun.Status.SUCCESS)
    refreshed = Case.objects.filter(pk__in=chosen, last_refreshed_at__gte=run.started_at)
    assert sorted(refreshed.values_list("pk", flat=True)) == chosen
