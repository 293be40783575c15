"""Indexes for the health alerts (syncstatus/health.py), recomputed every minute the panel or
the reports are open (issue 13). At 100,000 cases their checks read whole tables:

- "too many addresses": every client's e-mail list (jsonb_array_length on 25,000 rows); the expression
  index on the clients with a usable address answers `jsonb_array_length(emails) > limit` with the few
  clients concerned, for any limit;
- "to hand over": every case (a sequential scan keeping 12 %); the partial index holds only the active
  cases at the end of the ladder, counted from the index alone.

And the invoice list sorted by "corrected invoice" (nearly every row has none, so the one-column index
gave one tie of 100,000 rows to sort by id): (corrected_invoice_id, id), as the other sorts of 0011.

SQL without a model-state change, like 0004 and 0011.
"""

from django.db import migrations

from common.migration_ops import postgresql_indexes

INDEXES = [
    (
        "client_usable_email_count_idx",
        "cases_client (jsonb_array_length(emails)) WHERE has_usable_email",
    ),
    (
        "case_active_handover_idx",
        "cases_case (handover) WHERE status = 'active' AND handover <> ''",
    ),
    ("invoice_corrected_id_idx", "cases_invoice (corrected_invoice_id, id)"),
]


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_perf_client_sort_key")]

    operations = [postgresql_indexes(INDEXES)]  # jsonb_array_length: PostgreSQL's
