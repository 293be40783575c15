from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import responses
from responses import matchers
from responses.registries import OrderedRegistry

from infakt import client as client_module
from infakt.client import InfaktAPI, PageInfo, parse_retry_after
from infakt.errors import (
    InfaktAuthError,
    InfaktBadResponse,
    InfaktClientError,
    InfaktError,
    InfaktForbidden,
    InfaktNetworkError,
    InfaktNotFound,
    InfaktPaymentRequired,
    InfaktRateLimited,
    InfaktServerError,
    InfaktTimeout,
)
from infakt.tests import API_KEY, BASE_URL, FakeClock, client_entity, invoice_entity, list_body
from infakt.types import ClientRecord, InvoiceRecord, SkippedRecord

INVOICES_URL = f"{BASE_URL}/invoices.json"
CLIENTS_URL = f"{BASE_URL}/clients.json"
CLIENT_7_URL = f"{BASE_URL}/clients/7.json"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """Responses must be consumed in registration order, and all of them."""
    with responses.RequestsMock(registry=OrderedRegistry) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_api(clock: FakeClock, **options: Any) -> InfaktAPI:
    options.setdefault("random", lambda: 1.0)
    return InfaktAPI(API_KEY, BASE_URL, sleep=clock.sleep, clock=clock, **options)


@pytest.fixture
def api(clock: FakeClock) -> InfaktAPI:
    return make_api(clock)


def page_query(offset: int, limit: int = 100, **extra: str) -> list[Any]:
    return [matchers.query_param_matcher({"offset": str(offset), "limit": str(limit), **extra})]


def invoices(start: int, count: int) -> list[dict[str, Any]]:
    return [invoice_entity(n) for n in range(start, start + count)]


# --- paging -----------------------------------------------------------------------------------


def test_it_pages_until_total_count_advancing_by_what_was_received(
    rsps: responses.RequestsMock, api: InfaktAPI
) -> None:
    rsps.get(INVOICES_URL, json=list_body(invoices(0, 100), total_count=250), match=page_query(0))
    rsps.get(INVOICES_URL, json=list_body(invoices(100, 100), total_count=250, offset=100), match=page_query(100))
    rsps.get(INVOICES_URL, json=list_body(invoices(200, 50), total_count=250, offset=200), match=page_query(200))
    pages: list[PageInfo] = []

    records = list(api.iter_invoices(on_page=pages.append))

    assert [r.id for r in records if isinstance(r, InvoiceRecord)] == list(range(250))
    assert pages == [
        PageInfo("/invoices.json", 0, 100, 250),
        PageInfo("/invoices.json", 100, 100, 250),
        PageInfo("/invoices.json", 200, 50, 250),
    ]


