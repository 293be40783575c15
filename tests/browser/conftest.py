"""The office the staff-UI browser tests run against (Chromium set-up: tests/browser_support.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from cases.models import Case, CaseEvent
from cases.tests.conftest import ensure_stages, make_case, make_client
from common.calendar import business_today
from tests.browser_support import PASSWORD, log_in


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1600, "height": 1000}, "locale": "pl-PL"}


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
        log_in(page, live_server, next_path)
        page.wait_for_load_state()
        return page

    return login
