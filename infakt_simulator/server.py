"""HTTP layer of the simulator: the inFakt API v3 subset plus the `/_sim/` control API.

Standard library only (`http.server.ThreadingHTTPServer`). API requests are handled in this
order: statistics -> rate limit (GET, per client IP) -> queued faults -> API key -> routing.

Behaviour beyond the documented API (simulator assumptions, see /work/shared/infakt-api.md):

* default list order is `invoice_date desc` for documents and `company_name asc` for clients (the
  official examples); `next`/`previous` are always present, keep `q`, `order` and `fields` and end
  with `offset` and `limit`; `next` points past the end too;
* `limit` above 100 is silently capped, `limit < 1` means 1, a negative `offset` means 0,
  a non-integer `offset`/`limit` answers 400;
* unknown `q[...]` keys and predicates (including `_in`) are ignored: the unfiltered list comes
  back; malformed dates or integers in `q[...]` answer 400;
* `GET /clients/{id}.json` with `fields` answers the projected record plus `id`, as the official
  documentation shows (the 500 one old project reported is not reproduced);
* every receivable endpoint (`/invoices.json`, `/corrective_invoices.json`, `/final_invoices.json`,
  `/advance_invoices.json`, `/margin_invoices.json`, `/oss_invoices.json`) lists the documents of
  its kinds; detail is `/<endpoint>/<uuid>.json`, keyed by uuid only; error bodies are
  `{"error": "..."}`. Request kinds are named as the client counts them: "invoice_list" /
  "invoice_detail" for /invoices.json, "<endpoint>_list" / "<endpoint>_detail" for the others.
"""

from __future__ import annotations

import json
import math
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from .world import ENDPOINT_KINDS, SimulatorError, World, endpoint_of, project

API_PREFIXES = ("/api/v3", "/v3")
CONTROL_PREFIX = "/_sim"
API_KEY_HEADER = "X-inFakt-ApiKey"
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
# Default order when `order` is left out, as the official examples show it.
DEFAULT_ORDER = {"invoices": "invoice_date desc", "clients": "company_name asc"}
OTHER_ENDPOINTS = tuple(endpoint for endpoint in ENDPOINT_KINDS if endpoint != "invoices")
REQUEST_KINDS = (
    "invoice_list",
    "invoice_detail",
    "client_list",
    "client_detail",
    *(f"{endpoint}_{what}" for endpoint in OTHER_ENDPOINTS for what in ("list", "detail")),
)

_Q_KEY = re.compile(r"^q\[([^\]]+)\](\[\])?$")
_DOCUMENT_DETAIL = re.compile(r"^/(" + "|".join(ENDPOINT_KINDS) + r")/([^/]+)\.json$")
_CLIENT_DETAIL = re.compile(r"^/clients/([^/]+)\.json$")


class RequestStats:
    """Counts of API requests (control calls excluded) by kind and by response status."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._by_kind = dict.fromkeys((*REQUEST_KINDS, "other"), 0)
            self._statuses: dict[str, int] = {}

    def record_request(self, kind: str) -> None:
        with self._lock:
            self._requests += 1
            self._by_kind[kind] = self._by_kind.get(kind, 0) + 1

    def record_status(self, status: int) -> None:
        with self._lock:
            self._statuses[str(status)] = self._statuses.get(str(status), 0) + 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": self._requests, "by_kind": dict(self._by_kind), "statuses": dict(self._statuses)}


class RateLimiter:
    """Sliding-window limiter: at most `limit` GETs per `window` seconds per client IP.

    `clock` is injectable so tests can move time without sleeping. Rejected requests do not
    consume the window.
    """

    def __init__(self, limit: int = 300, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str) -> int | None:
        """Record a hit and return None, or return the Retry-After seconds when over the limit."""
        with self._lock:
            now = self.clock()
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


class FaultQueue:
    """Faults for upcoming API requests: `{"status": 429, "count": 2, "retry_after": "0"}`,
    `{"status": 500}`, `{"delay": 3.0}` and optionally `"kind": "invoice_list"` to target one
    request kind. Each matching request consumes one unit of the first matching fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[dict[str, Any]] = []

    def add(self, spec: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(spec, dict):
            raise SimulatorError("a fault must be a JSON object")
        status, delay = spec.get("status"), spec.get("delay", 0)
        if status is None and not delay:
            raise SimulatorError("a fault needs a 'status' and/or a 'delay'")
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise SimulatorError("'status' must be an HTTP status code")
        if not isinstance(delay, int | float) or delay < 0:
            raise SimulatorError("'delay' must be a non-negative number of seconds")
        count = spec.get("count", 1)
        if not isinstance(count, int) or count < 1:
            raise SimulatorError("'count' must be a positive integer")
        kind = spec.get("kind")
        if kind is not None and kind not in (*REQUEST_KINDS, "other"):
            raise SimulatorError(f"'kind' must be one of {', '.join(REQUEST_KINDS)}")
        fault = {"status": status, "count": count, "delay": float(delay), "kind": kind}
        if status == 429:
            fault["retry_after"] = spec.get("retry_after", "1")  # explicit null: no Retry-After header
        if "body" in spec:
            fault["body"] = spec["body"]
        with self._lock:
            self._faults.append(fault)
            return dict(fault)

    def take(self, kind: str) -> dict[str, Any] | None:
        with self._lock:
            for fault in self._faults:
                if fault["kind"] in (None, kind):
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self._faults.remove(fault)
                    return dict(fault)
            return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(fault) for fault in self._faults]


