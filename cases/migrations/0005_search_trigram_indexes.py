"""PostgreSQL trigram (pg_trgm) GIN indexes for the case search, on PostgreSQL only.

The case lists search the invoice number and the client's name and e-mail with Django's
`icontains`, which PostgreSQL receives as `UPPER(column::text) LIKE UPPER('%term%')`. A
GIN index over `UPPER(column) gin_trgm_ops` serves exactly that expression (a plain
b-tree never serves a leading wildcard). `nip_normalized` is stored upper-case and searched
with `contains` (`LIKE '%digits%'`), so its index is on the column itself. The search is
written as one `invoice IN (... UNION ...)` condition (cases.selectors.case_search_q) so
that each part reads one table through these indexes.

`CREATE EXTENSION IF NOT EXISTS pg_trgm` needs a role allowed to create it (pg_trgm is a
trusted extension since PostgreSQL 13: the database owner may). SQLite (development) has no
such indexes and runs nothing here. Written as SQL without a model-state change, like 0004.
"""

from django.db import migrations

# (index name, table, indexed expression with its operator class)
INDEXES = [
    ("invoice_number_trgm_idx", "cases_invoice", "UPPER(number) gin_trgm_ops"),
    ("client_company_name_trgm_idx", "cases_client", "UPPER(company_name) gin_trgm_ops"),
    ("client_first_name_trgm_idx", "cases_client", "UPPER(first_name) gin_trgm_ops"),
    ("client_last_name_trgm_idx", "cases_client", "UPPER(last_name) gin_trgm_ops"),
    ("client_email_raw_trgm_idx", "cases_client", "UPPER(email_raw) gin_trgm_ops"),
    ("client_nip_normalized_trgm_idx", "cases_client", "nip_normalized gin_trgm_ops"),
]


class PostgreSQLOnlyRunSQL(migrations.RunSQL):
    """RunSQL that runs (forwards and backwards) only on PostgreSQL; elsewhere it does nothing."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_invoice_currency_idx")]

    operations = [
        PostgreSQLOnlyRunSQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                *(
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})"
                    for name, table, expression in INDEXES
                ),
            ],
            # The extension stays: other objects may use it, and dropping it needs more rights than creating it.
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name, _table, _expression in INDEXES],
        )
    ]
