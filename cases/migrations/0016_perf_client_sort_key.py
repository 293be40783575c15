"""The client's name on each invoice (`Invoice.client_sort_name`), so the case and invoice lists sort by
client through one (client_sort_name, id) index instead of sorting every row across a join (issue 13).

The column is filled from the clients here (the name as `Client.name` builds it: the company name, else
first and last name); afterwards `Invoice.save` and `cases.services.client_upsert_from_infakt` keep it.
The index is SQL without a model-state change, like 0004 and 0011; the (column, id) shape serves both
directions, with the case list's tie-breaker on the invoice (cases/admin.py, cases/tables.py).
"""

from django.db import migrations, models

FILL = """
UPDATE cases_invoice AS invoice
SET client_sort_name = CASE
    WHEN client.company_name <> '' THEN client.company_name
    ELSE concat_ws(' ', NULLIF(client.first_name, ''), NULLIF(client.last_name, ''))
END
FROM cases_client AS client
WHERE client.id = invoice.client_id
"""


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL)
        return
    Invoice = apps.get_model("cases", "Invoice")
    for invoice in Invoice.objects.filter(client__isnull=False).select_related("client").iterator():
        client = invoice.client
        name = client.company_name or " ".join(part for part in (client.first_name, client.last_name) if part)
        Invoice.objects.filter(pk=invoice.pk).update(client_sort_name=name)


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_r2b_event_code_params")]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="client_sort_name",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="kontrahent (do sortowania)"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS invoice_client_sort_name_id_idx ON cases_invoice (client_sort_name, id)",
            "DROP INDEX IF EXISTS invoice_client_sort_name_id_idx",
        ),
    ]
