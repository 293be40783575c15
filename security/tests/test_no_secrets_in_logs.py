"""The InFakt API key and the SMTP password never show up: not in any log record (every logger at
DEBUG, django-q2, requests and urllib3 included), not on stderr, not in SyncRun.error,
ReminderRun.error, Notification.error, django-q2 task results, nor in exception messages.

A real day: the scheduled task (through django-q2's worker) syncs against the InFakt simulator
over HTTP and sends the reminders through a real SMTP server (aiosmtpd) that requires a login,
first with a wrong password (the sends fail), then with the right one; then syncs that fail
(InFakt answering 500, then refusing a wrong key).
"""

from __future__ import annotations

import base64
import logging
import secrets
import traceback

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django_q.models import Task
from django_q.tasks import async_task

from common.logs import JsonFormatter, PlainFormatter, RunContextFilter
from infakt_simulator.demo import build_demo_world
from infakt_simulator.testing import running_simulator
from notifications.models import Notification, ReminderRun
from notifications.tests.conftest import Handler, free_port
from syncstatus.models import SkippedRecord, SyncRun
from syncstatus.services import SyncFailed, sync_run
from syncstatus.tests.conftest import START, morning

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

INFAKT_KEY = "ik-live-" + secrets.token_hex(20)
WRONG_INFAKT_KEY = "ik-old-" + secrets.token_hex(20)
SMTP_USER = "windykacja@firma.test"
SMTP_PASSWORD = "Smtp-" + secrets.token_urlsafe(18)
WRONG_SMTP_PASSWORD = "Smtp-old-" + secrets.token_urlsafe(18)
SECRETS = [INFAKT_KEY, WRONG_INFAKT_KEY, SMTP_PASSWORD, WRONG_SMTP_PASSWORD]


def forms_of(secret: str) -> list[str]:
    """The secret and the encodings it could travel in (SMTP AUTH is base64)."""
    user_pass = f"\0{SMTP_USER}\0{secret}".encode()
    return [
        secret,
        base64.b64encode(secret.encode()).decode(),
        base64.b64encode(user_pass).decode(),
        secret.encode().hex(),
    ]


class AuthHandler(Handler):
    def __init__(self) -> None:
        super().__init__()
        self.logins: list[tuple[str, bool]] = []


class AuthSMTP:
    """aiosmtpd on loopback that demands AUTH (without TLS: loopback only, in a test)."""

    def __init__(self) -> None:
        self.handler = AuthHandler()
        self.port = free_port()
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self.authenticate,
            auth_required=True,
            auth_require_tls=False,
        )

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == SMTP_USER
            and auth_data.password.decode() == SMTP_PASSWORD
        )
        self.handler.logins.append((mechanism, ok))
        return AuthResult(success=ok)


@pytest.fixture
def smtp(settings):
    server = AuthSMTP()
    server.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = SMTP_USER
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.REMINDER_SMTP_TIMEOUT = 5
    settings.REMINDER_THROTTLE_MS = 0
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_FROM_EMAIL = "Windykacja <windykacja@firma.test>"
    yield server
    server.controller.stop()


@pytest.fixture
def everything_logged(caplog):
    """Every logger at DEBUG, and the project's own console filter + both formatters applied."""
    caplog.set_level(logging.DEBUG)
    for name in ["django-q", "django_q", "requests", "urllib3", "infakt", "invoicetracker", "django"]:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_secrets_never_appear_in_logs_records_or_errors(settings, smtp, everything_logged, capsys):
    world = build_demo_world(seed=7, today=START, clients=30, invoices=160)
    raised: list[BaseException] = []
    with running_simulator(world, api_key=INFAKT_KEY) as sim:
        settings.INFAKT_API_KEY = INFAKT_KEY
        settings.INFAKT_BASE_URL = sim.base_url
        settings.INFAKT_MAX_RETRIES = 0
        with time_machine.travel(morning(world.today), tick=True):
            # 1. The scheduled morning task, through django-q2's worker: sync, then reminders (wrong password).
            settings.EMAIL_HOST_PASSWORD = WRONG_SMTP_PASSWORD
            async_task("syncstatus.tasks.daily_sync", sync=True)
            first = SyncRun.objects.get()
            assert first.status == SyncRun.Status.SUCCESS, first.error
            # The login was refused before anything was sent: not an attempt, the letters stay due,
            # and the run records why (issue 10).
            assert ReminderRun.objects.exclude(error="").filter(failed__gt=0).exists()
            # 2. The reminders again with the right password: the failed sends go out.
            settings.EMAIL_HOST_PASSWORD = SMTP_PASSWORD
            async_task("notifications.tasks.reminders_send_due", world.today.isoformat(), sync=True)
            assert Notification.objects.filter(status=Notification.Status.SENT).exists()
            assert smtp.handler.messages
            assert (("PLAIN", True) in smtp.handler.logins) or (("LOGIN", True) in smtp.handler.logins)
            assert any(not ok for _mech, ok in smtp.handler.logins)
            # 3. Syncs that fail: InFakt answering 500, then refusing a key.
            sim.control("POST", "/faults", {"status": 500, "count": 20})
            with pytest.raises(SyncFailed) as failed:
                sync_run(target_date=world.today, kind=SyncRun.Kind.DAILY)
            raised.append(failed.value)
            sim.control("DELETE", "/faults")
            settings.INFAKT_API_KEY = WRONG_INFAKT_KEY
            with pytest.raises(SyncFailed) as refused:
                sync_run(target_date=world.today, kind=SyncRun.Kind.DAILY)
            raised.append(refused.value)

    assert SyncRun.objects.filter(status=SyncRun.Status.FAILED).count() == 2
    assert all(run.error for run in SyncRun.objects.filter(status=SyncRun.Status.FAILED))
    assert ReminderRun.objects.exclude(error="").exists()

    texts: list[str] = []
    plain, as_json, context = PlainFormatter(), JsonFormatter(), RunContextFilter()
    for record in everything_logged.records:
        if record.name.startswith("mail.log"):
            continue  # the test SMTP server's own log (the other side of the wire), not the app's
        context.filter(record)
        texts += [record.getMessage(), repr(record.args), plain.format(record), as_json.format(record)]
    captured = capsys.readouterr()
    texts += [captured.out, captured.err]
    texts += [run.error for run in SyncRun.objects.all()]
    texts += list(SkippedRecord.objects.values_list("reason", flat=True))
    texts += [run.error + run.held_reason for run in ReminderRun.objects.all()]
    texts += [n.error + n.note if hasattr(n, "note") else n.error for n in Notification.objects.all()]
    texts += [str(task.result) for task in Task.objects.all()]
    for exc in raised:
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        if exc.__cause__ is not None:
            texts.append(str(exc.__cause__))

    assert len(everything_logged.records) > 20, "the scenario logged (DEBUG included)"
    assert any(r.name.startswith("urllib3") for r in everything_logged.records)
    assert any(r.name == "django-q" for r in everything_logged.records)
    blob = "\n".join(texts)
    for secret in SECRETS:
        for form in forms_of(secret):
            assert form not in blob, f"a secret ({secret[:6]}…) leaked"
