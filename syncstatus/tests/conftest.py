"""End-to-end helpers: the bundled InFakt simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import pytest
import time_machine

from cases.services import is_dunnable
from cases.tests.conftest import manager_client, manager_user, staff_client, staff_user, stages  # noqa: F401 (fixtures)
from common.calendar import WARSAW
from infakt.client import InfaktAPI
from infakt.types import parse_invoice
from infakt_simulator.demo import build_demo_world
from infakt_simulator.testing import RunningSimulator, running_simulator
from infakt_simulator.world import World
from syncstatus.models import SyncRun
from syncstatus.services import sync_run

START = date(2026, 11, 2)  # a Monday


@pytest.fixture
def world() -> World:
    return build_demo_world(seed=7, today=START, clients=40, invoices=260)


@pytest.fixture
def sim(world) -> Iterator[RunningSimulator]:
    with running_simulator(world) as running:
        yield running


@pytest.fixture
def api(sim) -> InfaktAPI:
    # No real sleeping on retries: backoff waits are recorded by the client, not slept.
    return InfaktAPI(sim.api_key, sim.base_url, sleep=lambda seconds: None, max_retries=6)


def morning(day: date) -> datetime:
    return datetime.combine(day, time(6, 0), tzinfo=WARSAW)


def run_day(api: InfaktAPI, world: World, **kwargs: Any) -> SyncRun:
    """The daily sync as the schedule runs it on the simulator's today, at 06:00 Warsaw."""
    with time_machine.travel(morning(world.today), tick=True):
        return sync_run(target_date=world.today, api=api, **kwargs)


def expected_open(world: World, floor: date, end: date) -> dict[int, int]:
    """InFakt invoice id -> left to pay, for every invoice that must have an active case: due in (floor, end]."""
    wanted: dict[int, int] = {}
    for entity in world.all_invoices():
        try:
            record = parse_invoice(entity)
        except ValueError:
            continue
        due = record.payment_date
        if is_dunnable(record) and due is not None and floor < due <= end:
            wanted[record.id] = record.left_to_pay
    return wanted
