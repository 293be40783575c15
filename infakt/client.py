"""Read-only HTTP client for the inFakt API v3 (invoices and clients).

Django-free: settings are passed in by the caller. One `requests.Session`, a mandatory
timeout on every request, a client-side GET limiter, and retries with backoff for 429, 5xx,
timeouts and connection errors. The API key travels only in the `X-inFakt-ApiKey` header;
it is never logged and never part of an error message.

Reference: https://github.com/infakt/API (readme: auth, pagination, filters, limits)
"""

from __future__ import annotations

import json
import logging
import math
import random as _random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlencode

import requests

from .errors import (
    InfaktBadResponse,
    InfaktError,
    InfaktNetworkError,
    InfaktRateLimited,
    InfaktServerError,
    InfaktTimeout,
    InfaktUnavailable,
    error_for_status,
)
from .throttle import SlidingWindowThrottle
from .types import (
    ENDPOINT_KINDS,
    INVOICES,
    ClientRecord,
    InvoiceRecord,
    RecordError,
    SkippedRecord,
    parse_client,
    parse_invoice,
)

logger = logging.getLogger("infakt")

DEFAULT_BASE_URL = "https://api.infakt.pl/api/v3"
MAX_PAGE_SIZE = 100  # inFakt's documented cap per page
MAX_PAGES = 10_000  # a runaway-pagination guard (1,000,000 records at 100 per page)
BACKOFF_BASE = 1.0  # seconds before the first retry, doubled per attempt
_MAX_ERROR_TEXT = 300

# A partial `fields=` list must keep what parse_invoice needs to build a trustworthy record.
REQUIRED_INVOICE_FIELDS = ("id", "uuid", "number", "status", "gross_price", "paid_price")

# "invoice_list", "invoice_detail", "client_list", "client_detail", and for the other receivable
# endpoints "<endpoint>_list" / "<endpoint>_detail" (e.g. "corrective_invoices_list").
RequestKind = str
Params = list[tuple[str, str]]
Record = TypeVar("Record", InvoiceRecord, ClientRecord)


@dataclass
class ApiStats:
    """Counters for one client instance; every HTTP attempt (retries included) is a request."""

    requests: int = 0
    requests_by_kind: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    rate_limited: int = 0  # 429 and 503 answers (InFakt documents both for its per-IP limit)
    server_errors: int = 0
    timeouts: int = 0
    network_errors: int = 0
    throttle_waits: int = 0
    throttle_wait_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PageInfo:
    """One fetched list page, reported through `on_page`; `total_count` is None if absent."""

    path: str
    offset: int
    count: int
    total_count: int | None


