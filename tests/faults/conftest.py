"""Fault-suite fixtures: the bundled InFakt simulator and a real SMTP server, both on 127.0.0.1.

The simulator fixtures come from syncstatus/tests/conftest.py and the aiosmtpd server from
notifications/tests/conftest.py (re-exported here, not copied). Added here:

* `slow_smtp` — the same aiosmtpd server whose handler can hold the answer to DATA (the
  message has reached the server; its "250 OK" has not left yet), to kill a sender mid-send;
* `subprocess_env` — the environment for a real `manage.py` child process on the test
  database (which therefore needs `django_db(transaction=True)`), pointed at the simulator
  and the SMTP server;
* reminder settings as the notifications tests use them.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from cases.models import ReminderStage
from cases.tests.conftest import ensure_stages
from notifications.tests.conftest import (  # noqa: F401
    Handler,
    SMTPServer,
    reminder_settings,
    smtp_server,
    use_smtp_server,
)
from syncstatus.tests.conftest import api, morning, sim, staff_client, staff_user, stages, world  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SlowHandler(Handler):
    """Receives like `Handler`; while `hold` is set, the answer to DATA waits that many seconds.

    The message is recorded as soon as its data has arrived (the server has it), so a
    client killed while waiting for "250 OK" leaves a message on the server that the
    client never saw confirmed: the case the app must mark uncertain and never resend.
    `hold_from` holds only from the n-th message on (1-based); `delay` slows every answer.
    """

    hold: float = 0.0
    hold_from: int = 1
    delay: float = 0.0
    waiting: list[str] = field(default_factory=list)  # Message-IDs whose answer is being held

    async def handle_DATA(self, server, session, envelope):
        received = self._parse(envelope)
        self.messages.append(received)
        if self.hold and len(self.messages) >= self.hold_from:
            self.waiting.append(received["Message-ID"])
            await asyncio.sleep(self.hold)
        elif self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 OK queued"


@pytest.fixture
def ladder(db) -> dict[int, ReminderStage]:
    """The seeded stage ladder with its wording, also in a transactional test (whose flush removes it)."""
    ensure_stages()
    importlib.import_module("notifications.migrations.0003_stage_wording").fill(apps, None)
    return {s.offset_days: s for s in ReminderStage.objects.order_by("offset_days")}


@pytest.fixture
def slow_smtp(settings):
    server = SMTPServer()
    server.handler = SlowHandler()
    server.start()
    use_smtp_server(settings, server, timeout=30)
    yield server
    server.stop()


# The reminder settings of notifications/tests/conftest.py, as environment variables for a child process.
REMINDER_ENV = {
    "REMINDER_BUSINESS_DAYS": "true",
    "REMINDER_FIRST_RUN_REVIEW": "false",
    "REMINDER_THROTTLE_MS": "0",
    "REMINDER_BATCH_SIZE": "50",
    "REMINDER_MAX_ATTEMPTS": "3",
    "REMINDER_CLAIM_STALE_MINUTES": "10",
    "REMINDER_SYNC_MAX_AGE_HOURS": "12",
    "REMINDER_SMTP_TIMEOUT": "30",
    "REMINDER_FROM_EMAIL": "Windykacja <windykacja@firma.test>",
    "REMINDER_REPLY_TO": "ksiegowosc@firma.test",
    "REMINDER_CC": "archiwum@firma.test",
    "SELLER_NAME": "Firma Testowa Sp. z o.o.",
    "SELLER_ADDRESS": "ul. Prosta 1, 00-001 Warszawa",
    "SELLER_NIP": "5260250274",
    "SELLER_BANK_ACCOUNT": "PL61 1090 1014 0000 0712 1981 2874",
    "REMINDER_CONTACT_EMAIL": "ksiegowosc@firma.test",
    "REMINDER_CONTACT_PHONE": "+48 22 100 20 30",
}


def child_env(**extra: str) -> dict[str, str]:
    """Environment for `manage.py` in a child process, on this test's database."""
    db = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if not key.startswith(("REDIS_", "Q_", "EMAIL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="invoicetracker.settings",
        DEBUG="true",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **REMINDER_ENV,
    )
    env.update(extra)
    return env


@pytest.fixture
def manage() -> Callable[..., subprocess.Popen]:
    """Start `manage.py <args>` as a child process; every child still alive at teardown is killed."""
    children: list[subprocess.Popen] = []

    def start(*args: str, env: dict[str, str]) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        children.append(proc)
        return proc

    yield start
    for proc in children:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
