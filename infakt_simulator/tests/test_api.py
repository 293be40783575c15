"""The inFakt API subset over real HTTP: envelope, paging, auth, filters, order, fields, errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
import requests

from infakt_simulator.testing import RunningSimulator, running_simulator
from infakt_simulator.world import clean_nip

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def sim() -> Iterator[RunningSimulator]:
    """A read-only demo world shared by this module (tests here must not mutate it)."""
    with running_simulator(seed=42, today=TODAY, clients=60, invoices=400) as running:
        yield running


def _entities(sim: RunningSimulator, path: str, params: dict[str, str] | list[tuple[str, str]]) -> list[dict]:
    response = sim.api_get(path, params)
    assert response.status == 200, response.body
    return response.body["entities"]


def _all_matching(sim: RunningSimulator, params: dict[str, str]) -> list[dict]:
    """Page through /invoices.json the robust way (offset += len(entities))."""
    rows: list[dict] = []
    offset = 0
    while True:
        body = sim.api_get("/invoices.json", {**params, "offset": offset, "limit": 100}).body
        rows += body["entities"]
        offset += len(body["entities"])
        if not body["entities"] or offset >= body["metainfo"]["total_count"]:
            return rows


# ---------------------------------------------------------------- envelope and paging


def test_list_envelope_defaults_to_ten_with_absolute_links(sim: RunningSimulator) -> None:
    response = sim.api_get("/invoices.json")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/json")
    meta = response.body["metainfo"]
    assert set(response.body) == {"metainfo", "entities"}
    assert meta["count"] == 10 == len(response.body["entities"])
    assert meta["total_count"] == 400
    assert meta["next"] == f"{sim.base_url}/invoices.json?offset=10&limit=10"
    assert meta["previous"] == f"{sim.base_url}/invoices.json?offset=0&limit=10"
    # The default order is invoice_date descending (official examples), ties by id.
    dates = [inv["invoice_date"] for inv in response.body["entities"]]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == max(inv["invoice_date"] for inv in sim.world.all_invoices())


def test_limit_is_silently_capped_at_100(sim: RunningSimulator) -> None:
    body = sim.api_get("/invoices.json", {"limit": 1000}).body
    assert body["metainfo"]["count"] == 100
    assert body["metainfo"]["next"].endswith("/invoices.json?offset=100&limit=100")


def test_next_is_present_past_the_end(sim: RunningSimulator) -> None:
    last = sim.api_get("/invoices.json", {"offset": 395, "limit": 10}).body
    assert last["metainfo"]["count"] == 5
    assert last["metainfo"]["next"].endswith("offset=405&limit=10")
    assert last["metainfo"]["previous"].endswith("offset=385&limit=10")
    beyond = sim.api_get("/invoices.json", {"offset": 500}).body
    assert beyond["entities"] == []
    assert beyond["metainfo"]["total_count"] == 400
    assert beyond["metainfo"]["next"].endswith("offset=510&limit=10")


def test_links_keep_q_order_and_fields(sim: RunningSimulator) -> None:
    body = sim.api_get("/invoices.json", {"q[status_eq]": "sent", "order": "id desc", "limit": 5}).body
    assert body["metainfo"]["next"] == f"{sim.base_url}/invoices.json?q[status_eq]=sent&order=id+desc&offset=5&limit=5"


def test_offset_paging_visits_every_invoice_once(sim: RunningSimulator) -> None:
    rows = _all_matching(sim, {})
    assert sorted(row["id"] for row in rows) == list(range(1, 401))


def test_legacy_v3_alias_serves_the_same_data(sim: RunningSimulator) -> None:
    root = sim.base_url.removesuffix("/api/v3")
    response = requests.get(
        f"{root}/v3/clients.json", params={"limit": 3}, headers={"X-inFakt-ApiKey": sim.api_key}, timeout=5
    )
    assert response.status_code == 200
    assert response.json()["metainfo"]["total_count"] == 60
    assert "/v3/clients.json?offset=3&limit=3" in response.json()["metainfo"]["next"]


def test_non_integer_paging_parameter_is_400(sim: RunningSimulator) -> None:
    response = sim.api_get("/invoices.json", {"offset": "abc"})
    assert response.status == 400
    assert "error" in response.body


# ---------------------------------------------------------------- auth


@pytest.mark.parametrize("key", ["", "wrong-key"])
def test_missing_or_wrong_key_is_401(sim: RunningSimulator, key: str) -> None:
    response = sim.api_get("/invoices.json", api_key=key)
    assert response.status == 401
    assert isinstance(response.body["error"], str)


def test_api_key_header_name_is_case_insensitive(sim: RunningSimulator) -> None:
    for name in ("x-infakt-apikey", "X-InFakt-ApiKey"):
        response = requests.get(f"{sim.base_url}/clients/1.json", headers={name: sim.api_key}, timeout=5)
        assert response.status_code == 200


# ---------------------------------------------------------------- filters


def test_eq_filter_on_status(sim: RunningSimulator) -> None:
    rows = _all_matching(sim, {"q[status_eq]": "printed"})
    expected = [inv for inv in sim.world.all_invoices() if inv["status"] == "printed"]
    assert rows
    assert len(rows) == len(expected)
    assert {row["status"] for row in rows} == {"printed"}


@pytest.mark.parametrize(
    ("predicate", "check"),
    [
        ("lt", lambda value, limit: value < limit),
        ("gt", lambda value, limit: value > limit),
        ("lteq", lambda value, limit: value <= limit),
        ("gteq", lambda value, limit: value >= limit),
        ("eq", lambda value, limit: value == limit),
    ],
)
def test_date_comparison_predicates(sim: RunningSimulator, predicate: str, check) -> None:
    pivot = sim.world.all_invoices()[200]["payment_date"]
    rows = _all_matching(sim, {f"q[payment_date_{predicate}]": pivot})
    expected = {inv["id"] for inv in sim.world.all_invoices() if check(inv["payment_date"], pivot)}
    assert rows
    assert {row["id"] for row in rows} == expected


def test_null_values_never_match_comparisons(sim: RunningSimulator) -> None:
    rows = _all_matching(sim, {"q[paid_date_lt]": "2100-01-01"})
    paid = [inv for inv in sim.world.all_invoices() if inv["paid_date"] is not None]
    assert len(rows) == len(paid)
    assert all(row["paid_date"] is not None for row in rows)


def test_null_predicate_true_and_false(sim: RunningSimulator) -> None:
    unpaid = _all_matching(sim, {"q[paid_date_null]": "true"})
    paid = _all_matching(sim, {"q[paid_date_null]": "false"})
    assert unpaid
    assert paid
    assert all(row["paid_date"] is None for row in unpaid)
    assert all(row["paid_date"] is not None for row in paid)
    assert len(unpaid) + len(paid) == 400


def test_integer_comparison_predicate(sim: RunningSimulator) -> None:
    rows = _all_matching(sim, {"q[gross_price_gteq]": "1000000"})
    assert rows
    assert all(row["gross_price"] >= 1_000_000 for row in rows)
    expected = sum(1 for inv in sim.world.all_invoices() if inv["gross_price"] >= 1_000_000)
    assert len(rows) == expected


def test_cont_is_a_case_insensitive_substring(sim: RunningSimulator) -> None:
    rows = _entities(sim, "/clients.json", {"q[company_name_cont]": "SP. Z O.O.", "limit": 100})
    assert rows
    assert all("sp. z o.o." in row["company_name"].lower() for row in rows)
    invoices = _all_matching(sim, {"q[client_company_name_cont]": "usługi"})
    assert invoices
    assert all("usługi" in row["client_company_name"].lower() for row in invoices)


def test_clean_client_nip_matches_formatted_nips(sim: RunningSimulator) -> None:
    formatted = next(c for c in sim.world.all_clients() if c["nip"].startswith("PL "))
    rows = _all_matching(sim, {"q[clean_client_nip_eq]": clean_nip(formatted["nip"])})
    expected = [inv for inv in sim.world.all_invoices() if inv["client_id"] == formatted["id"]]
    assert len(rows) == len(expected)
    assert {row["client_tax_code"] for row in rows} <= {formatted["nip"]}


def test_number_and_client_nip_eq(sim: RunningSimulator) -> None:
    invoice = sim.world.all_invoices()[17]
    rows = _entities(sim, "/invoices.json", {"q[number_eq]": invoice["number"]})
    assert [row["uuid"] for row in rows] == [invoice["uuid"]]
    company = next(c for c in sim.world.all_clients() if c["nip"])
    clients = _entities(sim, "/clients.json", {"q[nip_eq]": company["nip"]})
    assert [c["id"] for c in clients] == [company["id"]]


@pytest.mark.parametrize(
    "params",
    [
        [("q[no_such_field_eq]", "x")],
        [("q[status_in][]", "sent"), ("q[status_in][]", "printed")],
        [("q[status_in]", "sent,printed")],
        [("q[status_matches]", "sent")],
    ],
)
def test_unknown_filters_are_ignored_silently(sim: RunningSimulator, params: list[tuple[str, str]]) -> None:
    body = sim.api_get("/invoices.json", params).body
    assert body["metainfo"]["total_count"] == 400


def test_invalid_date_filter_is_400(sim: RunningSimulator) -> None:
    response = sim.api_get("/invoices.json", {"q[payment_date_lteq]": "2026-13-45"})
    assert response.status == 400
    assert "payment_date" in response.body["error"]


def test_filters_combine(sim: RunningSimulator) -> None:
    rows = _all_matching(sim, {"q[status_eq]": "sent", "q[payment_date_lt]": TODAY.isoformat(), "q[kind_eq]": "vat"})
    assert rows
    assert all(r["status"] == "sent" and r["payment_date"] < TODAY.isoformat() and r["kind"] == "vat" for r in rows)


# ---------------------------------------------------------------- order and fields


def test_order_desc_and_asc(sim: RunningSimulator) -> None:
    desc = _entities(sim, "/invoices.json", {"order": "gross_price desc", "limit": 100})
    prices = [row["gross_price"] for row in desc]
    assert prices == sorted(prices, reverse=True)
    assert prices[0] == max(inv["gross_price"] for inv in sim.world.all_invoices())
    asc = _entities(sim, "/invoices.json", {"order": "payment_date asc", "limit": 50})
    dates = [row["payment_date"] for row in asc]
    assert dates == sorted(dates)


def test_order_puts_nulls_last_ascending(sim: RunningSimulator) -> None:
    rows = _all_matching(sim, {"order": "paid_date asc"})
    values = [row["paid_date"] for row in rows]
    first_null = values.index(None)
    assert all(value is not None for value in values[:first_null])
    assert all(value is None for value in values[first_null:])


def test_fields_limit_invoice_list_and_detail_keys(sim: RunningSimulator) -> None:
    fields = "id,uuid,number,status,gross_price,paid_price,payment_date"
    rows = _entities(sim, "/invoices.json", {"fields": fields, "limit": 20})
    assert all(set(row) == set(fields.split(",")) for row in rows)
    detail = sim.api_get(f"/invoices/{rows[0]['uuid']}.json", {"fields": "number,left_to_pay,nope"})
    assert detail.status == 200
    assert detail.body == {
        "id": rows[0]["id"],  # `fields=` always returns `id` as well (official examples)
        "number": rows[0]["number"],
        "left_to_pay": sim.world.get_invoice(rows[0]["uuid"])["left_to_pay"],
    }


# ---------------------------------------------------------------- detail endpoints, quirks, 404


def test_invoice_detail_has_documented_fields_and_no_email(sim: RunningSimulator) -> None:
    invoice = sim.world.all_invoices()[0]
    body = sim.api_get(f"/invoices/{invoice['uuid']}.json").body
    assert body == invoice
    documented = {
        "id", "uuid", "number", "kind", "status", "invoice_date", "sale_date", "payment_date", "paid_date",
        "net_price", "tax_price", "gross_price", "paid_price", "left_to_pay", "currency", "payment_method",
        "bank_account", "client_id", "client_company_name", "client_first_name", "client_last_name",
        "client_business_activity_kind", "client_street", "client_street_number", "client_flat_number",
        "client_city", "client_post_code", "client_country", "client_tax_code", "notes", "created_at",
    }  # fmt: skip
    assert documented <= set(body)
    assert not any("mail" in key for key in body)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", body["created_at"])


def test_client_detail_and_empty_value_conventions(sim: RunningSimulator) -> None:
    company = next(c for c in sim.world.all_clients() if c["business_activity_kind"] == "other_business")
    body = sim.api_get(f"/clients/{company['id']}.json").body
    assert body["first_name"] is None
    assert body["last_name"] is None
    assert body["flat_number"] == "" or body["flat_number"].isdigit()
    assert isinstance(body["email"], str)
    assert re.fullmatch(r"\d\d-\d{3}", body["postal_code"])
    no_mail = next(c for c in sim.world.all_clients() if c["email"] == "")
    assert sim.api_get(f"/clients/{no_mail['id']}.json").body["email"] == ""


def test_client_detail_with_fields_answers_like_the_official_example(sim: RunningSimulator) -> None:
    response = sim.api_get("/clients/1.json", {"fields": "company_name"})
    assert response.status == 200
    assert response.body == {"id": 1, "company_name": sim.world.get_client(1)["company_name"]}


def test_client_list_accepts_fields(sim: RunningSimulator) -> None:
    rows = _entities(sim, "/clients.json", {"fields": "id,email", "limit": 5})
    assert [set(row) for row in rows] == [{"id", "email"}] * 5


@pytest.mark.parametrize(
    "path",
    [
        "/invoices/00000000-0000-4000-8000-000000000000.json",
        "/invoices/1.json",
        "/clients/99999.json",
        "/clients/abc.json",
        "/receipts.json",
        "/corrective_invoices/1.json",
        "/invoices.xml",
    ],
)
def test_unknown_resources_are_404(sim: RunningSimulator, path: str) -> None:
    response = sim.api_get(path)
    assert response.status == 404
    assert response.body == {"error": "Not found"}


def test_paths_outside_the_api_are_404(sim: RunningSimulator) -> None:
    response = requests.get(sim.base_url.removesuffix("/api/v3") + "/nothing", timeout=5)
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}
