"""Two invoice indexes for the last pages over 2× at 100,000 cases (issue 13), SQL without a model-state
change like 0004, 0011, 0017 and 0018:

- (kind, id): the invoice admin sorted by kind, as the other sorts of 0011 and 0017. Without it PostgreSQL
  read and sorted every invoice for a page of 100 (51 → 137 ms at 100,000 cases).
- (client_id, due_date, id) INCLUDE (currency, left_to_pay): one client's invoices in due order with what
  the sum row reads. The case list narrowed to a client (`?client_id=`, most overdue first) walks it and
  stops after the page (19 → 2 ms for a client of 2,500 invoices) instead of reading the due-date index of
  every invoice and keeping the client's.
"""

from django.db import migrations

from common.migration_ops import postgresql_indexes


class Migration(migrations.Migration):
    dependencies = [("cases", "0019_case_totals")]

    operations = [
        postgresql_indexes(
            [
                ("invoice_kind_id_idx", "cases_invoice (kind, id)"),
                (
                    "invoice_client_due_id_idx",
                    "cases_invoice (client_id, due_date, id) INCLUDE (currency, left_to_pay)",
                ),
            ]
        )
    ]
