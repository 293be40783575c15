"""The client's contract, checked against recorded-style `responses` fixtures AND the bundled simulator.

The same tests run on both backends, so the simulator cannot drift from what the
client (and the real API, as far as it is known) does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from infakt.client import InfaktAPI
from infakt.errors import InfaktAuthError, InfaktNotFound
from infakt.types import InvoiceRecord, SkippedRecord
from infakt_simulator.testing import running_simulator
from infakt_simulator.world import World

from . import client_entity, invoice_entity

KEY = "contract-key"


class RecordedBackend:
    """Serves entities the way the recorded responses show: offset/limit, envelope, `next` always present."""

    base_url = "https://infakt.test/api/v3"

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.invoices: list[dict[str, Any]] = []
        self.clients: dict[int, dict[str, Any]] = {}
        mock.add_callback(responses.GET, re.compile(rf"{self.base_url}/invoices\.json.*"), self._list)
        mock.add_callback(responses.GET, re.compile(rf"{self.base_url}/invoices/[^/]+\.json"), self._invoice)
        mock.add_callback(responses.GET, re.compile(rf"{self.base_url}/clients/\d+\.json"), self._client)

    def add_invoice(self, **fields: Any) -> dict[str, Any]:
        entity = invoice_entity(len(self.invoices) + 1, **fields)
        self.invoices.append(entity)
        return entity

    def add_client(self, **fields: Any) -> dict[str, Any]:
        entity = client_entity(len(self.clients) + 1, **fields)
        self.clients[entity["id"]] = entity
        return entity

    @staticmethod
    def _authorised(request) -> bool:
        return request.headers.get("X-inFakt-ApiKey") == KEY

    def _list(self, request):
        if not self._authorised(request):
            return 401, {}, '{"error": "Unauthorized"}'
        query = parse_qs(urlparse(request.url).query)
        offset = int(query.get("offset", ["0"])[0])
        limit = min(int(query.get("limit", ["10"])[0]), 100)
        page = self.invoices[offset : offset + limit]
        body = {
            "metainfo": {"count": len(page), "total_count": len(self.invoices),
                         "next": f"{self.base_url}/invoices.json?offset={offset + limit}&limit={limit}",
                         "previous": f"{self.base_url}/invoices.json?offset=0&limit={limit}"},
            "entities": page,
        }  # fmt: skip
        return 200, {}, json.dumps(body)

    def _invoice(self, request):
        if not self._authorised(request):
            return 401, {}, '{"error": "Unauthorized"}'
        uuid = urlparse(request.url).path.rsplit("/", 1)[1].removesuffix(".json")
        found = next((i for i in self.invoices if i["uuid"] == uuid), None)
        return (200, {}, json.dumps(found)) if found else (404, {}, '{"error": "Not found"}')

    def _client(self, request):
        if "fields" in (urlparse(request.url).query or ""):
            return 500, {}, '{"error": "Internal Server Error"}'
        client_id = int(urlparse(request.url).path.rsplit("/", 1)[1].removesuffix(".json"))
        found = self.clients.get(client_id)
        return (200, {}, json.dumps(found)) if found else (404, {}, '{"error": "Not found"}')


class SimulatorBackend:
    def __init__(self, world: World, base_url: str) -> None:
        self.world = world
        self.base_url = base_url
        self.client = world.add_client(company_name="Kontrakt Sp. z o.o.", nip="5261040828")

    def add_invoice(self, **fields: Any) -> dict[str, Any]:
        overrides = {k: fields.pop(k) for k in list(fields) if k == "gross_price" and not isinstance(fields[k], int)}
        return self.world.add_invoice(self.client["id"], raw_overrides=overrides or None, **fields)

    def add_client(self, **fields: Any) -> dict[str, Any]:
        return self.world.add_client(**fields)


@pytest.fixture(params=["recorded", "simulator"])
def backend(request) -> Iterator[RecordedBackend | SimulatorBackend]:
    if request.param == "recorded":
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            yield RecordedBackend(mock)
    else:
        with running_simulator(World(today=date(2026, 11, 25)), api_key=KEY) as sim:
            yield SimulatorBackend(sim.world, sim.base_url)


def api_for(backend, key: str = KEY) -> InfaktAPI:
    return InfaktAPI(key, backend.base_url, sleep=lambda s: None, max_retries=1)


def test_paging_reads_every_record_once_in_pages_of_100(backend):
    for _ in range(250):
        backend.add_invoice()
    api = api_for(backend)
    records = list(api.iter_invoices())
    assert len(records) == 250
    assert len({r.id for r in records}) == 250
    assert api.stats.requests_by_kind == {"invoice_list": 3}


def test_an_empty_list_costs_one_request(backend):
    api = api_for(backend)
    assert list(api.iter_invoices()) == []
    assert api.stats.requests == 1


def test_invoice_detail_by_uuid_and_404(backend):
    created = backend.add_invoice(payment_date="2026-12-01")
    api = api_for(backend)
    record = api.get_invoice(created["uuid"])
    assert isinstance(record, InvoiceRecord)
    assert record.payment_date == date(2026, 12, 1)
    assert record.gross_price == created["gross_price"]
    with pytest.raises(InfaktNotFound):
        api.get_invoice("00000000-0000-4000-8000-000000000000")


def test_client_detail_keeps_several_email_addresses(backend):
    created = backend.add_client(email="biuro@firma.pl, ksiegowosc@firma.pl", nip="PL 526-104-08-28")
    record = api_for(backend).get_client(created["id"])
    assert record.email == "biuro@firma.pl, ksiegowosc@firma.pl"
    assert record.nip == "PL 526-104-08-28"


def test_a_wrong_key_is_refused_with_401(backend):
    backend.add_invoice()
    with pytest.raises(InfaktAuthError):
        list(api_for(backend, key="wrong").iter_invoices())


def test_a_malformed_record_is_skipped_and_the_rest_read(backend):
    backend.add_invoice()
    backend.add_invoice(gross_price="99.90")
    backend.add_invoice()
    items = list(api_for(backend).iter_invoices())
    skipped = [i for i in items if isinstance(i, SkippedRecord)]
    assert len(items) == 3
    assert len(skipped) == 1
    assert "gross_price" in skipped[0].reason
