"""Test helpers: run the simulator on a free local port inside a `with` block.

with running_simulator(today=date(2026, 11, 25)) as sim:
    requests.get(f"{sim.base_url}/invoices.json", headers={"X-inFakt-ApiKey": sim.api_key})
    sim.control("POST", "/advance", {"days": 7, "auto_pay": True})
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from .demo import build_demo_world
from .server import API_KEY_HEADER, RateLimiter, SimulatorServer
from .world import World

T = TypeVar("T")


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: Any = field(default=None)


class _FromServer(Generic[T]):
    """A read-only attribute of the handle: the server's attribute of the same name, read on each access."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, handle: RunningSimulator, owner: type | None = None) -> T:
        return getattr(handle.server, self.name)


@dataclass
class RunningSimulator:
    """Handle yielded by `running_simulator`; `world` is live (changes show up in the API)."""

    server: SimulatorServer

    # Not annotated, so not dataclass fields.
    base_url = _FromServer[str]()
    control_url = _FromServer[str]()
    api_key = _FromServer[str]()
    world = _FromServer[World]()
    rate_limiter = _FromServer["RateLimiter | None"]()

    def stats(self) -> dict[str, Any]:
        return self.server.stats.snapshot()

    def api_get(
        self,
        path: str,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        *,
        api_key: str | None = None,
        timeout: float = 10.0,
    ) -> ApiResponse:
        """GET `base_url + path` with the API key (pass `api_key=""` to send none)."""
        query = f"?{urlencode(params)}" if params else ""
        key = self.api_key if api_key is None else api_key
        headers = {"Accept": "application/json", **({API_KEY_HEADER: key} if key else {})}
        return _call("GET", f"{self.base_url}{path}{query}", None, headers, timeout)

    def control(self, method: str, path: str, body: Any = None, *, timeout: float = 10.0) -> Any:
        """Call the control API and return the decoded JSON; raises `AssertionError` on >= 400."""
        response = _call(method, f"{self.control_url}{path}", body, {}, timeout)
        if response.status >= 400:
            raise AssertionError(f"{method} {path} -> {response.status}: {response.body}")
        return response.body


def _call(method: str, url: str, body: Any, headers: dict[str, str], timeout: float) -> ApiResponse:
    data = None if body is None else json.dumps(body).encode("utf-8")
    if data is not None:
        headers = {**headers, "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - local http
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - local http
            return ApiResponse(response.status, dict(response.headers.items()), _decode(response.read()))
    except urllib.error.HTTPError as error:
        with error:
            return ApiResponse(error.code, dict(error.headers.items()), _decode(error.read()))


def _decode(raw: bytes) -> Any:
    return json.loads(raw) if raw.strip() else None


@contextmanager
def running_simulator(
    world: World | None = None,
    *,
    api_key: str = "test-key",
    rate_limit: bool | RateLimiter = False,
    quiet: bool = True,
    **demo_kwargs: Any,
) -> Iterator[RunningSimulator]:
    """Serve `world` (or `build_demo_world(**demo_kwargs)`) on 127.0.0.1 and a free port."""
    server = SimulatorServer(
        world if world is not None else build_demo_world(**demo_kwargs),
        host="127.0.0.1",
        port=0,
        api_key=api_key,
        rate_limit=rate_limit,
        quiet=quiet,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="infakt-simulator", daemon=True
    )
    thread.start()
    try:
        yield RunningSimulator(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
