from __future__ import annotations

import pytest

from infakt.tests import FakeClock
from infakt.throttle import SlidingWindowThrottle


def max_calls_in_any_window(timestamps: list[float], period: float) -> int:
    return max(sum(1 for t in timestamps if start <= t < start + period) for start in timestamps)


def test_it_lets_a_burst_through_without_waiting() -> None:
    clock = FakeClock()
    throttle = SlidingWindowThrottle(5, 60.0, clock=clock, sleep=clock.sleep)

    waits = [throttle.acquire() for _ in range(5)]

    assert waits == [0.0] * 5
    assert clock.sleeps == []


def test_it_waits_until_the_oldest_call_leaves_the_window() -> None:
    clock = FakeClock()
    throttle = SlidingWindowThrottle(2, 60.0, clock=clock, sleep=clock.sleep)
    throttle.acquire()
    clock.now += 10
    throttle.acquire()

    waited = throttle.acquire()

    assert waited == pytest.approx(50.0)
    assert clock.now == pytest.approx(1060.0)


def test_no_window_ever_holds_more_than_the_limit() -> None:
    clock = FakeClock()
    throttle = SlidingWindowThrottle(240, 60.0, clock=clock, sleep=clock.sleep)
    timestamps = []
    for i in range(1000):
        throttle.acquire()
        timestamps.append(clock.now)
        clock.now += 0.01 * (i % 7)  # uneven work between calls

    assert max_calls_in_any_window(timestamps, 60.0) == 240


def test_it_rejects_a_zero_limit() -> None:
    with pytest.raises(ValueError, match="max_calls"):
        SlidingWindowThrottle(0)
