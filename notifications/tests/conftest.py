"""Fixtures for the reminder tests: a real SMTP server on loopback (aiosmtpd), and personas.

`smtp_server` starts an aiosmtpd Controller on 127.0.0.1 on a free port and points Django's
SMTP backend at it; tests assert on what the server actually received. Its handler can
refuse messages (`refuse = "451 ..."`), drop the connection in the middle of DATA
(`drop_during_data = True`), or the server can be stopped and started again on the same
port (SMTP down, then back).
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from cases.models import Case, Client, Invoice, ReminderStage
from cases.services import case_schedule_next
from claims.models import CommercialRate, ExchangeRate, StatutoryRate
from syncstatus.models import SyncRun

WARSAW = ZoneInfo("Europe/Warsaw")
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    def __getitem__(self, header: str) -> str:
        # Django folds long encoded headers right after the colon; unfolding leaves a leading space.
        value = self.message[header]
        return value.strip() if value is not None else None

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


@dataclass
class Handler:
    messages: list[Received] = field(default_factory=list)
    connections: int = 0
    refuse: str = ""  # e.g. "451 4.3.0 try again later": answer to DATA, nothing delivered
    refuse_rcpt: set[str] = field(default_factory=set)
    drop_during_data: bool = False

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop_during_data:
            # The message reached the server but the answer never comes back.
            self.messages.append(self._parse(envelope))
            server.transport.close()
            return "250 OK"
        if self.refuse:
            return self.refuse
        self.messages.append(self._parse(envelope))
        return "250 2.0.0 OK queued"

    @staticmethod
    def _parse(envelope) -> Received:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        return Received(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), message=message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]


def use_smtp_server(settings, server: SMTPServer, *, timeout: int) -> None:
    """Point Django's SMTP backend at `server` (plain SMTP on loopback, no login)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.REMINDER_SMTP_TIMEOUT = timeout


@pytest.fixture
def smtp_server(settings):
    server = SMTPServer()
    server.start()
    use_smtp_server(settings, server, timeout=5)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.REMINDER_BUSINESS_DAYS = True
    settings.REMINDER_THROTTLE_MS = 0
    settings.REMINDER_BATCH_SIZE = 50
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_CLAIM_STALE_MINUTES = 10
    settings.REMINDER_SYNC_MAX_AGE_HOURS = 12
    settings.REMINDER_FROM_EMAIL = "Windykacja <windykacja@firma.test>"
    settings.REMINDER_REPLY_TO = ["ksiegowosc@firma.test"]
    settings.REMINDER_CC = ["archiwum@firma.test"]
    settings.SELLER_NAME = "Firma Testowa Sp. z o.o."
    settings.SELLER_ADDRESS = "ul. Prosta 1, 00-001 Warszawa"
    settings.SELLER_NIP = "5260250274"
    settings.SELLER_BANK_ACCOUNT = "PL61 1090 1014 0000 0712 1981 2874"
    settings.REMINDER_CONTACT_EMAIL = "ksiegowosc@firma.test"
    settings.REMINDER_CONTACT_PHONE = "+48 22 100 20 30"
    return settings


def at(day: date, hour: int = 6, minute: int = 0) -> datetime:
    """An aware datetime on a Warsaw business date."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WARSAW)


def enter_example_rates() -> None:
    """Rates a staff member would enter where the seeded official tables stop (example values, not official).

    The seeded tables end before the tests' late-2026 clock (the 2026 H2 commercial rate and the
    reference rate after March 2026 are not verified), and the NBP EUR rates are fetched during the
    sync, never in tests: without these the +14 letter's formal demand (PDF) could not be complete
    and would be held. Tests of the missing-rate path delete what they need missing.
    """
    CommercialRate.objects.get_or_create(
        valid_from=date(2026, 7, 1),
        defaults={"valid_to": date(2026, 12, 31), "rate_bp": 1375, "medical_rate_bp": 1175, "source": "test example"},
    )
    StatutoryRate.objects.get_or_create(
        valid_from=date(2026, 4, 1), defaults={"valid_to": None, "rate_bp": 925, "source": "test example"}
    )
    existing = set(ExchangeRate.objects.filter(currency="EUR").values_list("month", flat=True))
    ExchangeRate.objects.bulk_create(
        ExchangeRate(
            currency="EUR",
            month=date(year, month, 1),
            effective_date=date(year, month, 28),
            rate=Decimal("4.2500"),
            origin=ExchangeRate.Origin.MANUAL,
            source="test example",
        )
        for year in range(2024, 2027)
        for month in range(1, 13)
        if date(year, month, 1) not in existing
    )


@pytest.fixture
def example_rates(db) -> None:
    enter_example_rates()


@pytest.fixture
def stages(db) -> dict[int, ReminderStage]:
    """The five seeded stages (with the wording from the notifications migration), and the example rates."""
    enter_example_rates()
    return {s.offset_days: s for s in ReminderStage.objects.order_by("offset_days")}


class World:
    """Builds clients, invoices and cases, and the day's sync run, with plain creates."""

    def __init__(self) -> None:
        self.seq = 0

    def client(self, *, emails=None, language="pl", **values) -> Client:
        self.seq += 1
        emails = [f"biuro{self.seq}@alfa.test"] if emails is None else emails
        defaults = {
            "company_name": f"Alfa {self.seq} Sp. z o.o.",
            "nip": "5261040828",
            "street": "Długa",
            "street_number": "5",
            "postal_code": "00-950",
            "city": "Warszawa",
        }
        return Client.objects.create(
            infakt_id=1000 + self.seq,
            emails=list(emails),
            email_raw=", ".join(emails),
            has_usable_email=bool(emails),
            language=language,
            **(defaults | values),
        )

    def case(
        self,
        *,
        due: date,
        client: Client | None = None,
        gross: int = 123456,
        paid: int = 0,
        currency: str = "PLN",
        last_stage_offset: int | None = None,
        refreshed_at: datetime | None = None,
        **invoice_values,
    ) -> Case:
        self.seq += 1
        client = client or self.client()
        values = {
            "infakt_id": 50000 + self.seq,
            "uuid": f"uuid-{self.seq}",
            "number": f"FV {self.seq}/11/2026",
            "status": Invoice.Status.SENT,
            "issue_date": due - timedelta(days=14),
            "due_date": due,
            "gross": gross,
            "paid": paid,
            "left_to_pay": gross - paid,
            "currency": currency,
            "client": client,
            "client_infakt_id": client.infakt_id,
            "last_seen_at": timezone.now(),
        }
        invoice = Invoice.objects.create(**(values | invoice_values))
        case = Case.objects.create(
            invoice=invoice,
            opened_at=at(due - timedelta(days=2)),
            last_stage_offset=last_stage_offset,
            last_refreshed_at=refreshed_at,
        )
        case_schedule_next(case=case)
        return case

    @staticmethod
    def sync(
        day: date, *, status: str = SyncRun.Status.SUCCESS, started: datetime | None = None, refresh: bool = True
    ) -> SyncRun:
        """The day's sync: finished a minute after it started; by default it read every active case."""
        started = started or at(day, 6, 0)
        run = SyncRun.objects.create(
            kind=SyncRun.Kind.DAILY,
            target_date=day,
            started_at=started,
            heartbeat_at=started,
            finished_at=None if status == SyncRun.Status.RUNNING else started + timedelta(minutes=1),
            status=status,
            error="InfaktError: 503" if status == SyncRun.Status.FAILED else "",
        )
        if refresh:
            Case.objects.filter(status=Case.Status.ACTIVE).update(last_refreshed_at=started)
        return run


@pytest.fixture
def world(db, stages) -> World:
    return World()
