"""The `/_sim/` control API over real HTTP: payments, time, CRUD, faults, stats, rate limiting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import requests

from infakt_simulator.server import RateLimiter
from infakt_simulator.testing import RunningSimulator, running_simulator

TODAY = date(2026, 11, 25)


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    """A fresh, small demo world per test (these tests mutate state)."""
    with running_simulator(seed=7, today=TODAY, clients=12, invoices=60) as running:
        yield running


def _unpaid(sim: RunningSimulator) -> dict:
    return next(
        inv for inv in sim.world.all_invoices() if inv["status"] in ("sent", "printed") and inv["paid_price"] == 0
    )


# ---------------------------------------------------------------- payments and time


def test_partial_then_full_payment_semantics(sim: RunningSimulator) -> None:
    invoice = _unpaid(sim)
    gross = invoice["gross_price"]
    partial = sim.control("POST", "/pay", {"uuid": invoice["uuid"], "amount": 1000})
    assert partial["paid_price"] == 1000
    assert partial["left_to_pay"] == gross - 1000
    assert partial["status"] == invoice["status"]
    assert partial["paid_date"] is None

    full = sim.control("POST", "/pay", {"uuid": invoice["uuid"], "amount": None, "date": "2026-11-20"})
    assert full["status"] == "paid"
    assert full["paid_price"] == gross
    assert full["left_to_pay"] == 0
    assert full["paid_date"] == "2026-11-20"
    assert sim.api_get(f"/invoices/{invoice['uuid']}.json").body == full


def test_payment_errors(sim: RunningSimulator) -> None:
    invoice = _unpaid(sim)
    too_much = {"uuid": invoice["uuid"], "amount": invoice["gross_price"] + 1}
    assert requests.post(f"{sim.control_url}/pay", json=too_much, timeout=5).status_code == 400
    sim.control("POST", "/pay", {"uuid": invoice["uuid"]})
    again = requests.post(f"{sim.control_url}/pay", json={"uuid": invoice["uuid"]}, timeout=5)
    assert again.status_code == 409
    assert "already paid" in again.json()["error"]
    missing = requests.post(f"{sim.control_url}/pay", json={"uuid": "nope"}, timeout=5)
    assert missing.status_code == 404


def test_advance_without_auto_pay_only_moves_today(sim: RunningSimulator) -> None:
    before = sim.world.all_invoices()
    result = sim.control("POST", "/advance", {"days": 10})
    assert result == {"today": "2026-12-05", "payments": []}
    assert sim.world.all_invoices() == before
    assert sim.control("GET", "/state")["today"] == "2026-12-05"


def test_advance_with_auto_pay_is_deterministic_and_chunking_independent() -> None:
    outcomes = []
    for chunks in ([60], [20, 20, 20], [60]):
        with running_simulator(seed=3, today=TODAY, clients=20, invoices=120) as sim:
            payments = []
            for days in chunks:
                payments += sim.control("POST", "/advance", {"days": days, "auto_pay": True})["payments"]
            outcomes.append((payments, sim.world.all_invoices()))
    assert outcomes[0] == outcomes[1] == outcomes[2]
    payments, invoices = outcomes[0]
    assert payments, "60 days with auto_pay should bring some payments"
    assert any(p["full"] for p in payments)
    by_uuid = {inv["uuid"]: inv for inv in invoices}
    for payment in payments:
        assert "2026-11-26" <= payment["date"] <= "2027-01-24"
        if payment["full"]:
            assert by_uuid[payment["uuid"]]["status"] == "paid"
            assert by_uuid[payment["uuid"]]["paid_date"] == payment["date"]
            assert by_uuid[payment["uuid"]]["left_to_pay"] == 0


def test_auto_pay_follows_client_profiles() -> None:
    with running_simulator(seed=5, today=TODAY, clients=4, invoices=0) as sim:
        profiles = {}
        for profile in ("prompt", "never"):
            client = sim.control(
                "POST", "/clients", {"company_name": f"Firma {profile} sp. z o.o.", "payer_profile": profile}
            )
            profiles[profile] = sim.control(
                "POST",
                "/invoices",
                {"client_id": client["id"], "invoice_date": "2026-11-20", "payment_date": "2026-12-04"},
            )
        sim.control("POST", "/advance", {"days": 40, "auto_pay": True})
        assert sim.world.get_invoice(profiles["prompt"]["uuid"])["status"] == "paid"
        never = sim.world.get_invoice(profiles["never"]["uuid"])
        assert never["status"] == "sent"
        assert never["paid_price"] == 0


# ---------------------------------------------------------------- CRUD


def test_create_client_and_invoice_with_overrides(sim: RunningSimulator) -> None:
    client = sim.control(
        "POST",
        "/clients",
        {"company_name": "Nowa Firma S.A.", "nip": "PL 526-104-08-28", "email": "", "days_to_payment": 7},
    )
    assert client["id"] == 13
    invoice = sim.control(
        "POST",
        "/invoices",
        {"client_id": client["id"], "invoice_date": "2026-11-01", "gross_price": 12300, "status": "printed"},
    )
    assert invoice["payment_date"] == "2026-11-08"
    assert (invoice["net_price"], invoice["tax_price"], invoice["left_to_pay"]) == (10000, 2300, 12300)
    assert invoice["client_company_name"] == "Nowa Firma S.A."
    assert invoice["client_tax_code"] == "PL 526-104-08-28"
    assert invoice["number"].endswith("/11/2026")
    listed = sim.api_get("/invoices.json", {"q[clean_client_nip_eq]": "5261040828"}).body["entities"]
    assert [row["uuid"] for row in listed] == [invoice["uuid"]]


def test_raw_overrides_are_served_verbatim(sim: RunningSimulator) -> None:
    invoice = sim.control("POST", "/invoices", {"raw_overrides": {"gross_price": "12.50", "paid_date": "not-a-date"}})
    assert invoice["client_id"] == 13  # a client was created on the fly
    body = sim.api_get(f"/invoices/{invoice['uuid']}.json").body
    assert body["gross_price"] == "12.50"
    assert body["paid_date"] == "not-a-date"
    # Malformed stored values never match comparisons and never break listing or ordering.
    assert sim.api_get("/invoices.json", {"q[gross_price_gt]": "0", "limit": 100}).status == 200
    assert sim.api_get("/invoices.json", {"order": "gross_price desc", "limit": 100}).status == 200


def test_patch_and_delete_invoice(sim: RunningSimulator) -> None:
    invoice = next(inv for inv in sim.world.all_invoices() if inv["status"] == "sent")
    patched = sim.control("PATCH", f"/invoices/{invoice['uuid']}", {"status": "printed"})
    assert patched["status"] == "printed"
    assert sim.api_get(f"/invoices/{invoice['uuid']}.json").body["status"] == "printed"
    total = sim.api_get("/invoices.json").body["metainfo"]["total_count"]
    assert sim.control("DELETE", f"/invoices/{invoice['uuid']}") == {"deleted": invoice["uuid"]}
    assert sim.api_get(f"/invoices/{invoice['uuid']}.json").status == 404
    assert sim.api_get("/invoices.json").body["metainfo"]["total_count"] == total - 1
    assert requests.delete(f"{sim.control_url}/invoices/{invoice['uuid']}", timeout=5).status_code == 404


def test_patch_client(sim: RunningSimulator) -> None:
    sim.control("PATCH", "/clients/1", {"email": "nowy@adres.pl"})
    assert sim.api_get("/clients/1.json").body["email"] == "nowy@adres.pl"


def test_state_and_reset(sim: RunningSimulator) -> None:
    state = sim.control("GET", "/state")
    assert state["today"] == "2026-11-25"
    assert state["invoices"] == 60
    assert sum(state["by_status"].values()) == 60
    assert "stats" in state
    reset = sim.control(
        "POST", "/reset", {"seed": 9, "today": "2027-01-10", "clients": 5, "invoices": 25, "receivables": False}
    )
    assert (reset["today"], reset["clients"], reset["invoices"]) == ("2027-01-10", 5, 25)
    assert sim.world.today == date(2027, 1, 10)
    assert sim.api_get("/invoices.json").body["metainfo"]["total_count"] == 25


def test_control_errors_are_json(sim: RunningSimulator) -> None:
    bad = requests.post(f"{sim.control_url}/advance", data=b"{nope", timeout=5)
    assert bad.status_code == 400
    assert "error" in bad.json()
    assert requests.get(f"{sim.control_url}/nothing", timeout=5).status_code == 404


# ---------------------------------------------------------------- faults


def test_429_fault_with_retry_after_then_normal(sim: RunningSimulator) -> None:
    sim.control("POST", "/faults", {"status": 429, "count": 2, "retry_after": "0"})
    for _ in range(2):
        response = sim.api_get("/invoices.json")
        assert response.status == 429
        assert response.headers["Retry-After"] == "0"
    assert sim.api_get("/invoices.json").status == 200


def test_429_fault_without_retry_after_header(sim: RunningSimulator) -> None:
    sim.control("POST", "/faults", {"status": 429, "retry_after": None})
    response = sim.api_get("/invoices.json")
    assert response.status == 429
    assert "Retry-After" not in response.headers


def test_500_burst(sim: RunningSimulator) -> None:
    sim.control("POST", "/faults", {"status": 500, "count": 3})
    assert [sim.api_get("/clients.json").status for _ in range(4)] == [500, 500, 500, 200]


def test_delay_fault_trips_client_timeout(sim: RunningSimulator) -> None:
    # A delay far beyond the client's timeout: only the fault can make the client give up.
    sim.control("POST", "/faults", {"delay": 600, "count": 1})
    headers = {"X-inFakt-ApiKey": sim.api_key}
    with pytest.raises(requests.ReadTimeout):  # connected, sent, and no answer came
        requests.get(f"{sim.base_url}/invoices.json", headers=headers, timeout=(5, 0.3))
    assert sim.control("GET", "/faults")["pending"] == []  # that request took the fault
    # The delayed request does not hold the server up: the next one is answered at once.
    assert requests.get(f"{sim.base_url}/invoices.json", headers=headers, timeout=5).status_code == 200


def test_faults_can_target_a_request_kind_and_be_cleared(sim: RunningSimulator) -> None:
    sim.control("POST", "/faults", {"status": 503, "count": 1, "kind": "client_detail"})
    assert sim.api_get("/invoices.json").status == 200
    assert sim.api_get("/clients/1.json").status == 503
    sim.control("POST", "/faults", [{"status": 500, "count": 5}, {"delay": 0.1}])
    assert len(sim.control("GET", "/faults")["pending"]) == 2
    sim.control("DELETE", "/faults")
    assert sim.api_get("/clients/1.json").status == 200


def test_invalid_fault_is_rejected(sim: RunningSimulator) -> None:
    assert requests.post(f"{sim.control_url}/faults", json={"count": 2}, timeout=5).status_code == 400


# ---------------------------------------------------------------- stats


def test_stats_count_api_requests_by_kind_and_status(sim: RunningSimulator) -> None:
    uuid = sim.world.all_invoices()[0]["uuid"]
    sim.api_get("/invoices.json")
    sim.api_get("/invoices.json", {"offset": 10})
    sim.api_get(f"/invoices/{uuid}.json")
    sim.api_get("/clients.json")
    sim.api_get("/clients/1.json")
    sim.api_get("/clients/1.json", api_key="bad")
    sim.control("GET", "/state")  # control calls are not counted
    stats = sim.control("GET", "/stats")
    assert stats == sim.stats()
    assert stats["requests"] == 6
    assert {kind: n for kind, n in stats["by_kind"].items() if n} == {
        "invoice_list": 2,
        "invoice_detail": 1,
        "client_list": 1,
        "client_detail": 2,
    }
    assert stats["statuses"] == {"200": 5, "401": 1}
    assert sim.control("POST", "/stats/reset")["requests"] == 0
    assert sim.stats()["by_kind"]["invoice_list"] == 0


# ---------------------------------------------------------------- rate limit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_unit() -> None:
    clock = FakeClock()
    limiter = RateLimiter(limit=3, window=60.0, clock=clock)
    assert [limiter.check("ip") for _ in range(3)] == [None, None, None]
    assert limiter.check("ip") == 60
    assert limiter.check("other-ip") is None
    clock.now += 59.5
    assert limiter.check("ip") == 1
    clock.now += 0.5
    assert limiter.check("ip") is None


def test_301st_get_in_the_window_is_429() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    with running_simulator(today=TODAY, clients=3, invoices=5, rate_limit=limiter) as sim:
        session = requests.Session()
        session.headers["X-inFakt-ApiKey"] = sim.api_key
        url = f"{sim.base_url}/clients/1.json"
        statuses = []
        for i in range(300):
            clock.now = 1000.0 + i * 0.1  # 300 GETs spread over 30 simulated seconds
            statuses.append(session.get(url, timeout=5).status_code)
        assert set(statuses) == {200}
        blocked = session.get(url, timeout=5)
        assert blocked.status_code == 429
        assert blocked.headers["Retry-After"] == "31"
        assert "error" in blocked.json()
        assert sim.control("POST", "/stats/reset") is not None  # control API is never limited
        clock.now = 1060.05  # the first hit left the window
        assert session.get(url, timeout=5).status_code == 200
        assert session.get(url, timeout=5).status_code == 429