class InfaktAPI:
    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 20.0,
        max_get_per_minute: int = 240,
        max_retries: int = 5,
        max_backoff: float = 60.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str = "InvoiceTracker/1.0",
        random: Callable[[], float] = _random.random,
    ) -> None:
        if not api_key:
            raise ValueError("api_key must not be empty")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._max_retries = max(max_retries, 0)
        self._max_backoff = max_backoff
        self._session = session or requests.Session()
        self._sleep = sleep
        self._clock = clock
        self._random = random
        self._headers = {"X-inFakt-ApiKey": api_key, "Accept": "application/json", "User-Agent": user_agent}
        self._throttle = SlidingWindowThrottle(max_get_per_minute, 60.0, clock=clock, sleep=sleep)
        self.stats = ApiStats()

    def __repr__(self) -> str:
        return f"InfaktAPI(base_url={self.base_url!r}, key=***)"

    # Reference: https://github.com/infakt/API (Faktury: lista faktur; Filtrowanie; Stronicowanie), and for
    # the other endpoints the official Postman documentation (Faktury korygujące / zaliczkowe / końcowe /
    # marża / OSS: Listuj), see infakt-examples/SOURCES.md
    def iter_invoices(
        self,
        *,
        endpoint: str = INVOICES,
        filters: Mapping[str, object] | None = None,
        order: str | None = None,
        fields: Sequence[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        on_page: Callable[[PageInfo], None] | None = None,
    ) -> Iterator[InvoiceRecord | SkippedRecord]:
        """Yield every document of `endpoint` matching `filters` ({"status_eq": "sent"} -> q[status_eq]=sent).

        `endpoint` is one of `infakt.types.RECEIVABLE_ENDPOINTS` ("invoices", "corrective_invoices", ...).
        """
        default_kind = _endpoint_kind(endpoint)
        limit = _page_limit(page_size)
        params = _list_params(filters, order)
        if fields is not None:
            missing = [name for name in REQUIRED_INVOICE_FIELDS if name not in fields]
            if missing:
                raise ValueError(f"fields must include {', '.join(missing)}")
            params.append(("fields", ",".join(fields)))
        entities = self._iter_entities(f"/{endpoint}.json", _request_kind(endpoint, "list"), params, limit, on_page)

        def parse(entity: object) -> InvoiceRecord:
            return parse_invoice(entity, default_kind=default_kind)

        return (_parse_or_skip(parse, "invoice", entity) for entity in entities)

    # Reference: https://github.com/infakt/API (Klienci: lista klientów)
    def iter_clients(
        self,
        *,
        filters: Mapping[str, object] | None = None,
        order: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        on_page: Callable[[PageInfo], None] | None = None,
    ) -> Iterator[ClientRecord | SkippedRecord]:
        """Yield every client matching `filters` (e.g. {"nip_eq": "5268969361"})."""
        limit = _page_limit(page_size)
        entities = self._iter_entities("/clients.json", "client_list", _list_params(filters, order), limit, on_page)
        return (_parse_or_skip(parse_client, "client", entity) for entity in entities)

    # Reference: https://github.com/infakt/API (Faktury: szczegóły faktury, keyed by uuid)
    def get_invoice(self, uuid: str, *, endpoint: str = INVOICES) -> InvoiceRecord:
        if not uuid:
            raise ValueError("uuid must not be empty")
        default_kind = _endpoint_kind(endpoint)
        path = f"/{endpoint}/{quote(uuid, safe='')}.json"
        body = self._get_object(path, [], _request_kind(endpoint, "detail"))
        return _parse_detail(lambda entity: parse_invoice(entity, default_kind=default_kind), path, body)

    # Reference: https://github.com/infakt/API (Klienci: szczegóły klienta)
    def get_client(self, client_id: int) -> ClientRecord:
        # Deliberately no `fields=`: with it this endpoint was seen answering HTTP 500.
        if isinstance(client_id, bool) or not isinstance(client_id, int):
            raise TypeError("client_id must be an int")
        path = f"/clients/{client_id}.json"
        return _parse_detail(parse_client, path, self._get_object(path, [], "client_detail"))

    def _iter_entities(
        self,
        path: str,
        kind: RequestKind,
        params: Params,
        limit: int,
        on_page: Callable[[PageInfo], None] | None,
    ) -> Iterator[object]:
        """Page with offset/limit; `next` is ignored because it is present even past the end."""
        offset = 0
        for _ in range(MAX_PAGES):
            page_params = [*params, ("offset", str(offset)), ("limit", str(limit))]
            entities, total_count = _list_page(self._get_object(path, page_params, kind), path)
            if on_page is not None:
                on_page(PageInfo(path=path, offset=offset, count=len(entities), total_count=total_count))
            yield from entities
            # The server may return fewer than `limit`, so advance by what actually came back.
            offset += len(entities)
            if not entities or (total_count is not None and offset >= total_count):
                return
        raise InfaktBadResponse(f"GET {path}: pagination did not end after {MAX_PAGES} pages")

    def _get_object(self, path: str, params: Params, kind: RequestKind) -> dict[str, Any]:
        """GET with throttling and retries; return the decoded JSON object."""
        target = f"{path}?{urlencode(params)}" if params else path
        attempt = 0
        while True:
            try:
                return self._get_once(path, params, target, kind)
            except InfaktError as error:
                delay = self._retry_delay(error, attempt)
                if delay is None:
                    raise
                attempt += 1
                self.stats.retries += 1
                logger.warning("inFakt %s; retry %d/%d in %.1fs", error, attempt, self._max_retries, delay)
                self._sleep(delay)

    def _get_once(self, path: str, params: Params, target: str, kind: RequestKind) -> dict[str, Any]:
        self._wait_for_throttle()
        self.stats.requests += 1
        self.stats.requests_by_kind[kind] = self.stats.requests_by_kind.get(kind, 0) + 1
        started = self._clock()
        try:
            response = self._session.get(
                self.base_url + path, params=params, headers=self._headers, timeout=self._timeout
            )
        except requests.RequestException as exc:
            logger.debug("inFakt GET %s -> %s after %.3fs", target, type(exc).__name__, self._clock() - started)
            raise self._transport_error(exc, target) from None
        logger.debug("inFakt GET %s -> %d in %.3fs", target, response.status_code, self._clock() - started)
        if not 200 <= response.status_code < 300:
            raise self._status_error(response, target)
        try:
            body = response.json()
        except ValueError:
            raise InfaktBadResponse(
                f"GET {target} -> HTTP {response.status_code}: response is not JSON", status=response.status_code
            ) from None
        if not isinstance(body, dict):
            raise InfaktBadResponse(
                f"GET {target} -> HTTP {response.status_code}: expected a JSON object, got {type(body).__name__}",
                status=response.status_code,
            )
        return body

    def _wait_for_throttle(self) -> None:
        waited = self._throttle.acquire()
        if waited > 0:
            self.stats.throttle_waits += 1
            self.stats.throttle_wait_seconds += waited
            logger.debug("inFakt throttle waited %.2fs", waited)

    def _transport_error(self, exc: requests.RequestException, target: str) -> InfaktError:
        # Messages are built here, never from str(exc), so nothing requests puts there leaks.
        if isinstance(exc, requests.Timeout):
            self.stats.timeouts += 1
            return InfaktTimeout(f"GET {target}: timed out after {self._timeout:g}s ({type(exc).__name__})")
        self.stats.network_errors += 1
        transient = isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError)
        return InfaktNetworkError(f"GET {target}: network error ({type(exc).__name__})", retryable=transient)

    def _status_error(self, response: requests.Response, target: str) -> InfaktError:
        status = response.status_code
        message = f"GET {target} -> HTTP {status}"
        api_text = _shorten(self._redact(_api_error_text(response)))  # mask first: a cut could split the key
        if api_text:
            message += f": {api_text}"
        error = error_for_status(status, message, retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if isinstance(error, InfaktRateLimited | InfaktUnavailable):
            self.stats.rate_limited += 1
        elif isinstance(error, InfaktServerError):
            self.stats.server_errors += 1
        return error

    def _retry_delay(self, error: InfaktError, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None to give up and raise `error`."""
        if not error.retryable or attempt >= self._max_retries:
            return None
        if isinstance(error, InfaktRateLimited | InfaktUnavailable) and error.retry_after:
            # A wait longer than we are willing to block is the caller's to schedule.
            return error.retry_after if error.retry_after <= self._max_backoff else None
        backoff = min(self._max_backoff, BACKOFF_BASE * 2**attempt)
        return backoff * (0.5 + 0.5 * self._random())

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After in seconds (delta-seconds or HTTP-date); None when absent or unusable."""
    if not value or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def _endpoint_kind(endpoint: str) -> str:
    if endpoint not in ENDPOINT_KINDS:
        raise ValueError(f"unknown receivable endpoint {endpoint!r}")
    return ENDPOINT_KINDS[endpoint]


def _request_kind(endpoint: str, what: Literal["list", "detail"]) -> str:
    """Request kinds keep their historic names for /invoices.json; others are named by endpoint."""
    return f"invoice_{what}" if endpoint == INVOICES else f"{endpoint}_{what}"


def _page_limit(page_size: int) -> int:
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    return min(page_size, MAX_PAGE_SIZE)


def _list_params(filters: Mapping[str, object] | None, order: str | None) -> Params:
    params = [(f"q[{name}]", _filter_value(name, value)) for name, value in (filters or {}).items()]
    if order:
        params.append(("order", order))
    return params


def _filter_value(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    if isinstance(value, int | str):
        return str(value)
    raise TypeError(f"filter {name!r}: unsupported value type {type(value).__name__}")


def _list_page(body: dict[str, Any], path: str) -> tuple[list[object], int | None]:
    entities = body.get("entities")
    if not isinstance(entities, list):
        raise InfaktBadResponse(f"GET {path}: list response without an 'entities' array")
    metainfo = body.get("metainfo")
    total_count = metainfo.get("total_count") if isinstance(metainfo, dict) else None
    if isinstance(total_count, bool) or not isinstance(total_count, int):
        total_count = None
    return entities, total_count


def _api_error_text(response: requests.Response) -> str:
    """The API's `{"error": ...}` or `{"errors": {...}}` text, whole (mask it, then `_shorten`); "" if none."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    if isinstance(body.get("error"), str):
        text = body["error"]
    elif "errors" in body:
        text = json.dumps(body["errors"], ensure_ascii=False)
    else:
        return ""
    return text


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 3] + "..."


def _parse_or_skip(
    parser: Callable[[object], Record], kind: Literal["invoice", "client"], entity: object
) -> Record | SkippedRecord:
    try:
        return parser(entity)
    except RecordError as error:
        skipped = SkippedRecord.from_error(kind, entity, error)
        logger.warning("inFakt %s %s skipped: %s", kind, skipped.record_id, skipped.reason)
        return skipped


def _parse_detail(parser: Callable[[object], Record], path: str, body: dict[str, Any]) -> Record:
    try:
        return parser(body)
    except RecordError as error:
        raise InfaktBadResponse(f"GET {path}: {error.reason}") from None
