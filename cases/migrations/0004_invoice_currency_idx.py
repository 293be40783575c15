"""An index on the invoice currency, for the admin's currency filter on 100,000 invoices.

The filter lists the currencies in use with a recursive "skip scan" (one index probe per
currency instead of reading every invoice). Written as SQL without a model-state change,
so cases/models.py stays as it is; both PostgreSQL and SQLite understand it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_roles")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS invoice_currency_idx ON cases_invoice (currency)",
            "DROP INDEX IF EXISTS invoice_currency_idx",
        )
    ]
