"""Benchmark the case list pages (admin changelist and /cases/) at 1,000 and 100,000 cases.

    .venv/bin/python bench/pages.py                       # 1,000 and 100,000 cases, 30 rounds
    .venv/bin/python bench/pages.py --sizes 1000 100000 --repeat 40
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/it_bench .venv/bin/python bench/pages.py

Each size gets its own PostgreSQL database (<name>_1000, <name>_100000; created when
missing, case tables emptied and refilled with bulk_create). Requests go through
Django's test client (routing, middleware, session, queries, template rendering),
logged in as a superuser. The sizes are measured in alternation, request by request,
so both see the same machine load. For each page it prints the SQL queries and rows
per request, the median and p95 wall time, and the p95 ratio largest/smallest size.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/it_bench")
os.environ.setdefault("INVOICETRACKER_TESTING", "true")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

CURRENT = {"alias": "default"}


class CurrentDatabaseRouter:
    """Every query goes to the database of the size being measured."""

    def db_for_read(self, model, **hints):
        return CURRENT["alias"]

    def db_for_write(self, model, **hints):
        return CURRENT["alias"]

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return True


PAGES = [
    ("admin", "default (most overdue first)", "/admin/cases/case/"),
    ("admin", "sort days past due asc", "/admin/cases/case/?o=7"),
    ("admin", "page 2", "/admin/cases/case/?p=2"),
    ("admin", "filter >90 days, active", "/admin/cases/case/?overdue=90%2B&status__exact=active"),
    ("admin", "search client name", "/admin/cases/case/?q=Beta"),
    ("tables2", "active, default", "/cases/active/"),
    ("tables2", "active, sort days asc", "/cases/active/?sort=days_past_due"),
    ("tables2", "active, page 2", "/cases/active/?page=2"),
    ("tables2", "active, 31-365 days + e-mail", "/cases/active/?days_min=31&days_max=365&missing_email=false"),
    ("tables2", "active, search client name", "/cases/active/?q=Beta"),
    ("tables2", "closed, default", "/cases/closed/"),
    ("reports", "reports page (aging, charts)", "/sync/reports/"),
]


def ensure_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres", dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def fill(size: int, *, seed: int = 5) -> None:
    """Empty the case tables and bulk-create `size` cases (70 % active) over size/4 clients."""
    from django.db import connections

    connection = connections[CURRENT["alias"]]
    from django.utils import timezone

    from cases.calendar import business_today
    from cases.models import Case, Client, Invoice, ReminderStage

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE cases_caseevent, notifications_notification, cases_case, cases_invoice, cases_client "
            "RESTART IDENTITY CASCADE"
        )
    now, today = timezone.now(), business_today()
    stages = list(ReminderStage.objects.order_by("offset_days"))
    names = ["Alfa", "Beta", "Gamma", "Delta", "Omega", "Kowalski", "Nowak", "Wiśniewski", "Zieliński", "Lewandowski"]
    clients = []
    for i in range(max(1, size // 4)):
        has_email = rng.random() > 0.1
        email = f"biuro{i}@firma{i}.pl" if has_email else ""
        clients.append(
            Client(
                infakt_id=i + 1,
                company_name=f"{rng.choice(names)} {i} Sp. z o.o.",
                nip=f"{rng.randrange(10**9, 10**10)}",
                nip_normalized=f"{rng.randrange(10**9, 10**10)}",
                email_raw=email,
                emails=[email] if has_email else [],
                has_usable_email=has_email,
                city="Warszawa",
            )
        )
    Client.objects.bulk_create(clients, batch_size=5000)
    clients = list(Client.objects.only("pk", "infakt_id"))
    invoices = []
    for i in range(size):
        gross = rng.randrange(10_00, 50_000_00)
        client = clients[i % len(clients)]
        due = today - timedelta(days=rng.randrange(-10, 400))
        invoices.append(
            Invoice(
                infakt_id=i + 1,
                uuid=f"bench-{i}",
                number=f"FV/{i + 1}/2026",
                status=Invoice.Status.SENT,
                issue_date=due - timedelta(days=14),
                due_date=due,
                gross=gross,
                paid=0,
                left_to_pay=gross,
                currency="EUR" if i % 25 == 0 else "PLN",
                client_id=client.pk,
                client_infakt_id=client.infakt_id,
                last_seen_at=now,
            )
        )
    Invoice.objects.bulk_create(invoices, batch_size=5000)
    cases = []
    for invoice in Invoice.objects.only("pk", "due_date").order_by("pk").iterator(chunk_size=5000):
        closed = rng.random() < 0.3
        done = rng.randrange(0, len(stages) + 1)
        last = stages[done - 1].offset_days if done else None
        nxt = None if closed or done == len(stages) else stages[done]
        paused = not closed and rng.random() < 0.05
        cases.append(
            Case(
                invoice_id=invoice.pk,
                status=Case.Status.CLOSED if closed else Case.Status.ACTIVE,
                opened_at=now - timedelta(days=rng.randrange(1, 400)),
                closed_at=now if closed else None,
                close_reason=Case.CloseReason.PAID if closed else "",
                last_stage_offset=last,
                next_stage=nxt,
                next_reminder_date=invoice.due_date + timedelta(days=nxt.offset_days) if nxt else None,
                paused_until=today + timedelta(days=10) if paused else None,
                pause_reason=Case.PauseReason.PROMISE_TO_PAY if paused else "",
            )
        )
    Case.objects.bulk_create(cases, batch_size=5000)
    with connection.cursor() as cursor:
        # VACUUM as autovacuum would soon after: it merges the GIN (trigram) indexes' pending lists
        # filled by the bulk insert and sets the visibility map, so the plans are those of a settled database.
        cursor.execute("VACUUM ANALYZE")


ROW_MARKERS = ('name="_selected_action"', '<td class="number"')


def rows_shown(html: str) -> int:
    """Rows on the page: admin rows carry a checkbox, table rows a number cell."""
    return max(html.count(marker) for marker in ROW_MARKERS)


def count_queries(client, url: str) -> tuple[int, int]:
    """(SQL queries, rows shown) for one request, after warming up."""
    from django.db import connections

    for _ in range(3):  # warm caches, templates, the connection
        assert client.get(url).status_code == 200, url
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connections[CURRENT["alias"]].execute_wrapper(count):
        rows = rows_shown(client.get(url).content.decode())
    return len(queries), rows


def timed(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, url
    return elapsed


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page and size")
    args = parser.parse_args()
    os.environ["BENCH_SIZES"] = ",".join(str(size) for size in args.sizes)
    base = os.environ["DATABASE_URL"].rstrip("/")
    for size in args.sizes:
        ensure_database(f"{base}_{size}")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    clients = {}
    for size in args.sizes:
        CURRENT["alias"] = f"s{size}"
        call_command("migrate", database=CURRENT["alias"], verbosity=0)
        started = time.perf_counter()
        fill(size)
        print(f"filled {size:,} cases in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        User = get_user_model()
        user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", "", "bench-pw")
        clients[size] = Client()
        clients[size].force_login(user)

    counts: dict[tuple[int, str], tuple[int, int]] = {}
    times: dict[tuple[int, str], list[float]] = {}
    for size in args.sizes:
        CURRENT["alias"] = f"s{size}"
        for _kind, _label, url in PAGES:
            counts[size, url] = count_queries(clients[size], url)
    for _ in range(args.repeat):  # alternate sizes request by request
        for _kind, _label, url in PAGES:
            for size in args.sizes:
                CURRENT["alias"] = f"s{size}"
                times.setdefault((size, url), []).append(timed(clients[size], url))

    small, large = min(args.sizes), max(args.sizes)
    header = f"{'list':8} {'page':32}" + "".join(f" | {f'{s:,} cases':>31}" for s in args.sizes) + " | p95 ratio"
    print(header)
    print(f"{'':8} {'':32}" + "".join(f" | {'queries rows  median     p95':>31}" for _ in args.sizes) + " |")
    print("-" * len(header))
    for kind, label, url in PAGES:
        cells = ""
        for size in args.sizes:
            queries, rows = counts[size, url]
            cells += (
                f" | {queries:7d} {rows:4d} {statistics.median(times[size, url]):6.1f}ms {p95(times[size, url]):6.1f}ms"
            )
        ratio = p95(times[large, url]) / p95(times[small, url])
        same = "" if counts[large, url][0] == counts[small, url][0] else "  QUERIES DIFFER"
        print(f"{kind:8} {label:32}{cells} | {ratio:5.2f}x{same}")


if __name__ == "__main__":
    # Run as the module the settings name in DATABASE_ROUTERS, so both share CURRENT.
    from bench.pages import main as bench_main

    bench_main()
