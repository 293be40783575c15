"""The case lists' totals kept by PostgreSQL (issue 13): `CaseTotalDelta` rows written by triggers.

The unfiltered active list's sum row added up every active case (70,000 at 100,000 cases: 46 ms, a
third of the page). Triggers insert a row per change instead — a case inserted, deleted, or changing
status or invoice; an invoice changing its amount left to pay or currency while it has a case — and
`cases.services.case_totals_compact` folds them into one row per (status, currency). The migration
fills the table with the totals as they are. Insert-only, so writers never lock a shared row.

A TRUNCATE of the cases empties the totals too. SQLite (development) has no triggers here: the sum row
is added up from the cases there (`cases.selectors.case_totals` returns None).
"""

from django.db import migrations, models

FUNCTIONS = """
CREATE OR REPLACE FUNCTION cases_case_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO cases_casetotaldelta (status, currency, count, left_to_pay)
        SELECT OLD.status, invoice.currency, -1, -invoice.left_to_pay
        FROM cases_invoice invoice WHERE invoice.id = OLD.invoice_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO cases_casetotaldelta (status, currency, count, left_to_pay)
        SELECT NEW.status, invoice.currency, 1, invoice.left_to_pay
        FROM cases_invoice invoice WHERE invoice.id = NEW.invoice_id;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION cases_invoice_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cases_casetotaldelta (status, currency, count, left_to_pay)
    SELECT c.status, OLD.currency, -1, -OLD.left_to_pay FROM cases_case c WHERE c.invoice_id = OLD.id
    UNION ALL
    SELECT c.status, NEW.currency, 1, NEW.left_to_pay FROM cases_case c WHERE c.invoice_id = NEW.id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION cases_case_totals_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM cases_casetotaldelta;
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER cases_case_totals_insert_delete AFTER INSERT OR DELETE ON cases_case
    FOR EACH ROW EXECUTE FUNCTION cases_case_totals();
CREATE TRIGGER cases_case_totals_update AFTER UPDATE OF status, invoice_id ON cases_case
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.invoice_id IS DISTINCT FROM NEW.invoice_id)
    EXECUTE FUNCTION cases_case_totals();
CREATE TRIGGER cases_invoice_totals_update AFTER UPDATE OF left_to_pay, currency ON cases_invoice
    FOR EACH ROW WHEN (OLD.left_to_pay IS DISTINCT FROM NEW.left_to_pay OR OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION cases_invoice_totals();
CREATE TRIGGER cases_case_totals_truncate AFTER TRUNCATE ON cases_case
    FOR EACH STATEMENT EXECUTE FUNCTION cases_case_totals_truncate();
"""

FILL = """
DELETE FROM cases_casetotaldelta;
INSERT INTO cases_casetotaldelta (status, currency, count, left_to_pay)
SELECT c.status, invoice.currency, COUNT(*), SUM(invoice.left_to_pay)
FROM cases_case c JOIN cases_invoice invoice ON invoice.id = c.invoice_id
GROUP BY c.status, invoice.currency;
"""

DROP = """
DROP TRIGGER IF EXISTS cases_case_totals_insert_delete ON cases_case;
DROP TRIGGER IF EXISTS cases_case_totals_update ON cases_case;
DROP TRIGGER IF EXISTS cases_invoice_totals_update ON cases_invoice;
DROP TRIGGER IF EXISTS cases_case_totals_truncate ON cases_case;
DROP FUNCTION IF EXISTS cases_case_totals();
DROP FUNCTION IF EXISTS cases_invoice_totals();
DROP FUNCTION IF EXISTS cases_case_totals_truncate();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in (FUNCTIONS, TRIGGERS, FILL):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_perf_closed_list_order")]

    operations = [
        migrations.CreateModel(
            name="CaseTotalDelta",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("status", models.CharField(max_length=10, verbose_name="status")),
                ("currency", models.CharField(max_length=3, verbose_name="waluta")),
                ("count", models.BigIntegerField(verbose_name="liczba spraw")),
                ("left_to_pay", models.BigIntegerField(verbose_name="pozostało do zapłaty (gr)")),
            ],
            options={
                "verbose_name": "zmiana sum spraw",
                "verbose_name_plural": "zmiany sum spraw",
                "default_permissions": (),
            },
        ),
        migrations.RunPython(create, drop),
    ]
