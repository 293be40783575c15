"""Benchmark the streamed CSV export of the active case list at 1,000 and 100,000 cases.

    .venv/bin/python bench/export_csv.py                         # 1,000 and 100,000 cases, 5 rounds
    .venv/bin/python bench/export_csv.py --sizes 1000 100000 --repeat 5
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/it_bench_export .venv/bin/python bench/export_csv.py

Uses bench/pages.py's databases and data (one database per size, refilled). Through Django's test
client, logged in as a superuser, it prints for each size: the time to the response and its first
chunk (what a browser waits for before the download starts), the time to the last byte, rows and
megabytes, the SQL queries, and the peak Python memory while streaming (tracemalloc), which stays
flat because rows come from one server-side cursor in chunks of cases.exports.CHUNK.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/it_bench_export")
os.environ.setdefault("INVOICETRACKER_TESTING", "true")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

URL = "/cases/active/?_export=csv"


def main() -> None:
    from bench import pages

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["BENCH_SIZES"] = ",".join(str(size) for size in args.sizes)
    base = os.environ["DATABASE_URL"].rstrip("/")
    for size in args.sizes:
        pages.ensure_database(f"{base}_{size}")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    for size in args.sizes:
        pages.CURRENT["alias"] = f"s{size}"
        call_command("migrate", database=pages.CURRENT["alias"], verbosity=0)
        started = time.perf_counter()
        pages.fill(size)
        print(f"filled {size:,} cases in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        User = get_user_model()
        user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", "", "bench-pw")
        clients[size] = Client()
        clients[size].force_login(user)

    results: dict[int, dict[str, list[float]]] = {size: {} for size in args.sizes}
    facts: dict[int, tuple[int, float, int, float]] = {}
    # The last round traces memory (tracemalloc slows Python down): its times are not counted.
    for round_ in range(args.repeat + 1):
        tracing = round_ == args.repeat
        for size in args.sizes:
            pages.CURRENT["alias"] = f"s{size}"
            connection = connections[pages.CURRENT["alias"]]
            if tracing:
                tracemalloc.start()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = clients[size].get(URL)
                chunks = iter(response.streaming_content)
                first = next(chunks)
                first_at = time.perf_counter() - started
                size_bytes, lines = len(first), first.count(b"\n")
                for chunk in chunks:
                    size_bytes += len(chunk)
                    lines += chunk.count(b"\n")
                total = time.perf_counter() - started
            if tracing:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                facts[size] = (lines - 1, size_bytes / 1e6, len(queries.captured_queries), peak / 1e6)
            else:
                results[size].setdefault("first", []).append(first_at * 1000)
                results[size].setdefault("total", []).append(total * 1000)
        print(f"round {round_ + 1}/{args.repeat + 1} done", file=sys.stderr)

    print(f"{'cases':>9} | {'rows':>7} {'MB':>6} {'queries':>7} | {'first byte':>10} | {'last byte':>9} | peak memory")
    for size in args.sizes:
        rows, megabytes, n_queries, peak = facts[size]
        first = statistics.median(results[size]["first"])
        total = statistics.median(results[size]["total"])
        counts = f"{rows:7,} {megabytes:6.1f} {n_queries:7d}"
        print(f"{size:9,} | {counts} | {first:8.1f}ms | {total / 1000:7.2f} s | {peak:6.1f} MB")


if __name__ == "__main__":
    from bench.export_csv import main as bench_main

    bench_main()
