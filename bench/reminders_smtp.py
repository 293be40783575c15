"""How fast do reminders go out? 1,000 reminders to a local SMTP server (aiosmtpd on loopback).

    .venv/bin/python bench/reminders_smtp.py [--count 1000] [--batch-size 50] [--throttle-ms 0]

Builds `count` active cases due for their +7 stage, a successful sync for the day, and
runs `reminders_send_due` against a real SMTP server on 127.0.0.1. Prints the time, the
messages per second and the SMTP connections used (as the server saw them). Everything
the run does is the production path: claim, render, SMTP dialogue, record.

The database comes from BENCH_DATABASE_URL (default: PostgreSQL `it_reminders_bench`),
emptied first. The default throttle here is 0 so the figure is the app's own speed;
with REMINDER_THROTTLE_MS=100 (the setting's default) a run is capped at 10 messages a second.
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


def build_world(count: int, now: datetime) -> None:
    from django.utils import timezone

    from cases.models import Case, Client, Invoice, ReminderStage
    from syncstatus.models import SyncRun

    stages = {s.offset_days: s for s in ReminderStage.objects.all()}
    due = DAY - timedelta(days=7)
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
        for i in range(count)
    )
    invoices = Invoice.objects.bulk_create(
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
        for i, client in enumerate(clients)
    )
    started = now - timedelta(minutes=30)
    Case.objects.bulk_create(
        Case(
            invoice=invoice,
            opened_at=started - timedelta(days=9),
            last_refreshed_at=started,
            last_stage_offset=-1,
            next_stage=stages[7],
            next_reminder_date=DAY,
        )
        for invoice in invoices
    )
    SyncRun.objects.create(
        kind=SyncRun.Kind.DAILY,
        target_date=DAY,
        started_at=started,
        heartbeat_at=started,
        finished_at=started + timedelta(minutes=2),
        status=SyncRun.Status.SUCCESS,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--throttle-ms", type=int, default=0)
    args = parser.parse_args()

    setup_django()
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    logging.getLogger("invoicetracker.reminders").setLevel(logging.WARNING)

    from aiosmtpd.controller import Controller
    from django.conf import settings

    from notifications.models import Notification
    from notifications.services import reminders_send_due

    now = datetime(DAY.year, DAY.month, DAY.day, 7, 0, tzinfo=WARSAW)
    build_world(args.count, now)

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.REMINDER_THROTTLE_MS = args.throttle_ms
    settings.SELLER_NAME = "Firma Benchmark Sp. z o.o."
    settings.SELLER_BANK_ACCOUNT = "PL61 1090 1014 0000 0712 1981 2874"

    try:
        began = time.perf_counter()
        report = reminders_send_due(day=DAY, now=now, batch_size=args.batch_size)
        elapsed = time.perf_counter() - began
    finally:
        controller.stop()

    sent_rows = Notification.objects.filter(status=Notification.Status.SENT).count()
    print(f"reminders:          {args.count} due, {report.sent} sent ({sent_rows} logged sent), {report.failed} failed")
    print(f"batch size:         {args.batch_size}, throttle {args.throttle_ms} ms")
    print(f"time:               {elapsed:.2f} s")
    print(f"messages/second:    {report.sent / elapsed:.1f}")
    print(f"SMTP connections:   {handler.connections} (server), {report.smtp_connections} (report)")
    print(f"messages received:  {handler.messages}")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