class SimulatorServer(ThreadingHTTPServer):
    """The threaded HTTP server; handlers reach shared state through `self.server`."""

    daemon_threads = True

    def __init__(
        self,
        world: World,
        *,
        host: str = "127.0.0.1",
        port: int = 8099,
        api_key: str = "demo",
        rate_limit: bool | RateLimiter = True,
        quiet: bool = False,
    ) -> None:
        super().__init__((host, port), _Handler)
        self.world = world
        self.api_key = api_key
        self.stats = RequestStats()
        self.faults = FaultQueue()
        self.rate_limiter: RateLimiter | None = (
            rate_limit if isinstance(rate_limit, RateLimiter) else RateLimiter() if rate_limit else None
        )
        self.quiet = quiet
        self.stopping = threading.Event()

    @property
    def root_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.root_url + API_PREFIXES[0]

    @property
    def control_url(self) -> str:
        return self.root_url + CONTROL_PREFIX

    def shutdown(self) -> None:
        self.stopping.set()  # wakes handlers sleeping in a delay fault
        super().shutdown()


class _Handler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    server_version = "InfaktSimulator/1.0"
    timeout = 60
    # One buffered write per response (flushed by handle_one_request) and no Nagle delay, so
    # keep-alive clients do not hit the 40 ms delayed-ACK stall on every request.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    # ------------------------------------------------------------------ plumbing

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        params = parse_qsl(parts.query, keep_blank_values=True)
        body = self._read_body()
        try:
            for prefix in API_PREFIXES:
                if path == prefix or path.startswith(prefix + "/"):
                    self._api(method, prefix, path[len(prefix) :], params)
                    return
            if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
                self._control(method, path[len(CONTROL_PREFIX) :], body)
                return
            self._send(404, {"error": "Not found"})
        except SimulatorError as exc:
            self._send(exc.status, {"error": exc.message})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # keep the server alive, report like Rails would
            self._send(500, {"error": f"Internal Server Error: {type(exc).__name__}: {exc}"})

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None, *, api: bool = False) -> None:
        data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        if api:
            self.server.stats.record_status(status)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # client gave up (e.g. its timeout fired)
            self.close_connection = True

    # ------------------------------------------------------------------ API

    def _api(self, method: str, prefix: str, path: str, params: list[tuple[str, str]]) -> None:
        kind = _request_kind(path)
        server = self.server
        server.stats.record_request(kind)
        if method == "GET" and server.rate_limiter is not None:
            retry_after = server.rate_limiter.check(self.client_address[0])
            if retry_after is not None:
                error = {"error": "Too many requests (simulated limit: 300 GET per 60 s per IP)"}
                self._send(429, error, {"Retry-After": str(retry_after)}, api=True)
                return
        fault = server.faults.take(kind)
        if fault is not None:
            if fault["delay"]:
                server.stopping.wait(fault["delay"])
            if fault["status"] is not None:
                headers = {}
                if fault.get("retry_after") is not None:
                    headers["Retry-After"] = str(fault["retry_after"])
                body = fault.get("body", {"error": f"Simulated fault (HTTP {fault['status']})"})
                self._send(fault["status"], body, headers, api=True)
                return
        if self.headers.get(API_KEY_HEADER) != server.api_key:
            self._send(401, {"error": "Unauthorized: missing or invalid X-inFakt-ApiKey"}, api=True)
            return
        if method != "GET":
            self._send(405, {"error": f"{method} is not supported by the simulator"}, api=True)
            return
        status, payload = self._api_get(kind, prefix, path, params)
        self._send(status, payload, api=True)

    def _api_get(self, kind: str, prefix: str, path: str, params: list[tuple[str, str]]) -> tuple[int, Any]:
        world = self.server.world
        fields = _fields_param(params)
        try:
            if kind == "client_list":
                return 200, self._list("clients", prefix, path, params, fields)
            if kind.endswith("_list"):
                endpoint = path.removeprefix("/").removesuffix(".json")
                return 200, self._list("invoices", prefix, path, params, fields, endpoint=endpoint)
            if kind.endswith("_detail") and kind != "client_detail":
                match = _DOCUMENT_DETAIL.match(path)
                invoice = world.get_invoice(match.group(2)) if match else None
                if invoice is None or _endpoint_of(invoice) != match.group(1):
                    return 404, {"error": "Not found"}
                return 200, project(invoice, _with_id(fields))
            if kind == "client_detail":
                match = _CLIENT_DETAIL.match(path)
                client = world.get_client(int(match.group(1))) if match and match.group(1).isdigit() else None
                if client is None:
                    return 404, {"error": "Not found"}
                return 200, project(client, _with_id(fields))
        except SimulatorError as exc:
            return exc.status, {"error": exc.message}
        return 404, {"error": "Not found"}

    def _list(
        self,
        resource: str,
        prefix: str,
        path: str,
        params: list[tuple[str, str]],
        fields: list[str] | None,
        *,
        endpoint: str = "invoices",
    ) -> dict[str, Any]:
        single = dict(params)
        offset = max(0, _int_param(single, "offset", 0))
        limit = min(MAX_LIMIT, max(1, _int_param(single, "limit", DEFAULT_LIMIT)))
        filters = {}
        for key, value in params:
            match = _Q_KEY.match(key)
            if match and not match.group(2):
                filters[match.group(1)] = value
        result = self.server.world.query(
            "invoices" if resource == "invoices" else "clients",
            endpoint=endpoint,
            filters=filters,
            order=single.get("order") or DEFAULT_ORDER[resource],
            offset=offset,
            limit=limit,
            fields=fields,
        )
        host = self.headers.get("Host") or self.server.root_url.removeprefix("http://")
        base = f"http://{host}{prefix}{path}"
        return {
            "metainfo": {
                "count": len(result.entities),
                "total_count": result.total_count,
                "next": _page_url(base, params, offset + limit, limit),
                "previous": _page_url(base, params, max(0, offset - limit), limit),
            },
            "entities": result.entities,
        }

    # ------------------------------------------------------------------ control API

    def _control(self, method: str, path: str, raw_body: bytes) -> None:
        server, world = self.server, self.server.world
        body = _json_body(raw_body)
        route = (method, path.rstrip("/"))
        if route == ("POST", "/faults"):
            specs = body if isinstance(body, list) else body.get("faults", [body])
            added = [server.faults.add(spec) for spec in specs]
            self._send(201, {"queued": added, "pending": server.faults.pending()})
            return
        if not isinstance(body, dict):
            raise SimulatorError("the JSON body must be an object")
        invoice_match = re.fullmatch(r"/invoices/([^/]+)", path)
        client_match = re.fullmatch(r"/clients/(\d+)", path)
        if route == ("GET", "/state"):
            self._send(200, {**world.state(), "stats": server.stats.snapshot(), "faults": server.faults.pending()})
        elif route == ("POST", "/advance"):
            days = body.get("days", 1)
            if not isinstance(days, int) or isinstance(days, bool):
                raise SimulatorError("'days' must be an integer")
            payments = world.advance(days, auto_pay=bool(body.get("auto_pay", False)))
            self._send(200, {"today": world.today.isoformat(), "payments": [p.as_dict() for p in payments]})
        elif route == ("POST", "/pay"):
            if "uuid" not in body:
                raise SimulatorError("'uuid' is required")
            on = _date_or_none(body.get("date"), "date")
            self._send(200, world.pay(str(body["uuid"]), body.get("amount"), on))
        elif route == ("POST", "/invoices"):
            raw = body.pop("raw_overrides", None)
            if raw is not None and not isinstance(raw, dict):
                raise SimulatorError("'raw_overrides' must be an object")
            client_id = body.pop("client_id", None)
            self._send(201, world.add_invoice(client_id, raw_overrides=raw, **body))
        elif route == ("POST", "/clients"):
            self._send(201, world.add_client(**body))
        elif invoice_match and method == "PATCH":
            self._send(200, world.update_invoice(invoice_match.group(1), **body))
        elif invoice_match and method == "DELETE":
            world.remove_invoice(invoice_match.group(1))
            self._send(200, {"deleted": invoice_match.group(1)})
        elif client_match and method == "PATCH":
            self._send(200, world.update_client(int(client_match.group(1)), **body))
        elif route == ("GET", "/faults"):
            self._send(200, {"pending": server.faults.pending()})
        elif route == ("DELETE", "/faults"):
            server.faults.clear()
            self._send(200, {"pending": []})
        elif route == ("GET", "/stats"):
            self._send(200, server.stats.snapshot())
        elif route == ("POST", "/stats/reset"):
            server.stats.reset()
            self._send(200, server.stats.snapshot())
        elif route == ("POST", "/reset"):
            self._reset(body)
        else:
            self._send(404, {"error": "Not found"})

    def _reset(self, body: dict[str, Any]) -> None:
        from .demo import build_demo_world  # local import: demo depends on world only

        server = self.server
        new_world = build_demo_world(
            seed=int(body.get("seed", 42)),
            today=_date_or_none(body.get("today"), "today") or server.world.today,
            clients=int(body.get("clients", 60)),
            invoices=int(body.get("invoices", 400)),
            receivables=bool(body.get("receivables", True)),
        )
        server.world.reset_from(new_world)
        server.faults.clear()
        server.stats.reset()
        if server.rate_limiter is not None:
            server.rate_limiter.reset()
        self._send(200, server.world.state())


