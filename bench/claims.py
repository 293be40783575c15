"""Benchmark the claims (issue 12) at 1,000 and 100,000 cases: the aging report and one list page.

    .venv/bin/python bench/claims.py                              # 1,000 and 100,000 cases
    .venv/bin/python bench/claims.py --sizes 1000 100000 --repeat 15
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/it_h12_bench .venv/bin/python bench/claims.py

The data set is bench/pages.py's (70 % active cases over size/4 clients, due dates up to 400 days
back, 4 % in EUR), plus a PAYMENT event on every tenth active case, a rate for every day (the
seeded official rates and, for the period they do not cover, a bench-only row) and an EUR rate for
every month, so every claim is computed in full. Prints, per size: the aging report with and
without claims (the claims stored on every active case, summed in the same query), the claims
refresh (the stored interest, compensation and total of every active case, as after each daily
sync), the two list pages and the reports page with their queries per request; the p95 ratio
largest/smallest size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/it_h12_bench")

from bench.pages import CURRENT, count_queries, ensure_database, fill, p95, timed  # noqa: E402

LIST_PAGES = [
    ("tables2", "/cases/active/"),
    ("admin", "/admin/cases/case/?status__exact=active"),
    ("reports", "/sync/reports/"),
]


def add_claim_data() -> None:
    """Rates for every day and month of the data set, and partial payments on every tenth active case."""
    from django.utils import timezone

    from cases.models import Case, CaseEvent, Invoice
    from claims.models import CommercialRate, ExchangeRate, StatutoryRate
    from common.calendar import business_today

    today = business_today()
    CommercialRate.objects.get_or_create(
        valid_from=date(2026, 7, 1),
        defaults={"valid_to": date(2026, 12, 31), "rate_bp": 1375, "medical_rate_bp": 1175, "source": "bench"},
    )
    StatutoryRate.objects.get_or_create(
        valid_from=date(2026, 4, 1), defaults={"valid_to": date(2027, 12, 31), "rate_bp": 925, "source": "bench"}
    )
    month = (today - timedelta(days=460)).replace(day=1)
    while month <= today:
        ExchangeRate.objects.get_or_create(
            currency="EUR",
            month=month,
            defaults={"effective_date": month + timedelta(days=27), "rate": Decimal("4.25")},
        )
        month = (month + timedelta(days=32)).replace(day=1)
    now = timezone.now()
    events = []
    active = Case.objects.filter(status=Case.Status.ACTIVE).values_list("pk", "invoice_id", "invoice__gross")
    paid_updates = []
    for index, (case_id, invoice_id, gross) in enumerate(active.iterator(chunk_size=5000)):
        if index % 10:
            continue
        part = gross // 3
        events.append(
            CaseEvent(
                case_id=case_id,
                at=now - timedelta(days=5),
                kind=CaseEvent.Kind.PAYMENT,
                message="bench",
                data={"paid_before": 0, "paid": part, "left_to_pay": gross - part},
            )
        )
        paid_updates.append(Invoice(pk=invoice_id, paid=part, left_to_pay=gross - part))
    CaseEvent.objects.bulk_create(events, batch_size=5000)
    Invoice.objects.bulk_update(paid_updates, ["paid", "left_to_pay"], batch_size=5000)


def run_timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per measurement and size")
    parser.add_argument("--keep", action="store_true", help="reuse the data of an earlier run (no refill)")
    args = parser.parse_args()
    os.environ["BENCH_SIZES"] = ",".join(str(size) for size in args.sizes)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    base = os.environ["DATABASE_URL"].rstrip("/")
    for size in args.sizes:
        ensure_database(f"{base}_{size}")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from cases.services import case_claims_refresh
    from common.calendar import business_today
    from panel.reports import aging_report

    today = business_today()
    clients = {}
    for size in args.sizes:
        CURRENT["alias"] = f"s{size}"
        call_command("migrate", database=CURRENT["alias"], verbosity=0)
        started = time.perf_counter()
        from cases.models import Case

        if not (args.keep and Case.objects.count() == size):
            fill(size)
            add_claim_data()
            with connections[CURRENT["alias"]].cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            print(f"filled {size:,} cases in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        User = get_user_model()
        user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", "", "bench-pw")
        clients[size] = Client()
        clients[size].force_login(user)

    results: dict[tuple[int, str], list[float]] = {}
    queries: dict[tuple[int, str], int] = {}
    for size in args.sizes:
        CURRENT["alias"] = f"s{size}"
        started = time.perf_counter()
        refreshed = case_claims_refresh(day=today)
        results[size, "claims refresh (stored totals)"] = [(time.perf_counter() - started) * 1000]
        print(f"{size:,}: refreshed {refreshed:,} active cases", file=sys.stderr)
        for _kind, url in LIST_PAGES:
            queries[size, url] = count_queries(clients[size], url)[0]
        # Consistency: the interest of the aging equals the sum of the per-case claims.
        (row, *_rest) = [r for r in aging_report(today=today) if r.currency == "PLN"]
        print(
            f"{size:,}: PLN interest {row.interest / 100:,.2f}, compensation {row.compensation / 100:,.2f}, "
            f"incomplete {row.incomplete}",
            file=sys.stderr,
        )

    for _ in range(args.repeat):  # alternate sizes so both see the same machine load
        for size in args.sizes:
            CURRENT["alias"] = f"s{size}"
            results.setdefault((size, "aging report, no claims"), []).extend(
                run_timed(lambda: aging_report(today=today, with_claims=False), 1)
            )
            results.setdefault((size, "aging report with claims"), []).extend(
                run_timed(lambda: aging_report(today=today), 1)
            )
            for _kind, url in LIST_PAGES:
                results.setdefault((size, url), []).append(timed(clients[size], url))

    small, large = min(args.sizes), max(args.sizes)
    labels = ["aging report, no claims", "aging report with claims", "claims refresh (stored totals)"] + [
        url for _kind, url in LIST_PAGES
    ]
    header = f"{'measure':42}" + "".join(f" | {f'{s:,} cases':>27}" for s in args.sizes) + " | p95 ratio"
    print(header)
    print(f"{'':42}" + "".join(f" | {'queries  median       p95':>27}" for _ in args.sizes) + " |")
    print("-" * len(header))
    for label in labels:
        cells = ""
        for size in args.sizes:
            times = results[size, label]
            q = queries.get((size, label), "")
            cells += f" | {q!s:>7} {statistics.median(times):8.1f}ms {p95(times):8.1f}ms"
        ratio = p95(results[large, label]) / p95(results[small, label])
        same = ""
        if (small, label) in queries and queries[small, label] != queries[large, label]:
            same = "  QUERIES DIFFER"
        print(f"{label:42}{cells} | {ratio:7.2f}x{same}")


if __name__ == "__main__":
    from bench.claims import main as bench_main

    bench_main()
