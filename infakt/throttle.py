"""Client-side sliding-window rate limiter.

inFakt allows 300 GETs per 60 s per source IP; the client stays below that with a margin.
Clock and sleep are injected so tests never really sleep.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

# A floor for a single wait, so float rounding on a fake clock can never spin forever.
_MIN_WAIT = 0.001


class SlidingWindowThrottle:
    """Allow at most `max_calls` calls in any window of `period` seconds."""

    def __init__(
        self,
        max_calls: int,
        period: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1:
            raise ValueError("max_calls must be at least 1")
        if period <= 0:
            raise ValueError("period must be positive")
        self.max_calls = max_calls
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._calls: deque[float] = deque()

    def acquire(self) -> float:
        """Block until a call is allowed, record it, and return the seconds waited."""
        waited = 0.0
        while True:
            now = self._clock()
            while self._calls and now - self._calls[0] >= self.period:
                self._calls.popleft()
            if len(self._calls) < self.max_calls:
                self._calls.append(now)
                return waited
            wait = max(self._calls[0] + self.period - now, _MIN_WAIT)
            self._sleep(wait)
            waited += wait
