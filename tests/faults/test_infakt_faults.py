"""InFakt faults not covered in syncstatus/tests/test_sync_e2e.py: requests that time out.

The client's timeout is shorter than a delay the simulator holds the answer for, so
`requests` raises a real read timeout on a real socket. 429 storms, 5xx bursts, a storm
beyond the retry budget, two runs at once, a SIGKILL mid-sync and malformed records are
proved in syncstatus/tests/test_sync_e2e.py (see docs/faults.md).
"""

from __future__ import annotations

import pytest

from infakt.client import InfaktAPI
from infakt_simulator.demo import build_demo_world
from syncstatus.models import SyncRun
from syncstatus.services import SyncFailed
from syncstatus.tests.conftest import START, run_day
from syncstatus.tests.test_sync_e2e import assert_in_step_with, final_state, reset_database

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

TIMEOUT = 0.3  # the client's read timeout, seconds
DELAY = 0.8  # the simulator holds the answer this long: every delayed request times out


def slow_client(sim, *, max_retries: int) -> InfaktAPI:
    return InfaktAPI(sim.api_key, sim.base_url, timeout=TIMEOUT, sleep=lambda seconds: None, max_retries=max_retries)


def test_timeouts_are_retried_and_end_in_the_same_state_as_a_clean_run(sim, world):
    api = slow_client(sim, max_retries=4)

    def simulate(faulty: bool) -> set[tuple]:
        world.reset_from(build_demo_world(seed=7, today=START, clients=40, invoices=260))
        for day in range(2):
            if day:
                world.advance(1, auto_pay=True)
            if faulty:
                # The next two requests (the first and its first retry) answer after the client gave up.
                sim.control("POST", "/faults", {"delay": DELAY, "count": 2})
            run = run_day(api, world)
            assert run.status == SyncRun.Status.SUCCESS, run.error
        return final_state()

    clean = simulate(faulty=False)
    reset_database()
    timeouts_before = api.stats.timeouts
    slow = simulate(faulty=True)

    assert slow == clean
    assert api.stats.timeouts - timeouts_before == 2 * 2
    assert sorted(SyncRun.objects.values_list("api_retries", flat=True)) == [2, 2]


def test_timeouts_beyond_the_retry_budget_fail_the_run_and_the_next_run_catches_up(sim, world):
    api = slow_client(sim, max_retries=2)
    floor = run_day(api, world).window_start
    world.advance(1, auto_pay=True)
    sim.control("POST", "/faults", {"delay": DELAY, "count": 3})  # the request and both retries time out

    with pytest.raises(SyncFailed):
        run_day(api, world)

    failed = SyncRun.objects.get(status=SyncRun.Status.FAILED)
    assert "InfaktTimeout" in failed.error
    assert "timed out after 0.3s" in failed.error
    world.advance(1, auto_pay=True)
    run = run_day(api, world)
    assert run.status == SyncRun.Status.SUCCESS
    assert run.window_start == failed.window_start  # the failed day's window is read again
    assert_in_step_with(world, floor)
