"""How fast do reminders go out, and in how many e-mails? 1,000 letters for 300 clients to a local
SMTP server (aiosmtpd on loopback), with digests (one e-mail per client a day) and without.

    .venv/bin/python bench/reminders_smtp.py [--count 1000] [--clients 300] [--batch-size 50] [--throttle-ms 0]
                                             [--digest on|off|both]

Builds `count` active cases spread over `clients` clients, each due for a rung today (+7, +14
or +21, the ladder's previous letter on the right day), a successful sync for the day, and runs
`reminders_send_due` against a real SMTP server on 127.0.0.1. Prints the letters, the e-mails
the server received, the SMTP connections it saw, the time and the letters per second.
Everything the run does is the production path: claim, render, SMTP dialogue, record.

The database comes from BENCH_DATABASE_URL (default: PostgreSQL `it_reminders_bench`),
emptied before each mode. The default throttle here is 0 so the figure is the app's own speed;
with REMINDER_THROTTLE_MS=100 (the setting's default) a run is capped at 10 e-mails a second.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/it_reminders_bench")

from _setup import setup_django

DAY = date(2026, 11, 16)  # a Monday; due 9.11 + 7
WARSAW = ZoneInfo("Europe/Warsaw")


class CountingHandler:
    def __init__(self) -> None:
        self.connections = 0
        self.messages = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        return "250 2.0.0 OK"


def build_world(count: int, clients_n: int, now: datetime) -> None:
    from django.utils import timezone

    from cases.models import Case, Client, Invoice, ReminderStage
    from syncstatus.models import SyncRun

    stages = {s.offset_days: s for s in ReminderStage.objects.all()}
    clients = Client.objects.bulk_create(
        Client(
            infakt_id=100000 + i,
            company_name=f"Kontrahent {i} Sp. z o.o.",
            nip="5261040828",
            emails=[f"biuro{i}@kontrahent.test"],
            email_raw=f"biuro{i}@kontrahent.test",
            has_usable_email=True,
            street="Długa",
            street_number=str(i),
            postal_code="00-950",
            city="Warszawa",
        )
        for i in range(clients_n)
    )
    rungs = [7, 14, 21]  # each letter due today by the ladder: its rung's day, 7 days after the previous letter
    invoices = []
    for i in range(count):
        offset = rungs[i % len(rungs)]
        due = DAY - timedelta(days=offset)
        client = clients[i % clients_n]
        invoices.append(
            Invoice(
                infakt_id=200000 + i,
                uuid=f"bench-{i}",
                number=f"FV {i}/11/2026",
                status=Invoice.Status.SENT,
                issue_date=due - timedelta(days=14),
                due_date=due,
                gross=123456 + i,
                left_to_pay=123456 + i,
                client=client,
                client_infakt_id=client.infakt_id,
                last_seen_at=timezone.now(),
            )
        )
    invoices = Invoice.objects.bulk_create(invoices)
    started = now - timedelta(minutes=30)
    cases = []
    for i, invoice in enumerate(invoices):
        offset = rungs[i % len(rungs)]
        previous = offset - 7 if offset > 7 else None
        cases.append(
            Case(
                invoice=invoice,
                opened_at=started - timedelta(days=40),
                last_refreshed_at=started,
                last_stage_offset=previous if previous is not None else -1,
                last_letter_on=DAY - timedelta(days=7) if previous is not None else None,
                last_letter_offset=previous,
                next_stage=stages[offset],
                next_reminder_date=DAY,
            )
        )
    Case.objects.bulk_create(cases)
    SyncRun.objects.create(
        kind=SyncRun.Kind.DAILY,
        target_date=DAY,
        started_at=started,
        heartbeat_at=started,
        finished_at=started + timedelta(minutes=2),
        status=SyncRun.Status.SUCCESS,
    )


def run_mode(args, digest: bool) -> dict:
    import _setup
    from aiosmtpd.controller import Controller
    from django.conf import settings

    from notifications.models import Notification
    from notifications.services import reminders_send_due

    _setup._empty()
    now = datetime(DAY.year, DAY.month, DAY.day, 7, 0, tzinfo=WARSAW)
    build_world(args.count, args.clients, now)
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.REMINDER_THROTTLE_MS = args.throttle_ms
    settings.REMINDER_DIGEST = digest
    settings.REMINDER_FIRST_RUN_REVIEW = False
    settings.SELLER_NAME = "Firma Benchmark Sp. z o.o."
    settings.SELLER_BANK_ACCOUNT = "PL61 1090 1014 0000 0712 1981 2874"
    try:
        began = time.perf_counter()
        report = reminders_send_due(day=DAY, now=now, batch_size=args.batch_size)
        elapsed = time.perf_counter() - began
    finally:
        controller.stop()
    sent_rows = Notification.objects.filter(status=Notification.Status.SENT).count()
    return {
        "mode": "digest" if digest else "one per invoice",
        "letters": report.sent,
        "logged": sent_rows,
        "failed": report.failed,
        "emails": handler.messages,
        "connections": handler.connections,
        "seconds": elapsed,
        "letters_per_second": report.sent / elapsed,
        "emails_per_second": handler.messages / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--throttle-ms", type=int, default=0)
    parser.add_argument("--digest", choices=["on", "off", "both"], default="both")
    args = parser.parse_args()

    setup_django()
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    logging.getLogger("invoicetracker.reminders").setLevel(logging.WARNING)

    modes = {"on": [True], "off": [False], "both": [True, False]}[args.digest]
    print(
        f"{args.count} letters due for {args.clients} clients; "
        f"batch size {args.batch_size}, throttle {args.throttle_ms} ms"
    )
    print(f"{'mode':<18}{'letters':>8}{'e-mails':>9}{'SMTP conn.':>11}{'seconds':>9}{'letters/s':>11}{'e-mails/s':>11}")
    for digest in modes:
        r = run_mode(args, digest)
        assert r["logged"] == r["letters"], r
        print(
            f"{r['mode']:<18}{r['letters']:>8}{r['emails']:>9}{r['connections']:>11}{r['seconds']:>9.2f}"
            f"{r['letters_per_second']:>11.1f}{r['emails_per_second']:>11.1f}"
        )


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
