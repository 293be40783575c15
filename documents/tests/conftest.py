"""Fixtures for the documents tests: creditor settings, a client with three invoices, a real SMTP server.

The SMTP server is a small copy of the one in notifications/tests/conftest.py (aiosmtpd on
loopback): `documents` sits below `notifications` and does not import it, tests included.
"""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller

from cases.models import Case, CaseEvent, Client, Invoice
from cases.tests.conftest import make_case, make_user
from claims.models import CommercialRate, ExchangeRate

WARSAW = ZoneInfo("Europe/Warsaw")
TODAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def creditor(settings):
    settings.SELLER_NAME = "Zakład Usług Księgowych „Żuraw” Sp. z o.o."
    settings.SELLER_ADDRESS = "ul. Źródlana 5, 90-001 Łódź"
    settings.SELLER_NIP = "7250000000"
    settings.SELLER_BANK_ACCOUNT = "PL61 1090 1014 0000 0712 1981 2874"
    settings.SELLER_CITY = ""
    settings.REMINDER_CONTACT_EMAIL = "ksiegowosc@zuraw.test"
    settings.REMINDER_CONTACT_PHONE = "+48 42 000 00 00"
    settings.REMINDER_DEMAND_DAYS = 7
    settings.REMINDER_FROM_EMAIL = "Windykacja <windykacja@zuraw.test>"
    settings.REMINDER_CC = []
    settings.REMINDER_REPLY_TO = []
    settings.INTEREST_NOTE_MIN = 2000


@pytest.fixture
def fixed_today():
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=False):
        yield TODAY


@pytest.fixture
def rates_for_today(db):
    """Staff entered the 2026 H2 commercial rate and the EUR rates needed (example values, not official)."""
    CommercialRate.objects.create(
        valid_from=date(2026, 7, 1), valid_to=date(2026, 12, 31), rate_bp=1375, medical_rate_bp=1175, source="test"
    )
    for month, rate in ((date(2026, 8, 1), "4.2600"), (date(2026, 9, 1), "4.2550"), (date(2026, 10, 1), "4.2500")):
        ExchangeRate.objects.create(
            currency="EUR", month=month, effective_date=month.replace(day=28), rate=Decimal(rate)
        )


@pytest.fixture
def zolw(db):
    return Client.objects.create(
        infakt_id=4242,
        company_name="Przedsiębiorstwo „Żółw” Grzegorz Brzęczyszczykiewicz",
        nip="5261040828",
        nip_normalized="5261040828",
        street="ul. Łąkowa",
        street_number="12",
        postal_code="00-950",
        city="Kraków",
        email_raw="biuro@zolw.test",
        emails=["biuro@zolw.test"],
        has_usable_email=True,
    )


@pytest.fixture
def three_invoices(fixed_today, rates_for_today, zolw):
    """Three overdue invoices of one client: 1 234,56 (10 days), 6 000,00 (40 days), 55 000,00 (75 days)."""
    return [
        make_case(client=zolw, number="FV/101/2026", gross=123_456, days_past_due=10),
        make_case(client=zolw, number="FV/77/2026", gross=600_000, days_past_due=40),
        make_case(client=zolw, number="FV/41/2026", gross=5_500_000, days_past_due=75),
    ]


def paid_late_case(client, *, number="FV/9/2026", gross=1_000_000, due=date(2026, 9, 30), paid=date(2026, 10, 30)):
    """A case closed as paid `paid`, due `due` (a business day)."""
    case = make_case(client=client, number=number, gross=gross, left_to_pay=0, status=Case.Status.CLOSED)
    Invoice.objects.filter(pk=case.invoice_id).update(
        due_date=due, paid_date=paid, status=Invoice.Status.PAID, paid=gross, left_to_pay=0
    )
    CaseEvent.objects.filter(case=case).update(
        at=datetime.combine(due - timedelta(days=2), datetime.min.time(), WARSAW)
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def staff_user(db):
    return make_user("anna.staff", group="Staff")


@pytest.fixture
def manager_user(db):
    return make_user("marek.manager", group="Managers")


# --- SMTP ------------------------------------------------------------------------------------


@dataclass
class Handler:
    messages: list = field(default_factory=list)
    refuse: str = ""

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 2.0.0 OK queued"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield handler
    controller.stop()
