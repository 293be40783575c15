"""Benchmark the case list pages (admin changelist and /cases/) at 1,000 and 100,000 cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/it_bench .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --sizes 1000 100000 --repeat 40

Uses its own PostgreSQL database (created when missing; its case tables are emptied
and refilled with bulk_create for every size). For each page it prints the SQL
queries per request and the median and p95 wall time of the whole request through
Django's test client (URL routing, middleware, session, queries, template rendering),
then the p95 ratio between the largest and the smallest size.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoicetracker.settings_test")

PAGES = [
    ("admin", "default (most overdue first)", "/admin/cases/case/"),
    ("admin", "sort days past due asc", "/admin/cases/case/?o=8"),
    ("admin", "page 2", "/admin/cases/case/?p=2"),
    ("admin", "filter 31-60 days, active", "/admin/cases/case/?overdue=31-60&status__exact=active"),
    ("admin", "search client name", "/admin/cases/case/?q=Beta"),
    ("tables2", "active, default", "/cases/active/"),
    ("tables2", "active, sort days asc", "/cases/active/?sort=days_past_due"),
    ("tables2", "active, page 2", "/cases/active/?page=2"),
    ("tables2", "active, 31-60 days + e-mail", "/cases/active/?days_min=31&days_max=60&missing_email=false"),
    ("tables2", "active, search client name", "/cases/active/?q=Beta"),
    ("tables2", "closed, default", "/cases/closed/"),
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
    from django.db import connection
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
        cursor.execute("ANALYZE")


def measure(client, url: str, repeat: int) -> tuple[int, float, float]:
    from django.db import connection

    for _ in range(3):  # warm caches, templates, the connection
        assert client.get(url).status_code == 200, url
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return len(queries), statistics.median(times), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    User = get_user_model()
    user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", "", "bench-pass")
    client = Client()
    client.force_login(user)

    results: dict[tuple[str, str], dict[int, tuple[int, float, float]]] = {}
    for size in args.sizes:
        started = time.perf_counter()
        fill(size)
        print(f"filled {size:,} cases in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        for kind, label, url in PAGES:
            results.setdefault((kind, label), {})[size] = measure(client, url, args.repeat)

    small, large = min(args.sizes), max(args.sizes)
    header = f"{'list':8} {'page':32}" + "".join(
        f" | {f'{s:,} cases':>22}" for s in args.sizes
    ) + " | p95 ratio"
    print(header)
    print(f"{'':8} {'':32}" + "".join(f" | {'queries  median    p95':>22}" for _ in args.sizes) + " |")
    print("-" * len(header))
    for (kind, label), by_size in results.items():
        cells = "".join(f" | {q:7d} {med:6.1f}ms {p95:6.1f}ms" for q, med, p95 in (by_size[s] for s in args.sizes))
        ratio = by_size[large][2] / by_size[small][2]
        same = "" if by_size[large][0] == by_size[small][0] else "  QUERIES DIFFER"
        print(f"{kind:8} {label:32}{cells} | {ratio:5.2f}x{same}")


if __name__ == "__main__":
    main()
