"""The official InFakt example responses, read by the project's client and parser, and the simulator held
to the same assertions.

`fixtures/official/` is a copy of `../shared/infakt-examples/` (see its SOURCES.md): the Postman
documentation's own recordings. Each test runs twice: once with `responses` serving the official file
at its endpoint, once against the bundled simulator over HTTP serving documents of the same kind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import responses

from infakt.client import InfaktAPI
from infakt.types import ENDPOINT_KINDS, ClientRecord, InvoiceRecord, parse_client, parse_invoice
from infakt_simulator.demo import seed_receivables
from infakt_simulator.testing import running_simulator
from infakt_simulator.world import World

OFFICIAL = Path(__file__).parent / "fixtures" / "official"
KEY = "official-key"
BASE = "https://api.infakt.test/api/v3"

# Every file, by what it is. A new file without a place here fails test_every_official_file_is_checked.
DOCUMENT_LISTS = {
    "invoices_list_standard.json": "invoices",
    "corrective_invoices_list_no_services.json": "corrective_invoices",
}
DOCUMENT_DETAILS = {"invoice_detail.json": "invoices", "corrective_invoice_detail_fragment.json": "corrective_invoices"}
CLIENT_LISTS = {"clients_list_standard.json"}
CLIENT_DETAILS = {"client_detail_hu.json", "client_created_private_person.json"}
PARTIAL_DETAILS = {
    "invoice_detail_fields_kind.json": ("invoices", "kind"),
    "client_detail_fields_company_name.json": ("clients", "company_name"),
}
NOT_READ = {"async_paid_status_error.json": "the status of an asynchronous mark-as-paid: the client never writes"}


def official(name: str) -> Any:
    return json.loads((OFFICIAL / name).read_text(encoding="utf-8"))


def example_entities(name: str) -> list[dict[str, Any]]:
    body = official(name)
    return body.get("entities", [body])


@dataclass
class Backend:
    api: InfaktAPI
    documents: dict[str, dict[str, Any]]  # endpoint -> one document the backend holds there
    client_ids: list[int]


def _official_backend(mock: responses.RequestsMock) -> Backend:
    documents: dict[str, dict[str, Any]] = {}
    for name, endpoint in DOCUMENT_LISTS.items():
        mock.add(responses.GET, re.compile(rf"{BASE}/{endpoint}\.json.*"), json=official(name))
    for name, endpoint in DOCUMENT_DETAILS.items():
        body = official(name)
        documents[endpoint] = body
        mock.add(responses.GET, f"{BASE}/{endpoint}/{body['uuid']}.json", json=body)
    mock.add(responses.GET, re.compile(rf"{BASE}/clients\.json.*"), json=official("clients_list_standard.json"))
    client_ids = []
    for name in sorted(CLIENT_DETAILS):
        body = official(name)
        client_ids.append(body["id"])
        mock.add(responses.GET, f"{BASE}/clients/{body['id']}.json", json=body)
    return Backend(InfaktAPI(KEY, BASE, sleep=lambda s: None, max_retries=0), documents, client_ids)


@pytest.fixture(params=["official", "simulator"])
def backend(request) -> Iterator[Backend]:
    if request.param == "official":
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            yield _official_backend(mock)
        return
    world = World(today=date(2026, 11, 25))
    docs = seed_receivables(world)
    consumer = next(c for c in world.all_clients() if c["business_activity_kind"] == "private_person")
    trader = next(c for c in world.all_clients() if c["business_activity_kind"] == "self_employed")
    with running_simulator(world, api_key=KEY) as sim:
        api = InfaktAPI(KEY, sim.base_url, sleep=lambda s: None, max_retries=0)
        yield Backend(
            api,
            {"invoices": docs["raised"], "corrective_invoices": docs["partial_credit"]},
            [trader["id"], consumer["id"]],
        )


def assert_document(record: InvoiceRecord | object, endpoint: str, keys: set[str]) -> None:
    """What the sync relies on for every document, whichever backend served it."""
    assert isinstance(record, InvoiceRecord), record
    assert record.kind in (("vat", "proforma") if endpoint == "invoices" else (ENDPOINT_KINDS[endpoint],))
    assert record.status in ("draft", "sent", "printed", "paid")
    assert isinstance(record.gross_price, int)
    assert isinstance(record.left_to_pay, int)
    if record.kind != "correction":
        assert record.gross_price >= 0
    else:
        assert record.corrected_invoice_number  # every correction names its original
    if record.status == "paid":
        assert record.is_fully_paid  # the status wins over paid_price / left_to_pay
    assert record.client_business_activity_kind in ("private_person", "self_employed", "other_business")
    assert keys <= set(record.raw), f"keys missing: {sorted(keys - set(record.raw))}"


def official_keys(name: str) -> set[str]:
    keys: set[str] = set()
    for entity in example_entities(name):
        keys |= set(entity)
    return keys - {"_note"}


def test_every_official_file_is_checked() -> None:
    files = {path.name for path in OFFICIAL.glob("*.json")}
    covered = {*DOCUMENT_LISTS, *DOCUMENT_DETAILS, *CLIENT_LISTS, *CLIENT_DETAILS, *PARTIAL_DETAILS, *NOT_READ}
    assert files == covered
    assert (OFFICIAL / "SOURCES.md").exists()


@pytest.mark.parametrize("name", sorted(DOCUMENT_LISTS))
def test_document_lists_parse_with_every_official_key(backend: Backend, name: str) -> None:
    endpoint = DOCUMENT_LISTS[name]
    # The official corrective list leaves `services` out (its transcriber did); the invoice list carries them.
    keys = official_keys(name)
    records = list(backend.api.iter_invoices(endpoint=endpoint))
    assert records
    for record in records:
        assert_document(record, endpoint, keys)


@pytest.mark.parametrize("name", sorted(DOCUMENT_DETAILS))
def test_document_details_parse_with_every_official_key(backend: Backend, name: str) -> None:
    endpoint = DOCUMENT_DETAILS[name]
    document = backend.documents[endpoint]
    record = backend.api.get_invoice(document["uuid"], endpoint=endpoint)
    # The detail adds extensions/ksef_data/transaction_terms that lists (and the simulator) do not carry.
    keys = official_keys(name) - {"extensions", "ksef_data", "transaction_terms"}
    assert_document(record, endpoint, keys)
    assert record.id == document["id"]


def test_clients_parse_with_every_official_key(backend: Backend) -> None:
    keys = official_keys("clients_list_standard.json")
    listed = list(backend.api.iter_clients())
    assert listed
    assert all(isinstance(c, ClientRecord) for c in listed)
    for client in listed:
        assert keys <= set(client.raw)
        assert client.business_activity_kind in ("private_person", "self_employed", "other_business")
        assert client.display_name  # a company name, or first and last name for a consumer
    kinds = set()
    for client_id in backend.client_ids:
        client = backend.api.get_client(client_id)
        assert official_keys("client_detail_hu.json") <= set(client.raw)
        kinds.add(client.business_activity_kind)
        if client.business_activity_kind == "private_person":
            assert client.company_name == ""  # null in the JSON
            assert client.nip == ""
    assert "private_person" in kinds


# --- What only the official files can show -------------------------------------------


def test_the_official_negative_correction_parses_with_its_signed_amounts() -> None:
    record = parse_invoice(official("corrective_invoice_detail_fragment.json"), default_kind="correction")
    assert (record.number, record.gross_price, record.left_to_pay) == ("4/KOR/03/2023", -8174, -8174)
    assert (record.net_price, record.tax_price) == (-6646, -1528)
    assert record.corrected_invoice_number == "284394"  # here the original's id, not its number


def test_the_paid_correction_quirk_counts_as_paid() -> None:
    quirk = example_entities("corrective_invoices_list_no_services.json")[1]
    record = parse_invoice(quirk)
    assert (record.status, record.paid_price, record.left_to_pay) == ("paid", 0, 246000)
    assert record.is_fully_paid


def test_a_negative_amount_on_an_original_is_still_refused() -> None:
    vat = dict(example_entities("invoices_list_standard.json")[0], gross_price=-100, left_to_pay=-100)
    with pytest.raises(ValueError, match="only a correction may be negative"):
        parse_invoice(vat)


def test_partial_details_answer_the_asked_fields_plus_id_on_both_backends() -> None:
    assert set(official("invoice_detail_fields_kind.json")) == {"id", "kind"}
    assert set(official("client_detail_fields_company_name.json")) == {"id", "company_name"}
    world = World(today=date(2026, 11, 25))
    invoice = world.add_invoice()
    with running_simulator(world, api_key=KEY) as sim:
        kind = sim.api_get(f"/invoices/{invoice['uuid']}.json", {"fields": "kind"})
        company = sim.api_get(f"/clients/{invoice['client_id']}.json", {"fields": "company_name"})
    assert (kind.status, set(kind.body)) == (200, {"id", "kind"})
    assert (company.status, set(company.body)) == (200, {"id", "company_name"})


def test_every_official_client_parses() -> None:
    for name in (*CLIENT_DETAILS, *CLIENT_LISTS):
        for entity in example_entities(name):
            client = parse_client(entity)
            assert client.id == entity["id"]
