"""The case lists' totals kept by PostgreSQL (`CaseTotalDelta`, migration 0019): folding their rows."""

from __future__ import annotations

from django.db import connections, router

from ..models import CaseTotalDelta

# One statement: the rows this transaction can see are deleted and inserted back as one per
# (status, currency); rows other transactions insert meanwhile stay as they are, so nothing is lost.
_COMPACT = """
WITH folded AS (DELETE FROM {table} RETURNING whole, client_id, status, currency, count, left_to_pay)
INSERT INTO {table} (whole, client_id, status, currency, count, left_to_pay)
SELECT whole, client_id, status, currency, SUM(count), SUM(left_to_pay) FROM folded
GROUP BY whole, client_id, status, currency
HAVING SUM(count) <> 0 OR SUM(left_to_pay) <> 0
"""


def case_totals_compact() -> int:
    """Fold the totals' change rows into one row per (whole list or client, status, currency); returns the
    rows left.

    Called after every sync run (the triggers write a row per change; a first sync of 100,000 invoices
    writes 100,000). Safe to run at any time and concurrently with writers. PostgreSQL only."""
    connection = connections[router.db_for_write(CaseTotalDelta)]
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_COMPACT.format(table=connection.ops.quote_name(CaseTotalDelta._meta.db_table)))
        return cursor.rowcount
