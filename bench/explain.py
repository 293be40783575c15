"""EXPLAIN (ANALYZE, BUFFERS) of the case list queries at 100,000 cases; flags sequential scans.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/it_explain .venv/bin/python bench/explain.py
    .venv/bin/python bench/explain.py --size 100000 --keep       # reuse the data when the count matches
    .venv/bin/python bench/explain.py --only search --verbose    # pages whose label contains "search"

Fills the benchmark database (bench/_setup.py: BENCH_DATABASE_URL, emptied first) with
bench/pages.py's builder, requests each list page (bench/pages.all_pages(): every admin list
with its default order, each sortable column, filters and the text search, /cases/, the
sync panel and the reports) through Django's test client as a superuser, captures the SQL each request
runs against the case tables, and prints the plan of every such query with its time and
buffers. A sequential scan that reads more than --big rows of a table with more than --big
rows is flagged (one that stops after a few rows, as under EXISTS or LIMIT 1, is not); the
exit code is 1 when any was found, 0 otherwise. A flag is a question, not a verdict: counting
every case or a filter that keeps a large share of the table is best done by a scan.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from bench._setup import setup_django  # noqa: E402

# Besides bench/pages.py's pages: searches that match one client (pages.py's "Beta" matches 10 % of them).
EXTRA_PAGES = [
    ("admin", "search one client's e-mail", "/admin/cases/case/?q=biuro1234%40"),
    ("tables2", "active, search one client's e-mail", "/cases/active/?q=biuro1234%40"),
    ("admin", "search invoice number", "/admin/cases/case/?q=FV%2F4321%2F"),
]
TABLES = (
    "cases_case", "cases_invoice", "cases_client", "cases_caseevent", "notifications_notification",
    "notifications_reminderrun", "syncstatus_syncrun", "syncstatus_skippedrecord",
)  # fmt: skip
SEQ_SCAN = re.compile(r"Seq Scan on (\w+).*?actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)")
REMOVED = re.compile(r"Rows Removed by Filter: (\d+)")


def case_count() -> int:
    from cases.models import Case

    return Case.objects.count()


def capture(client, url: str) -> list[tuple[str, tuple]]:
    """The SQL (with parameters) a GET of `url` runs against the case tables."""
    from django.db import connection

    assert client.get(url).status_code == 200, url  # warm up
    queries: list[tuple[str, tuple]] = []

    def record(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT") and any(f'"{table}"' in sql for table in TABLES):
            queries.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200, url
    return queries


def explain(sql: str, params: tuple) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def table_rows() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)", [list(TABLES)]
        )
        return dict(cursor.fetchall())


def seq_scans(plan: list[str]) -> list[tuple[str, int]]:
    """(table, rows read) of every sequential scan in a plan: rows returned plus rows filtered out, all loops."""
    scans = []
    for i, line in enumerate(plan):
        match = SEQ_SCAN.search(line)
        if not match:
            continue
        table, rows, loops = match.group(1), int(match.group(2)), int(match.group(3))
        removed = 0
        for detail in plan[i + 1 :]:
            if "->" in detail:
                break
            if found := REMOVED.search(detail):
                removed = int(found.group(1))
        scans.append((table, (rows + removed) * loops))
    return scans


def short(sql: str, width: int = 160) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the data when it already has --size cases")
    parser.add_argument("--big", type=int, default=10_000, help="a table with more rows than this is big")
    parser.add_argument("--only", default="", help="only pages whose label contains this text")
    parser.add_argument("--verbose", action="store_true", help="print every plan, not only the flagged ones")
    args = parser.parse_args()

    os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/invoicetracker_explain")
    keep = args.keep
    if keep:
        os.environ["DJANGO_SETTINGS_MODULE"] = "invoicetracker.settings_test"
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        keep = case_count() == args.size
    if not keep:
        setup_django()  # migrates and empties the benchmark database
        from bench.pages import fill

        fill(args.size)
    from django.db import connection

    if connection.vendor != "postgresql":
        print("EXPLAIN (ANALYZE, BUFFERS) needs PostgreSQL: set BENCH_DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.pages import all_pages, page_url

    User = get_user_model()
    user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", "", "bench-pw")
    client = Client()
    client.force_login(user)
    rows = table_rows()
    big = {table for table, n in rows.items() if n > args.big}
    print(f"{case_count():,} cases; rows: " + ", ".join(f"{t} {n:,}" for t, n in sorted(rows.items())))
    print(f"big tables (> {args.big:,} rows): {', '.join(sorted(big))}\n")

    flagged: list[tuple[str, str]] = []
    summary: list[tuple[str, str, float, str]] = []
    for kind, label, url in [*all_pages(), *EXTRA_PAGES]:
        if args.only and args.only not in f"{kind} {label}":
            continue
        for n, (sql, params) in enumerate(capture(client, page_url(url)), 1):
            plan = explain(sql, params)
            total = next((float(line.split(":")[1].split()[0]) for line in plan if "Execution Time" in line), 0.0)
            # A sequential scan that stops early (EXISTS, LIMIT 1) reads a handful of rows: not flagged.
            scans = sorted({table for table, read in seq_scans(plan) if table in big and read > args.big})
            name = f"{kind} · {label} · query {n}"
            summary.append((name, url, total, ", ".join(scans)))
            if scans:
                flagged.extend((name, table) for table in scans)
            if scans or args.verbose:
                marker = "SEQ SCAN on " + ", ".join(scans) if scans else "ok"
                print(f"=== {name} [{url}] — {total:.1f} ms — {marker}")
                print(short(sql, 400))
                print("\n".join(plan))
                print()

    print(f"{'query':62} {'ms':>8}  sequential scans of big tables")
    for name, _url, total, scans in summary:
        print(f"{name:62} {total:8.1f}  {scans or '-'}")
    if flagged:
        print(f"\n{len(flagged)} sequential scan(s) of big tables")
        return 1
    print("\nno sequential scan of a big table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
