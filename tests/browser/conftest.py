"""Playwright against Debian's Chromium (/usr/bin/chromium); screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from cases.calendar import business_today
from cases.models import Case, CaseEvent
from cases.tests.conftest import ensure_stages, make_case, make_client

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "haslo-testowe-123"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason="Chromium not installed: apt-get install -y chromium")
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1600, "height": 1000}, "locale": "pl-PL"}


@pytest.fixture
def shot(page):
    """Save a full-page screenshot: shot("01-login")."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def office(transactional_db):
    """Anna (a superuser running the office), 130 active cases over several clients, one closed case."""
    ensure_stages()
    User.objects.create_superuser("anna", email="", password=PASSWORD)
    kowalski = make_client()
    nowak = make_client("Nowak Handel Jan Nowak", nip="7740001454", emails=())
    others = [
        make_client(f"Firma {name} Sp. z o.o.", nip=f"{i:010d}") for i, name in enumerate(["Alfa", "Beta", "Gamma"])
    ]
    clients = [kowalski, *others]
    for i in range(128):
        make_case(
            client=clients[i % len(clients)],
            number=f"FV/{i + 1:03d}/11/2026",
            days_past_due=(i * 7) % 95 - 4,
            gross=100_00 + i * 12_345,
            last_stage_offset=[None, -1, 7, 14][i % 4],
        )
    make_case(client=nowak, number="FV/NOWAK/1", days_past_due=33, gross=4_321_00, last_stage_offset=30)
    make_case(
        client=nowak,
        number="FV/NOWAK/2",
        days_past_due=2,
        gross=999_99,
        paused_until=business_today() + timedelta(days=10),
    )
    closed = make_case(client=kowalski, number="FV/ZAMK/1", days_past_due=25, status=Case.Status.CLOSED, gross=2_500_00)
    at = closed.opened_at
    CaseEvent.objects.create(case=closed, at=at + timedelta(days=3), kind="refreshed", message="Odświeżono z InFakt")
    CaseEvent.objects.create(
        case=closed, at=at + timedelta(days=9), kind="payment", message="Wpłata: zapłacono 100000 gr z 250000 gr"
    )
    CaseEvent.objects.filter(case=closed, kind="closed").update(at=timezone.now())
    return {"closed": closed}


@pytest.fixture
def logged_in(page, live_server, office):
    """Log in through the real login form, as a person would."""

    def login(next_path: str = "/cases/active/"):
        page.goto(f"{live_server.url}{next_path}")
        page.fill("#id_username", "anna")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_load_state()
        return page

    return login
