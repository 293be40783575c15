"""Shared start-up for the benchmarks: Django on a database of their own, emptied first.

The database comes from BENCH_DATABASE_URL, by default a PostgreSQL database
`invoicetracker_bench` on 127.0.0.1 (created when missing).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/invoicetracker_bench")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoicetracker.settings_test")
    if url.startswith("postgres"):
        _create_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    _empty()


def _create_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    base, name = url.rsplit("/", 1)
    conn = psycopg2.connect(f"{base}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def _empty() -> None:
    from django.apps import apps
    from django.db import connection

    keep = {"cases_reminderstage", "django_migrations", "django_content_type", "auth_permission", "auth_group",
            "auth_group_permissions"}  # fmt: skip
    tables = [
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.db_table not in keep and not m._meta.proxy and m._meta.managed
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
        else:
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608 - table names from the model registry
