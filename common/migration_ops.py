"""Migration operations the apps share (imported by migrations: keep the names stable)."""

from __future__ import annotations

from django.db import migrations


def postgresql_indexes(indexes: list[tuple[str, str]]) -> migrations.RunPython:
    """Create (and, migrating back, drop) indexes written as SQL, `(name, "table (columns ...)")`, on
    PostgreSQL only: expression, INCLUDE and DESC indexes the model state need not know; SQLite (development)
    gets none."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name, definition in indexes:
                schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name, _definition in indexes:
                schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop)