def _request_kind(path: str) -> str:
    if path == "/invoices.json":
        return "invoice_list"
    if path == "/clients.json":
        return "client_list"
    for endpoint in OTHER_ENDPOINTS:
        if path == f"/{endpoint}.json":
            return f"{endpoint}_list"
    match = _DOCUMENT_DETAIL.match(path)
    if match:
        return "invoice_detail" if match.group(1) == "invoices" else f"{match.group(1)}_detail"
    if _CLIENT_DETAIL.match(path):
        return "client_detail"
    return "other"


def _endpoint_of(document: dict[str, Any]) -> str:
    return endpoint_of(document.get("kind"))


def _with_id(fields: list[str] | None) -> list[str] | None:
    """`fields=` always returns `id` as well (official examples)."""
    return None if fields is None else ["id", *[name for name in fields if name != "id"]]


def _page_url(base: str, params: list[tuple[str, str]], offset: int, limit: int) -> str:
    """`next`/`previous`: the other query parameters (q, order, fields) kept, offset and limit last."""
    kept = [(key, value) for key, value in params if key not in ("offset", "limit")]
    return f"{base}?{urlencode([*kept, ('offset', offset), ('limit', limit)], safe='[],')}"


def _fields_param(params: list[tuple[str, str]]) -> list[str] | None:
    raw = dict(params).get("fields")
    if raw is None or not raw.strip():
        return None
    # Split on commas outside parentheses: "id,services(name,tax_symbol)" -> ["id", "services(...)"]
    return [name.strip() for name in re.findall(r"[^,(]+(?:\([^)]*\))?", raw) if name.strip()]


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SimulatorError(f"Invalid {name}: {raw!r}") from None


def _json_body(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SimulatorError(f"Invalid JSON body: {exc}") from None


def _date_or_none(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SimulatorError(f"'{name}' must be an ISO date (YYYY-MM-DD)") from None
