"""How many InFakt requests does the sync spend? Prints figures; asserts nothing.

    .venv/bin/python bench/sync_requests.py [--days 30] [--clients 300] [--invoices 2000] [--bulk 10000]

Part 1 simulates a month on the bundled simulator: a world of `clients` buyers and
`invoices` invoices (half exist on day one, the rest are issued day by day),
customers paying day by day per their seeded habits, and one daily sync each
morning. It prints the GET requests the sync used against

* the lower bound: for each day, the list pages needed to read the records that
  had to be read (new invoices entering the window, active cases due for a
  reminder, invoices paid since the last run), at least one page per question
  the day must ask (what is new or due, what was paid), plus the client records
  needed (one GET each or list pages, whichever is fewer);
* a per-case method: one invoice GET per active case per day, one client GET per
  new invoice, plus the list pages that find new invoices.

Part 2 opens `bulk` new cases in one run and prints the app's own time per
invoice beyond the time spent waiting for HTTP.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime

from _setup import setup_django

PAGE = 100


def pages(n: int, *, at_least: int = 1) -> int:
    return max(at_least, math.ceil(n / PAGE))


class TimedSession:
    """A requests.Session that adds up the wall time spent in HTTP."""

    def __new__(cls):
        import requests

        class _Timed(requests.Session):
            http_seconds = 0.0

            def request(self, *args, **kwargs):
                started = time.perf_counter()
                try:
                    return super().request(*args, **kwargs)
                finally:
                    type(self).http_seconds += time.perf_counter() - started

        return _Timed()


def month(days: int, clients: int, invoices: int) -> None:
    import time_machine

    from cases.calendar import WARSAW
    from cases.models import Case
    from infakt.client import InfaktAPI
    from infakt_simulator.demo import build_demo_world
    from infakt_simulator.testing import running_simulator
    from syncstatus.services import sync_run

    start = date(2026, 10, 1)
    world = build_demo_world(seed=2026, today=start, clients=clients, invoices=invoices // 2)
    rng = random.Random(2026)
    client_ids = [c["id"] for c in world.all_clients()]
    per_day = (invoices - invoices // 2) / days
    issued_float = 0.0

    used = lower = per_case = 0
    rows = []
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
            active_before = Case.objects.filter(status=Case.Status.ACTIVE).count()
            due_before = set(
                Case.objects.filter(status=Case.Status.ACTIVE, next_reminder_date__lte=today).values_list(
                    "invoice__infakt_id", flat=True
                )
            )
            tracked = set(Case.objects.filter(status=Case.Status.ACTIVE).values_list("invoice__infakt_id", flat=True))
            paid_today = {
                inv["id"] for inv in world.all_invoices() if inv.get("paid_date") == today.isoformat()
            } & tracked
            known_clients = set(Case.objects.values_list("invoice__client__infakt_id", flat=True).distinct())
            with time_machine.travel(datetime.combine(today, dtime(6), tzinfo=WARSAW), tick=True):
                run = sync_run(target_date=today, api=api)
            opened = run.cases_opened
            new_clients = len(
                set(Case.objects.values_list("invoice__client__infakt_id", flat=True).distinct()) - known_clients
            )
            need_window = len(due_before) + opened
            lb = pages(need_window) + (pages(len(paid_today)) if day_no else 0) + min(new_clients, pages(clients))
            pc = active_before + opened + pages(opened)
            used += run.api_requests
            lower += lb
            per_case += pc
            rows.append((today, opened, len(due_before), len(paid_today), run.cases_closed, run.api_requests, lb, pc))

    print(f"Part 1: {days} days, {clients} clients, {len(world.all_invoices())} invoices at the end")
    print(f"{'day':<11}{'opened':>7}{'due':>6}{'paid':>6}{'closed':>7}{'GETs':>6}{'bound':>7}{'per-case':>9}")
    for r in rows:
        print(f"{r[0]!s:<11}{r[1]:>7}{r[2]:>6}{r[3]:>6}{r[4]:>7}{r[5]:>6}{r[6]:>7}{r[7]:>9}")
    print(f"GET requests used by the sync:     {used}")
    print(f"lower bound (pages needed):        {lower}   -> used / bound = {used / lower:.2f}")
    print(f"per-case method would use:         {per_case}   -> per-case / used = {per_case / used:.1f}x")


def bulk(count: int) -> None:
    import time_machine

    from cases.calendar import WARSAW
    from cases.models import Case
    from infakt.client import InfaktAPI
    from infakt_simulator.demo import build_demo_world
    from infakt_simulator.testing import running_simulator
    from syncstatus.services import sync_run

    today = date(2026, 11, 25)
    world = build_demo_world(seed=5, today=today, clients=300, invoices=0)
    rng = random.Random(5)
    client_ids = [c["id"] for c in world.all_clients()]
    for _ in range(count):
        due = today + timedelta(days=rng.randint(-30, 2))
        net = rng.randint(5_000, 900_000)
        issued = today - timedelta(days=14)
        world.add_invoice(rng.choice(client_ids), invoice_date=issued, payment_date=due, net_price=net)
    with running_simulator(world) as sim:
        session = TimedSession()
        api = InfaktAPI(sim.api_key, sim.base_url, sleep=lambda s: None, session=session, max_get_per_minute=300)
        started = time.perf_counter()
        with time_machine.travel(datetime.combine(today, dtime(6), tzinfo=WARSAW), tick=True):
            run = sync_run(target_date=today, api=api)
        total = time.perf_counter() - started
    http = type(session).http_seconds
    app = total - http
    print(f"\nPart 2: {count} new invoices in one run")
    print(f"cases opened: {run.cases_opened} ({Case.objects.count()} in the database), requests: {run.api_requests}")
    print(f"total {total:.1f} s, HTTP {http:.1f} s, app {app:.1f} s -> {app / count * 1000:.2f} ms per invoice")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--bulk", type=int, default=10_000)
    args = parser.parse_args()
    setup_django()
    import logging

    logging.disable(logging.WARNING)
    if args.days:
        month(args.days, args.clients, args.invoices)
    if args.bulk:
        setup_django()
        bulk(args.bulk)


if __name__ == "__main__":
    main()
