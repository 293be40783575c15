"""SMTP: one connection per batch, and an honest answer per message (sent, refused, or maybe sent).

With Django's SMTP backend the dialogue is driven here, so a refusal before or at the end of
DATA (nothing delivered: `failed`) is told apart from a connection lost while the message was
in flight (maybe delivered: `uncertain`). A connection that never opened (server down, refused,
timeout before the greeting) is `failed` with `attempted=False`: it does not count as an attempt.

Outside DEBUG, a backend that does not deliver (console, file, dummy) never records a reminder
as sent: `deliver` refuses it (and `check --deploy` refuses such a configuration).
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

from ..models import Notification

log = logging.getLogger("invoicetracker.reminders")

Status = Notification.Status
ConnectionFactory = Callable[[], BaseEmailBackend]

# Backends that only print or store the message: fine for DEBUG and tests, never "sent" in production.
NON_DELIVERING_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
)


@dataclass(frozen=True)
class Delivery:
    status: str  # Status.SENT, Status.FAILED or Status.UNCERTAIN
    error: str = ""
    attempted: bool = True  # False: no connection could be opened; not an attempt


def default_connection() -> BaseEmailBackend:
    return get_connection(fail_silently=False, timeout=settings.REMINDER_SMTP_TIMEOUT)


def backend_delivers(backend: BaseEmailBackend) -> bool:
    """False for the console/file/dummy backends outside DEBUG (and outside tests)."""
    path = f"{type(backend).__module__}.{type(backend).__name__}"
    if path not in NON_DELIVERING_BACKENDS:
        return True
    return settings.DEBUG or getattr(settings, "TESTING", False)


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


class Sender:
    """One SMTP connection for a batch; reconnects once if the server drops it."""

    def __init__(self, factory: ConnectionFactory | None, report, *, down: list[str] | None = None):
        self.factory = factory or default_connection
        self.report = report
        self.backend: BaseEmailBackend | None = None
        self.down = down if down is not None else []  # shared across batches: SMTP could not be reached
        self.opened = False
        self.reconnects = 1

    def _open(self) -> str:
        try:
            backend = self.factory()
            backend.open()
        except Exception as exc:
            log.warning("SMTP connection failed: %s", exc)
            return describe(exc)
        self.backend = backend
        self.opened = True
        self.report.smtp_connections += 1
        return ""

    def ensure_open(self) -> str:
        """Open the connection now if needed; the error text when the server cannot be reached."""
        if self.backend is not None:
            return ""
        if self.down:
            return self.down[0]
        error = self._open()
        if error:
            self.down.append(error)
        return error

    def _drop(self) -> None:
        self.close()
        self.backend = None

    def close(self) -> None:
        if self.backend is not None:
            with contextlib.suppress(Exception):  # a failing QUIT changes nothing that was sent
                self.backend.close()

    def deliver(self, message) -> Delivery:
        if self.backend is None:
            if self.down:
                return Delivery(Status.FAILED, f"Serwer SMTP niedostępny: {self.down[0]}", attempted=False)
            if self.opened:
                if self.reconnects <= 0:
                    return Delivery(Status.FAILED, "Serwer SMTP ponownie zerwał połączenie.", attempted=False)
                self.reconnects -= 1
            error = self._open()
            if error:
                self.down.append(error)
                return Delivery(Status.FAILED, f"Serwer SMTP niedostępny: {error}", attempted=False)
        if isinstance(self.backend, SMTPBackend):
            return self._smtp(message)
        if not backend_delivers(self.backend):
            return Delivery(
                Status.FAILED,
                "Skonfigurowany backend poczty nie wysyła e-maili (EMAIL_URL nie jest ustawiony?); "
                "przypomnienie nie zostało wysłane.",
                attempted=False,
            )
        try:
            count = self.backend.send_messages([message])
        except Exception as exc:
            return Delivery(Status.FAILED, describe(exc))
        return Delivery(Status.SENT) if count else Delivery(Status.FAILED, "Backend nie wysłał wiadomości.")

    def _smtp(self, message) -> Delivery:
        smtp: smtplib.SMTP = self.backend.connection
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in message.recipients()]
        data = message.message().as_bytes(linesep="\r\n")
        refused: dict[str, str] = {}
        try:
            smtp.ehlo_or_helo_if_needed()
            code, answer = smtp.mail(sender)
            if code != 250:
                self._after_refusal(smtp, code)
                return Delivery(Status.FAILED, f"MAIL FROM odrzucone: {code} {answer.decode(errors='replace')}")
            for address in recipients:
                code, answer = smtp.rcpt(address)
                if code not in (250, 251):
                    refused[address] = f"{code} {answer.decode(errors='replace')}"
            if len(refused) == len(recipients):
                self._after_refusal(smtp, 0)
                return Delivery(Status.FAILED, f"Odbiorcy odrzuceni: {refused}")
        except (smtplib.SMTPException, OSError) as exc:
            # Nothing went past the envelope: the message was certainly not delivered.
            self._drop()
            return Delivery(Status.FAILED, describe(exc))
        try:
            code, answer = smtp.data(data)
        except smtplib.SMTPDataError as exc:
            self._after_refusal(smtp, exc.smtp_code)
            return Delivery(Status.FAILED, describe(exc))
        except (smtplib.SMTPException, OSError) as exc:
            # The data may have reached the server: never resend automatically.
            self._drop()
            return Delivery(Status.UNCERTAIN, describe(exc))
        if code != 250:
            self._after_refusal(smtp, code)
            return Delivery(Status.FAILED, f"DATA odrzucone: {code} {answer.decode(errors='replace')}")
        note = f"Część odbiorców odrzucona: {refused}" if refused else ""
        return Delivery(Status.SENT, note)

    def _after_refusal(self, smtp: smtplib.SMTP, code: int) -> None:
        if code == 421:  # the server is closing the connection
            self._drop()
            return
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()
