"""A month of reminders: how many e-mails, and how many at most to one address in one day, with
digests (one e-mail per client a day) and without. Prints figures; asserts nothing.

    .venv/bin/python bench/reminders_month.py [--days 30] [--clients 300] [--invoices 2000]

The same world as `bench/sync_requests.py` part 1 (the bundled simulator, half the invoices on
day one - the backfill - and the rest issued day by day, customers paying per their seeded
habits), each morning the daily sync then `reminders_send_due`; e-mail to Django's in-memory
backend, read back with its headers (`X-InvoiceTracker-Items`). "Shared inbox-day": the share of
e-mails that went to an address which got more than one that day (several InFakt clients can share
an address, e.g. one accounting office).
"""

from __future__ import annotations

import argparse
import os
import random
from collections import Counter
from datetime import date, datetime
from datetime import time as dtime

from _setup import setup_django


def month(days: int, clients: int, invoices: int, digest: bool) -> dict:
    import _setup
    import time_machine
    from django.conf import settings
    from django.core import mail

    from cases.models import Invoice
    from common.calendar import WARSAW
    from infakt.client import InfaktAPI
    from infakt_simulator.demo import build_demo_world
    from infakt_simulator.testing import running_simulator
    from notifications.services import reminders_send_due
    from syncstatus.services import sync_run

    _setup._empty()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REMINDER_DIGEST = digest
    settings.REMINDER_FIRST_RUN_REVIEW = False
    settings.REMINDER_THROTTLE_MS = 0
    mail.outbox = []
    start = date(2026, 10, 1)
    world = build_demo_world(seed=2026, today=start, clients=clients, invoices=invoices // 2)
    rng = random.Random(2026)
    client_ids = [c["id"] for c in world.all_clients()]
    per_day = (invoices - invoices // 2) / days
    issued_float = 0.0
    per_address_day: Counter = Counter()
    per_client_day: Counter = Counter()
    client_of: dict[int, int] = {}
    letters = 0
    with running_simulator(world) as sim:
        api = InfaktAPI(sim.api_key, sim.base_url, sleep=lambda s: None)
        for day_no in range(days + 1):
            if day_no:
                world.advance(1, auto_pay=True)
                issued_float += per_day
                while issued_float >= 1:
                    issued_float -= 1
                    world.add_invoice(rng.choice(client_ids), invoice_date=world.today,
                                      net_price=rng.randint(5_000, 2_000_000))  # fmt: skip
            today = world.today
            before = len(mail.outbox)
            with time_machine.travel(datetime.combine(today, dtime(6), tzinfo=WARSAW), tick=True):
                sync_run(target_date=today, api=api)
                reminders_send_due(day=today)
            for message in mail.outbox[before:]:
                ids = [int(p.split(":")[0]) for p in message.extra_headers["X-InvoiceTracker-Items"].split(",")]
                letters += len(ids)
                missing = [i for i in ids if i not in client_of]
                if missing:
                    rows = Invoice.objects.filter(infakt_id__in=missing).values_list("infakt_id", "client_id")
                    client_of.update(rows)
                for client_id in {client_of[i] for i in ids}:
                    per_client_day[(client_id, today)] += 1
                for address in message.to:
                    per_address_day[(address, today)] += 1
    emails = sum(per_address_day.values())
    crowded = sum(n for n in per_address_day.values() if n > 1)
    return {
        "mode": "digest" if digest else "one per invoice",
        "letters": letters,
        "emails": len(mail.outbox),
        "max_per_address_day": max(per_address_day.values(), default=0),
        "max_per_client_day": max(per_client_day.values(), default=0),
        "share_in_crowded_inbox": crowded / emails if emails else 0.0,
    }


def main() -> None:
    os.environ.setdefault("REMINDER_THROTTLE_MS", "0")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--invoices", type=int, default=2000)
    args = parser.parse_args()
    setup_django()
    import logging

    logging.disable(logging.WARNING)
    print(f"{args.days} days, {args.clients} clients, {args.invoices} invoices (half of them on day one)")
    print(
        f"{'mode':<18}{'letters':>8}{'e-mails':>9}{'max to a client a day':>23}{'max to an address a day':>25}"
        f"{'e-mails in a shared inbox-day':>31}"
    )
    for digest in (True, False):
        r = month(args.days, args.clients, args.invoices, digest)
        print(
            f"{r['mode']:<18}{r['letters']:>8}{r['emails']:>9}{r['max_per_client_day']:>23}"
            f"{r['max_per_address_day']:>25}{r['share_in_crowded_inbox']:>30.0%}"
        )


if __name__ == "__main__":
    main()
