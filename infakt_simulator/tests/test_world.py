"""World and demo data, used directly (no HTTP)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import pytest

from infakt_simulator.demo import build_demo_world, format_nip, nip_checksum_ok
from infakt_simulator.world import ConflictError, InvalidQueryError, NotFoundError, World, clean_nip

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo() -> World:
    return build_demo_world(seed=42, today=TODAY, clients=60, invoices=400)


def test_every_nip_has_a_valid_checksum(demo: World) -> None:
    clients = demo.all_clients()
    with_nip = [c for c in clients if c["business_activity_kind"] != "private_person"]
    assert with_nip
    assert all(nip_checksum_ok(c["nip"]) for c in with_nip)
    assert all(c["nip"] is None for c in clients if c["business_activity_kind"] == "private_person")
    assert any(c["nip"].startswith("PL") for c in with_nip)
    assert any("-" in c["nip"] for c in with_nip)
    assert all(nip_checksum_ok(inv["client_tax_code"]) for inv in demo.all_invoices() if inv["client_tax_code"])


def test_nip_helpers() -> None:
    assert nip_checksum_ok("5261040828")
    assert nip_checksum_ok("PL 526-104-08-28")
    assert not nip_checksum_ok("5261040829")
    assert not nip_checksum_ok("526104082")
    assert format_nip("5261040828", 3) == "PL 526-104-08-28"
    assert clean_nip("PL 526-104-08-28") == "5261040828"


def test_clients_look_polish_and_cover_email_edge_cases(demo: World) -> None:
    clients = demo.all_clients()
    kinds = Counter(c["business_activity_kind"] for c in clients)
    assert set(kinds) == {"other_business", "self_employed", "private_person"}
    names = " ".join(c["company_name"] or "" for c in clients)
    for legal_form in ("sp. z o.o.", "S.A.", "s.c."):
        assert legal_form in names
    assert any(re.search(r"^\w+ \w+ Usługi", c["company_name"] or "") for c in clients)
    assert all(re.fullmatch(r"\d\d-\d{3}", c["postal_code"]) for c in clients)
    emails = [c["email"] for c in clients]
    assert any(e == "" for e in emails)
    assert any(e.count("@") == 2 and "," in e for e in emails)
    assert any(e and not re.fullmatch(r"[^@\s,]+@[^@\s,]+\.[a-z]+", e) and "," not in e for e in emails)
    assert sum(1 for e in emails if re.fullmatch(r"[^@\s,]+@[^@\s,]+\.[a-z]+", e)) > len(clients) // 2
    companies = [c for c in clients if c["business_activity_kind"] == "other_business"]
    assert all(c["first_name"] is None and c["last_name"] is None for c in companies)


def test_invoices_cover_every_status_kind_and_currency(demo: World) -> None:
    invoices = demo.all_invoices()
    assert {inv["status"] for inv in invoices} == {"draft", "sent", "printed", "paid"}
    assert {inv["kind"] for inv in invoices} == {"vat", "proforma"}
    assert {inv["currency"] for inv in invoices} == {"PLN", "EUR"}
    partly = [inv for inv in invoices if inv["status"] in ("sent", "printed") and inv["paid_price"] > 0]
    assert partly
    assert all(inv["paid_date"] is None and 0 < inv["left_to_pay"] < inv["gross_price"] for inv in partly)


def test_small_worlds_still_cover_the_edge_cases() -> None:
    for invoices_count in (6, 12, 97):
        invoices = build_demo_world(seed=1, today=TODAY, clients=5, invoices=invoices_count).all_invoices()
        assert len(invoices) == invoices_count
        assert {inv["currency"] for inv in invoices} == {"EUR", "PLN"}
        assert {inv["kind"] for inv in invoices} == {"vat", "proforma"}
        assert "draft" in {inv["status"] for inv in invoices}


def test_invoice_money_dates_and_numbers_are_consistent(demo: World) -> None:
    invoices = demo.all_invoices()
    for inv in invoices:
        assert inv["net_price"] + inv["tax_price"] == inv["gross_price"]
        assert abs(inv["tax_price"] - inv["net_price"] * 23 / 100) <= 0.5
        assert inv["left_to_pay"] == inv["gross_price"] - inv["paid_price"]
        issued, due = date.fromisoformat(inv["invoice_date"]), date.fromisoformat(inv["payment_date"])
        assert (due - issued).days in (7, 14, 30)
        assert TODAY - timedelta(days=75) <= due <= TODAY + timedelta(days=30)
        assert issued <= TODAY
        number, month, year = inv["number"].split("/")
        assert number.isdigit()
        assert (int(month), int(year)) == (issued.month, issued.year)
        assert len(re.sub(r"\D", "", inv["bank_account"])) == 26
        if inv["status"] == "paid":
            assert inv["left_to_pay"] == 0
            assert inv["invoice_date"] <= inv["paid_date"] <= TODAY.isoformat()
        else:
            assert inv["paid_date"] is None
    pln = [inv["gross_price"] for inv in invoices if inv["currency"] == "PLN"]
    assert 10_000 <= min(pln) < 100_000
    assert 1_000_000 < max(pln) <= 5_000_000
    assert sum(1 for g in pln if g % 100) > len(pln) // 2  # odd grosze are the norm
    assert len({inv["number"] for inv in invoices}) == len(invoices)


def test_demo_world_is_deterministic_per_seed(demo: World) -> None:
    again = build_demo_world(seed=42, today=TODAY, clients=60, invoices=400)
    assert again.all_clients() == demo.all_clients()
    assert again.all_invoices() == demo.all_invoices()
    other = build_demo_world(seed=43, today=TODAY, clients=60, invoices=400)
    assert other.all_invoices() != demo.all_invoices()


def test_world_payment_semantics_and_errors() -> None:
    world = World(today=TODAY)
    client = world.add_client(company_name="Test sp. z o.o.")
    invoice = world.add_invoice(client["id"], net_price=10_000)
    assert (invoice["gross_price"], invoice["status"], invoice["left_to_pay"]) == (12_300, "sent", 12_300)
    assert invoice["payment_date"] == (TODAY + timedelta(days=14)).isoformat()
    part = world.pay(invoice["uuid"], 300, on=date(2026, 11, 26))
    assert (part["status"], part["paid_price"], part["left_to_pay"], part["paid_date"]) == ("sent", 300, 12_000, None)
    with pytest.raises(Exception, match="exceeds"):
        world.pay(invoice["uuid"], 12_001)
    full = world.pay(invoice["uuid"])
    assert (full["status"], full["paid_price"], full["left_to_pay"], full["paid_date"]) == (
        "paid",
        12_300,
        0,
        TODAY.isoformat(),
    )
    with pytest.raises(ConflictError):
        world.pay(invoice["uuid"])
    world.remove_invoice(invoice["uuid"])
    with pytest.raises(NotFoundError):
        world.pay(invoice["uuid"])


def test_world_query_directly() -> None:
    world = World(today=TODAY)
    client = world.add_client()
    for day in (1, 2, 3):
        world.add_invoice(client["id"], invoice_date=date(2026, 11, day), gross_price=day * 1000)
    result = world.query("invoices", filters={"invoice_date_gteq": "2026-11-02"}, order="gross_price desc")
    assert result.total_count == 2
    assert [inv["gross_price"] for inv in result.entities] == [3000, 2000]
    assert world.query("invoices", filters={"bogus_eq": "1"}).total_count == 3
    assert world.query("invoices", filters={"created_at_gteq": "2026-11-03"}).total_count == 1
    assert world.query("invoices", fields=["number"]).entities[0] == {"number": "1/11/2026"}
    with pytest.raises(InvalidQueryError):
        world.query("invoices", filters={"invoice_date_lt": "yesterday"})


def test_update_invoice_recomputes_left_to_pay() -> None:
    world = World(today=TODAY)
    invoice = world.add_invoice(gross_price=5000)
    updated = world.update_invoice(invoice["uuid"], paid_price=2000, status="printed", payment_date=date(2026, 12, 1))
    assert (updated["left_to_pay"], updated["status"], updated["payment_date"]) == (3000, "printed", "2026-12-01")
