"""Waiting in tests for a condition, not for a guessed number of seconds.

`wait_until(predicate)` polls until the predicate is truthy and returns its value; past a generous
deadline it fails, naming what it waited for (and with the output of a child process that died
meanwhile, when one is given). A slow machine only makes the wait longer, never the test red.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 60.0,
    *,
    what: str = "the condition",
    interval: float = 0.02,
    proc: subprocess.Popen | None = None,
) -> T:
    """Poll `predicate` every `interval` seconds until it is truthy; return its value.

    Fails after `timeout` seconds, or at once when `proc` (a child the condition depends on) exits first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            output = proc.stdout.read() if proc.stdout else ""
            if isinstance(output, bytes):
                output = output.decode(errors="replace")
            raise AssertionError(f"the child exited ({proc.returncode}) before {what}:\n{output}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
