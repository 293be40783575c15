"""How many InFakt requests does the sync spend? Prints figures; asserts nothing.

    .venv/bin/python bench/sync_requests.py [--days 30] [--clients 300] [--invoices 2000] [--bulk 10000]
                                            [--receivables]

Part 1 simulates a month on the bundled simulator: a world of `clients` buyers and
`invoices` invoices (half exist on day one, the rest are issued day by day),
customers paying day by day per their seeded habits, and each morning the daily
sync followed by the reminders (e-mail to Django's in-memory backend). It prints the GET requests the sync used against

* the lower bound: for each day, the fewest list pages that return the records
  that had to be read through the filters InFakt offers (a due-date range per
  query): unpaid invoices due on the dates of new and due cases (an optimal
  cover computed on the simulator's exact counts), invoices paid since the last
  run, the late-issue probe, and the client records needed (one GET each or list
  pages, whichever is fewer). The "ignoring filters" figure, ceil(records/100)
  per day, is printed too;
* a per-case method: one invoice GET per active case per day, one client GET per
  new invoice, plus the list pages that find new invoices.

It also prints the month's GETs per InFakt endpoint (/invoices.json, the other receivable
endpoints, clients). `--receivables` adds the seeded documents of every other kind (corrections,
final, advance, margin, OSS) to the world; without it the world is the VAT-only one the figure
before issue 11 (280 GETs) was measured on.

Part 2 opens `bulk` new cases in one run and prints the app's own time per
invoice beyond the time spent waiting for HTTP.
"""

from __future__ import annotations

import argparse
import math
import os
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


def cover_cost(needed: set[date], counts: dict[date, int]) -> int:
    """The fewest list pages that return every invoice due on the needed dates (exact counts)."""
    from syncstatus.services import plan_ranges

    ranges = plan_ranges(needed, counts)
    return sum(pages(sum(n for d, n in counts.items() if lo <= d <= hi)) for lo, hi in ranges)


def endpoint_of_kind(kind: str) -> str:
    """The InFakt endpoint a request kind went to ("invoice_list" -> "/invoices.json")."""
    if kind.startswith("invoice_"):
        return "/invoices.json"
    if kind.startswith("client_"):
        return "/clients.json, /clients/{id}.json"
    return "/" + kind.rsplit("_", 1)[0] + ".json"


def month(days: int, clients: int, invoices: int, receivables: bool = False) -> None:
    import time_machine

    from cases.models import Case
    from common.calendar import WARSAW
    from infakt.client import InfaktAPI
    from infakt_simulator.demo import build_demo_world
    from infakt_simulator.testing import running_simulator
    from notifications.services import reminders_send_due
    from syncstatus.models import SyncRun
    from syncstatus.services import sync_run

    start = date(2026, 10, 1)
    world = build_demo_world(seed=2026, today=start, clients=clients, invoices=invoices // 2, receivables=receivables)
    rng = random.Random(2026)
    client_ids = [c["id"] for c in world.all_clients()]
    per_day = (invoices - invoices // 2) / days
    issued_float = 0.0

    used = lower = ideal = per_case = emails = 0
    by_kind: dict[str, int] = {}
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
            previous = SyncRun.objects.filter(status="success").order_by("-window_end").first()
            active = Case.objects.filter(status=Case.Status.ACTIVE)
            active_before = active.count()
            due_dates = set(active.filter(next_reminder_date__lte=today).values_list("invoice__due_date", flat=True))
            due_before = active.filter(next_reminder_date__lte=today).count()
            # What InFakt holds right now, as its filters would return it.
            unpaid_by_due: dict[date, int] = {}
            paid_since = 0
            for inv in world.all_invoices():
                if inv.get("paid_date") is None and inv.get("payment_date"):
                    due = date.fromisoformat(inv["payment_date"])
                    unpaid_by_due[due] = unpaid_by_due.get(due, 0) + 1
                elif previous and inv.get("paid_date") and inv["paid_date"] >= str(previous.target_date - timedelta(1)):
                    paid_since += 1
            with time_machine.travel(datetime.combine(today, dtime(6), tzinfo=WARSAW), tick=True):
                run = sync_run(target_date=today, api=api)
                sent = reminders_send_due(day=today)  # the morning's reminders move each case to its next stage
            emails += sent.sent
            for kind, n in run.api_requests_by_kind.items():
                by_kind[kind] = by_kind.get(kind, 0) + n
            window = {run.window_start + timedelta(days=i + 1) for i in range((run.window_end - run.window_start).days)}
            # The questions every daily run must ask, each at its fewest pages through InFakt's filters:
            # unpaid invoices due on the needed dates; invoices paid since the last run; unpaid ones issued late;
            # and the client records needed (one GET each or list pages, whichever is fewer).
            lb = cover_cost(due_dates | window, unpaid_by_due)
            if previous:
                lb += pages(paid_since) + 1
            if run.clients_fetched:
                lb += min(run.clients_fetched, pages(clients))
            ideal += pages(due_before + run.cases_opened) + (1 if previous else 0)
            pc = active_before + run.cases_opened + pages(run.cases_opened)
            used += run.api_requests
            lower += lb
            per_case += pc
            rows.append((today, run.cases_opened, due_before, paid_since, run.cases_closed, run.api_requests, lb, pc))

    print(f"Part 1: {days} days, {clients} clients, {len(world.all_invoices())} invoices at the end")
    print(f"{'day':<11}{'opened':>7}{'due':>6}{'paid':>6}{'closed':>7}{'GETs':>6}{'bound':>7}{'per-case':>9}")
    for r in rows:
        print(f"{r[0]!s:<11}{r[1]:>7}{r[2]:>6}{r[3]:>6}{r[4]:>7}{r[5]:>6}{r[6]:>7}{r[7]:>9}")
    print(f"reminder e-mails sent:             {emails}")
    print(f"GET requests used by the sync:     {used}  ({', '.join(f'{k} {v}' for k, v in sorted(by_kind.items()))})")
    print(f"lower bound (pages needed):        {lower}   -> used / bound = {used / lower:.2f}")
    print(f"  (ignoring how InFakt can filter: {ideal} pages -> used / that = {used / ideal:.2f})")
    print(f"per-case method would use:         {per_case}   -> per-case / used = {per_case / used:.1f}x")
    by_endpoint: dict[str, int] = {}
    for kind, n in by_kind.items():
        by_endpoint[endpoint_of_kind(kind)] = by_endpoint.get(endpoint_of_kind(kind), 0) + n
    print("GETs this month per endpoint:")
    for endpoint, n in sorted(by_endpoint.items(), key=lambda item: -item[1]):
        print(f"  {endpoint:<40}{n:>6}")


def bulk(count: int) -> None:
    import time_machine

    from cases.models import Case
    from common.calendar import WARSAW
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
    os.environ.setdefault("REMINDER_THROTTLE_MS", "0")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--receivables", action="store_true", help="seed corrections, final, advance, margin, OSS")
    args = parser.parse_args()
    setup_django()
    import logging

    logging.disable(logging.WARNING)
    if args.days:
        month(args.days, args.clients, args.invoices, args.receivables)
    if args.bulk:
        setup_django()
        bulk(args.bulk)


if __name__ == "__main__":
    main()