def test_a_short_page_does_not_end_the_listing(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    # The live server was seen returning 10 records although 100 were asked for.
    rsps.get(INVOICES_URL, json=list_body(invoices(0, 10), total_count=25), match=page_query(0))
    rsps.get(INVOICES_URL, json=list_body(invoices(10, 10), total_count=25), match=page_query(10))
    rsps.get(INVOICES_URL, json=list_body(invoices(20, 5), total_count=25), match=page_query(20))

    records = list(api.iter_invoices())

    assert [r.id for r in records if isinstance(r, InvoiceRecord)] == list(range(25))


def test_it_stops_at_total_count_although_next_is_present(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    body = list_body(invoices(0, 3), total_count=3)
    assert body["metainfo"]["next"]
    rsps.get(INVOICES_URL, json=body, match=page_query(0))

    assert len(list(api.iter_invoices())) == 3
    assert api.stats.requests == 1


def test_it_stops_on_an_empty_page(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(INVOICES_URL, json=list_body(invoices(0, 2), total_count=5), match=page_query(0))
    rsps.get(INVOICES_URL, json=list_body([], total_count=5), match=page_query(2))

    assert len(list(api.iter_invoices())) == 2


def test_without_total_count_it_pages_until_an_empty_page(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(INVOICES_URL, json=list_body(invoices(0, 100), total_count=None), match=page_query(0))
    rsps.get(INVOICES_URL, json=list_body(invoices(100, 40), total_count=None), match=page_query(100))
    rsps.get(INVOICES_URL, json=list_body([], total_count=None), match=page_query(140))

    assert len(list(api.iter_invoices())) == 140


def test_it_gives_up_on_runaway_pagination(
    rsps: responses.RequestsMock, api: InfaktAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "MAX_PAGES", 3)
    for offset in range(3):
        rsps.get(INVOICES_URL, json=list_body([invoice_entity(offset)], total_count=None), match=page_query(offset))

    with pytest.raises(InfaktBadResponse, match="pagination did not end after 3 pages"):
        list(api.iter_invoices())


def test_it_caps_the_page_size_at_100(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(CLIENTS_URL, json=list_body([client_entity()], total_count=1), match=page_query(0, 100))

    assert len(list(api.iter_clients(page_size=1000))) == 1


def test_it_rejects_a_bad_page_size(api: InfaktAPI) -> None:
    with pytest.raises(ValueError, match="page_size"):
        api.iter_invoices(page_size=0)


# --- query encoding ---------------------------------------------------------------------------


def test_it_encodes_filters_order_and_fields(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    fields = ["id", "uuid", "number", "status", "gross_price", "paid_price", "payment_date"]
    expected = {
        "q[payment_date_lteq]": "2026-11-27",
        "q[paid_date_null]": "true",
        "q[status_eq]": "sent",
        "q[client_id_eq]": "7",
        "order": "payment_date asc",
        "fields": "id,uuid,number,status,gross_price,paid_price,payment_date",
    }
    rsps.get(INVOICES_URL, json=list_body([], total_count=0), match=page_query(0, 50, **expected))

    filters = {"payment_date_lteq": date(2026, 11, 27), "paid_date_null": True, "status_eq": "sent", "client_id_eq": 7}
    records = api.iter_invoices(
        filters=filters,
        order="payment_date asc",
        fields=fields,
        page_size=50,
    )

    assert list(records) == []


def test_it_encodes_false_and_datetimes(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    expected = {"q[paid_date_null]": "false", "q[created_at_gteq]": "2026-11-01T08:30:00+00:00"}
    rsps.get(CLIENTS_URL, json=list_body([], total_count=0), match=page_query(0, **expected))

    filters = {"paid_date_null": False, "created_at_gteq": datetime(2026, 11, 1, 8, 30, tzinfo=UTC)}
    assert list(api.iter_clients(filters=filters)) == []


def test_it_refuses_filter_values_it_cannot_encode(api: InfaktAPI) -> None:
    with pytest.raises(TypeError, match="status_in"):
        api.iter_invoices(filters={"status_in": ["sent", "printed"]})


def test_a_partial_fields_list_must_keep_what_parsing_needs(api: InfaktAPI) -> None:
    with pytest.raises(ValueError, match="uuid, paid_price"):
        api.iter_invoices(fields=["id", "number", "status", "gross_price"])


def test_client_detail_is_fetched_without_fields(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(CLIENT_7_URL, json=client_entity(), match=[matchers.query_param_matcher({})])

    client = api.get_client(7)

    assert client.email == "ksiegowosc@acme.pl, szef@acme.pl"
    assert rsps.calls[0].request.url == CLIENT_7_URL


def test_invoice_detail_is_keyed_by_uuid(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    entity = invoice_entity(3, extensions={"payments": {}})
    rsps.get(f"{BASE_URL}/invoices/{entity['uuid']}.json", json=entity)

    record = api.get_invoice(entity["uuid"])

    assert (record.id, record.uuid) == (3, entity["uuid"])


def test_a_trailing_slash_on_the_base_url_is_tolerated(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    rsps.get(CLIENT_7_URL, json=client_entity())
    api = InfaktAPI(API_KEY, BASE_URL + "/", sleep=clock.sleep, clock=clock)

    assert api.get_client(7).id == 7


# --- headers and HTTP errors ------------------------------------------------------------------


def test_it_sends_the_api_key_header_and_accepts_json(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    headers = {"X-inFakt-ApiKey": API_KEY, "Accept": "application/json", "User-Agent": "InvoiceTracker/1.0"}
    rsps.get(CLIENT_7_URL, json=client_entity(), match=[matchers.header_matcher(headers)])

    api.get_client(7)


def test_it_passes_the_timeout_on_every_request(clock: FakeClock) -> None:
    session = requests.Session()
    seen: list[object] = []

    def fake_send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        seen.append(kwargs.get("timeout"))
        response = requests.Response()
        response.status_code, response._content = 200, b'{"id": 7}'
        return response

    session.send = fake_send  # type: ignore[method-assign]
    make_api(clock, session=session, timeout=12.5).get_client(7)

    assert seen == [12.5]


def test_401_raises_an_auth_error_without_retrying(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(INVOICES_URL, json={"error": "Nieprawidłowy klucz API"}, status=401)

    with pytest.raises(InfaktAuthError) as excinfo:
        list(api.iter_invoices())

    assert excinfo.value.status == 401
    assert not excinfo.value.retryable
    assert str(excinfo.value) == "GET /invoices.json?offset=0&limit=100 -> HTTP 401: Nieprawidłowy klucz API"
    assert (api.stats.requests, api.stats.retries) == (1, 0)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(402, InfaktPaymentRequired), (403, InfaktForbidden), (404, InfaktNotFound), (422, InfaktClientError)],
)
def test_other_client_errors_are_typed_and_not_retried(
    rsps: responses.RequestsMock, api: InfaktAPI, clock: FakeClock, status: int, error_class: type[InfaktError]
) -> None:
    rsps.get(CLIENT_7_URL, json={"errors": {"nip": ["jest nieprawidłowy"]}}, status=status)

    with pytest.raises(error_class) as excinfo:
        api.get_client(7)

    assert excinfo.value.status == status
    assert str(excinfo.value) == f'GET /clients/7.json -> HTTP {status}: {{"nip": ["jest nieprawidłowy"]}}'
    assert api.stats.requests == 1
    assert clock.sleeps == []


def test_a_deleted_invoice_raises_not_found(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(f"{BASE_URL}/invoices/gone.json", body="Not Found", status=404)

    with pytest.raises(InfaktNotFound, match=r"^GET /invoices/gone.json -> HTTP 404$"):
        api.get_invoice("gone")


def test_a_non_json_success_is_a_bad_response(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(CLIENT_7_URL, body="<html>maintenance</html>", status=200)

    with pytest.raises(InfaktBadResponse, match="not JSON"):
        api.get_client(7)
    assert api.stats.requests == 1


def test_a_list_without_entities_is_a_bad_response(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(CLIENTS_URL, json={"metainfo": {"total_count": 1}})

    with pytest.raises(InfaktBadResponse, match="entities"):
        list(api.iter_clients())


def test_an_unparseable_detail_is_a_bad_response(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(f"{BASE_URL}/invoices/u-1.json", json=invoice_entity(uuid="u-1", gross_price="12.50"))

    with pytest.raises(InfaktBadResponse, match=r"gross_price: expected integer grosze, got str '12\.50'"):
        api.get_invoice("u-1")


# --- retries ----------------------------------------------------------------------------------


def test_429_waits_retry_after_then_succeeds(rsps: responses.RequestsMock, api: InfaktAPI, clock: FakeClock) -> None:
    rsps.get(CLIENT_7_URL, status=429, headers={"Retry-After": "7"})
    rsps.get(CLIENT_7_URL, json=client_entity())

    assert api.get_client(7).id == 7
    assert clock.sleeps == [7.0]
    assert (api.stats.rate_limited, api.stats.retries, api.stats.requests) == (1, 1, 2)


@pytest.mark.parametrize("retry_after", ["0", None, "soon"])
def test_429_without_a_usable_retry_after_backs_off_exponentially_with_jitter(
    rsps: responses.RequestsMock, clock: FakeClock, retry_after: str | None
) -> None:
    jitter = iter([1.0, 0.0, 0.5, 1.0, 1.0, 0.0])
    api = make_api(clock, max_retries=6, max_backoff=10.0, random=lambda: next(jitter))
    for _ in range(6):
        rsps.get(CLIENT_7_URL, status=429, headers={"Retry-After": retry_after} if retry_after else {})
    rsps.get(CLIENT_7_URL, json=client_entity())

    api.get_client(7)

    # base 1 s doubled per attempt, capped at 10 s, times a jitter factor in [0.5, 1.0]
    assert clock.sleeps == [1.0, 1.0, 3.0, 8.0, 10.0, 5.0]


def test_backoff_grows_and_stays_bounded_with_real_jitter(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    api = make_api(clock, max_retries=8, max_backoff=20.0, random=random.Random(42).random)
    for _ in range(8):
        rsps.get(CLIENT_7_URL, status=503)
    rsps.get(CLIENT_7_URL, json=client_entity())

    api.get_client(7)

    caps = [min(20.0, 2.0**attempt) for attempt in range(8)]
    assert all(cap / 2 <= slept <= cap for slept, cap in zip(clock.sleeps, caps, strict=True))
    assert max(clock.sleeps) <= 20.0


def test_429_forever_raises_rate_limited_after_max_retries(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    api = make_api(clock, max_retries=3)
    for _ in range(4):
        rsps.get(INVOICES_URL, json={"error": "Too many requests"}, status=429, headers={"Retry-After": "2"})

    with pytest.raises(InfaktRateLimited) as excinfo:
        list(api.iter_invoices())

    assert excinfo.value.retry_after == 2.0
    assert clock.sleeps == [2.0, 2.0, 2.0]
    assert (api.stats.rate_limited, api.stats.retries, api.stats.requests) == (4, 3, 4)


def test_a_retry_after_longer_than_max_backoff_is_left_to_the_caller(
    rsps: responses.RequestsMock, api: InfaktAPI, clock: FakeClock
) -> None:
    rsps.get(CLIENT_7_URL, status=429, headers={"Retry-After": "3600"})

    with pytest.raises(InfaktRateLimited) as excinfo:
        api.get_client(7)

    assert excinfo.value.retry_after == 3600.0
    assert clock.sleeps == []


def test_a_burst_of_server_errors_is_retried(rsps: responses.RequestsMock, api: InfaktAPI, clock: FakeClock) -> None:
    for status in (500, 502, 504):
        rsps.get(CLIENTS_URL, body="oops", status=status)
    rsps.get(CLIENTS_URL, json=list_body([client_entity()], total_count=1))

    assert len(list(api.iter_clients())) == 1
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert (api.stats.server_errors, api.stats.retries) == (3, 3)


def test_503_is_handled_like_429_honouring_retry_after_and_backing_off_without_it(
    rsps: responses.RequestsMock, api: InfaktAPI, clock: FakeClock
) -> None:
    rsps.get(CLIENTS_URL, json={"error": "Too many requests"}, status=503, headers={"Retry-After": "7"})
    rsps.get(CLIENTS_URL, json={"error": "Too many requests"}, status=503)
    rsps.get(CLIENTS_URL, json=list_body([client_entity()], total_count=1))

    assert len(list(api.iter_clients())) == 1
    assert clock.sleeps == [7.0, 2.0]  # the header's 7 s, then the second step of the backoff
    assert (api.stats.rate_limited, api.stats.server_errors, api.stats.retries) == (2, 0, 2)


def test_persistent_server_errors_raise_after_max_retries(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    api = make_api(clock, max_retries=2)
    for _ in range(3):
        rsps.get(CLIENT_7_URL, status=500)

    with pytest.raises(InfaktServerError, match="HTTP 500"):
        api.get_client(7)
    assert api.stats.server_errors == 3


def test_timeouts_are_retried_then_succeed(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(CLIENT_7_URL, body=requests.exceptions.ConnectTimeout("connect"))
    rsps.get(CLIENT_7_URL, body=requests.exceptions.ReadTimeout("read"))
    rsps.get(CLIENT_7_URL, json=client_entity())

    assert api.get_client(7).id == 7
    assert (api.stats.timeouts, api.stats.retries, api.stats.requests) == (2, 2, 3)


def test_persistent_timeouts_raise_infakt_timeout(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    api = make_api(clock, max_retries=2, timeout=5)
    for _ in range(3):
        rsps.get(CLIENT_7_URL, body=requests.exceptions.ReadTimeout("read"))

    with pytest.raises(InfaktTimeout) as excinfo:
        api.get_client(7)

    assert str(excinfo.value) == "GET /clients/7.json: timed out after 5s (ReadTimeout)"
    assert excinfo.value.retryable
    assert api.stats.timeouts == 3


def test_connection_errors_are_retried_then_raised(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    api = make_api(clock, max_retries=1)
    for _ in range(2):
        rsps.get(CLIENT_7_URL, body=requests.exceptions.ConnectionError("connection refused"))

    with pytest.raises(InfaktNetworkError, match=r"network error \(ConnectionError\)"):
        api.get_client(7)
    assert api.stats.network_errors == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7.0), (" 1.5 ", 1.5), ("0", 0.0), ("-3", 0.0), ("", None), (None, None), ("nan", None), ("soon", None)],
)
def test_it_parses_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_it_parses_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0


# --- throttle ---------------------------------------------------------------------------------


def test_the_throttle_keeps_every_60s_window_within_the_limit(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    api = make_api(clock, max_get_per_minute=240)
    sent_at: list[float] = []

    def reply(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sent_at.append(clock.now)
        return 200, {}, '{"id": 7}'

    for _ in range(250):
        rsps.add_callback(responses.GET, CLIENT_7_URL, callback=reply)

    for _ in range(250):
        api.get_client(7)

    assert all(later - earlier >= 60.0 for earlier, later in zip(sent_at, sent_at[240:], strict=False))
    # It waits only as long as needed: 240 at once, then the rest when the first ones leave the window.
    assert sent_at[239] == 1000.0
    assert sent_at[240] == 1060.0
    assert api.stats.throttle_waits == 1
    assert api.stats.throttle_wait_seconds == pytest.approx(60.0)


# --- malformed records ------------------------------------------------------------------------


def test_malformed_records_are_skipped_and_the_rest_of_the_page_is_yielded(
    rsps: responses.RequestsMock, api: InfaktAPI
) -> None:
    no_id = invoice_entity(3)
    del no_id["id"]
    page = [
        invoice_entity(1),
        invoice_entity(2, gross_price="12.50"),
        no_id,
        invoice_entity(4, invoice_date="2026-13-01"),
        invoice_entity(5, status="overdue"),
        invoice_entity(6, paid_price=False),
        invoice_entity(7),
    ]
    rsps.get(INVOICES_URL, json=list_body(page, total_count=7))

    records = list(api.iter_invoices())

    assert [r.id for r in records if isinstance(r, InvoiceRecord)] == [1, 7]
    skipped = [r for r in records if isinstance(r, SkippedRecord)]
    assert [(s.kind, s.record_id, s.reason.split(":")[0]) for s in skipped] == [
        ("invoice", page[1]["uuid"], "gross_price"),
        ("invoice", page[2]["uuid"], "id"),
        ("invoice", page[3]["uuid"], "invoice_date"),
        ("invoice", page[4]["uuid"], "status"),
        ("invoice", page[5]["uuid"], "paid_price"),
    ]
    assert skipped[0].reason == "gross_price: expected integer grosze, got str '12.50'"
    assert skipped[4].reason == "paid_price: expected integer grosze, got bool False"
    assert skipped[1].raw == page[2]


def test_a_malformed_client_is_skipped(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(CLIENTS_URL, json=list_body([client_entity(1), client_entity(id="2"), "junk"], total_count=3))

    records = list(api.iter_clients())

    assert isinstance(records[0], ClientRecord)
    assert [(r.record_id, r.reason) for r in records[1:] if isinstance(r, SkippedRecord)] == [
        ("2", "id: expected integer, got str '2'"),
        (None, "entity: expected JSON object, got str 'junk'"),
    ]


# --- stats ------------------------------------------------------------------------------------


def test_stats_count_every_attempt_by_kind(rsps: responses.RequestsMock, api: InfaktAPI) -> None:
    rsps.get(INVOICES_URL, json=list_body(invoices(0, 2), total_count=3), match=page_query(0))
    rsps.get(INVOICES_URL, json=list_body(invoices(2, 1), total_count=3), match=page_query(2))
    rsps.get(f"{BASE_URL}/invoices/{invoice_entity(1)['uuid']}.json", json=invoice_entity(1))
    rsps.get(CLIENTS_URL, json=list_body([client_entity()], total_count=1))
    rsps.get(CLIENT_7_URL, status=502)
    rsps.get(CLIENT_7_URL, json=client_entity())

    list(api.iter_invoices())
    api.get_invoice(invoice_entity(1)["uuid"])
    list(api.iter_clients())
    api.get_client(7)

    assert api.stats.as_dict() == {
        "requests": 6,
        "requests_by_kind": {"invoice_list": 2, "invoice_detail": 1, "client_list": 1, "client_detail": 2},
        "retries": 1,
        "rate_limited": 0,
        "server_errors": 1,
        "timeouts": 0,
        "network_errors": 0,
        "throttle_waits": 0,
        "throttle_wait_seconds": 0.0,
    }


# --- the key never leaks ----------------------------------------------------------------------


def test_the_api_key_never_appears_in_repr_errors_or_logs(
    rsps: responses.RequestsMock, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = make_api(clock, max_retries=1)
    rsps.get(CLIENTS_URL, json=list_body([client_entity()], total_count=1))
    rsps.get(CLIENT_7_URL, json={"error": f"invalid key {API_KEY}"}, status=401)
    rsps.get(f"{BASE_URL}/clients/8.json", body=requests.exceptions.ConnectionError(f"boom {API_KEY}"))
    rsps.get(f"{BASE_URL}/clients/8.json", body=requests.exceptions.ReadTimeout(f"slow {API_KEY}"))
    rsps.get(f"{BASE_URL}/clients/9.json", status=429, headers={"Retry-After": "0"})
    rsps.get(f"{BASE_URL}/clients/9.json", status=500)

    list(api.iter_clients())
    errors: list[InfaktError] = []
    for client_id in (7, 8, 9):
        with pytest.raises(InfaktError) as excinfo:
            api.get_client(client_id)
        errors.append(excinfo.value)

    assert API_KEY not in repr(api)
    assert "key=***" in repr(api)
    assert BASE_URL in repr(api)
    assert [type(e) for e in errors] == [InfaktAuthError, InfaktTimeout, InfaktServerError]
    assert all(API_KEY not in str(e) and API_KEY not in repr(e) for e in errors)
    assert str(errors[0]) == "GET /clients/7.json -> HTTP 401: invalid key ***"
    assert "GET /clients.json?offset=0&limit=100 -> 200" in caplog.text
    assert "retry 1/1" in caplog.text
    assert API_KEY not in caplog.text


def test_an_empty_api_key_is_refused() -> None:
    with pytest.raises(ValueError, match="api_key"):
        InfaktAPI("")
