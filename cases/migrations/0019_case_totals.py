"""The case lists' totals kept by PostgreSQL (issue 13): `CaseTotalDelta` rows written by triggers, for
the whole list and per client.

The unfiltered active list's sum row added up every active case (70,000 at 100,000 cases: 46 ms, a
third of the page). Triggers insert a row per change instead — a case inserted, deleted, or changing
status or invoice; an invoice changing its amount left to pay, currency or client while it has a case —
each written for the whole list and for the client, and `cases.services.case_totals_compact` folds them
into one row per (whole, client, status, currency). The migration
fills the table with the totals as they are. Insert-only, so writers never lock a shared row.

A TRUNCATE of the cases empties the totals too. SQLite (development) has no triggers here: the sum row
is added up from the cases there (`cases.selectors.case_totals` returns None).
"""

from django.db import migrations, models

# Each change is written twice: once for the whole list (whole, no client) and once for the client's.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION cases_totals_add(
    p_status text, p_currency text, p_client bigint, p_count bigint, p_left bigint
) RETURNS void LANGUAGE sql AS $$
    INSERT INTO cases_casetotaldelta (whole, client_id, status, currency, count, left_to_pay)
    VALUES (true, NULL, p_status, p_currency, p_count, p_left), (false, p_client, p_status, p_currency, p_count, p_left);
$$;

CREATE OR REPLACE FUNCTION cases_case_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    invoice record;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT currency, left_to_pay, client_id INTO invoice FROM cases_invoice WHERE id = OLD.invoice_id;
        IF FOUND THEN
            PERFORM cases_totals_add(OLD.status, invoice.currency, invoice.client_id, -1, -invoice.left_to_pay);
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT currency, left_to_pay, client_id INTO invoice FROM cases_invoice WHERE id = NEW.invoice_id;
        IF FOUND THEN
            PERFORM cases_totals_add(NEW.status, invoice.currency, invoice.client_id, 1, invoice.left_to_pay);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION cases_invoice_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    case_status text;
BEGIN
    SELECT status INTO case_status FROM cases_case WHERE invoice_id = NEW.id;
    IF FOUND THEN
        PERFORM cases_totals_add(case_status, OLD.currency, OLD.client_id, -1, -OLD.left_to_pay);
        PERFORM cases_totals_add(case_status, NEW.currency, NEW.client_id, 1, NEW.left_to_pay);
    END IF;
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
CREATE TRIGGER cases_invoice_totals_update AFTER UPDATE OF left_to_pay, currency, client_id ON cases_invoice
    FOR EACH ROW WHEN (
        OLD.left_to_pay IS DISTINCT FROM NEW.left_to_pay
        OR OLD.currency IS DISTINCT FROM NEW.currency
        OR OLD.client_id IS DISTINCT FROM NEW.client_id
    )
    EXECUTE FUNCTION cases_invoice_totals();
CREATE TRIGGER cases_case_totals_truncate AFTER TRUNCATE ON cases_case
    FOR EACH STATEMENT EXECUTE FUNCTION cases_case_totals_truncate();
"""

FILL = """
DELETE FROM cases_casetotaldelta;
INSERT INTO cases_casetotaldelta (whole, client_id, status, currency, count, left_to_pay)
SELECT true, NULL, c.status, invoice.currency, COUNT(*), SUM(invoice.left_to_pay)
FROM cases_case c JOIN cases_invoice invoice ON invoice.id = c.invoice_id
GROUP BY c.status, invoice.currency
UNION ALL
SELECT false, invoice.client_id, c.status, invoice.currency, COUNT(*), SUM(invoice.left_to_pay)
FROM cases_case c JOIN cases_invoice invoice ON invoice.id = c.invoice_id
GROUP BY invoice.client_id, c.status, invoice.currency;
"""

DROP = """
DROP TRIGGER IF EXISTS cases_case_totals_insert_delete ON cases_case;
DROP TRIGGER IF EXISTS cases_case_totals_update ON cases_case;
DROP TRIGGER IF EXISTS cases_invoice_totals_update ON cases_invoice;
DROP TRIGGER IF EXISTS cases_case_totals_truncate ON cases_case;
DROP FUNCTION IF EXISTS cases_case_totals();
DROP FUNCTION IF EXISTS cases_invoice_totals();
DROP FUNCTION IF EXISTS cases_case_totals_truncate();
DROP FUNCTION IF EXISTS cases_totals_add(text, text, bigint, bigint, bigint);
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
                ("whole", models.BooleanField(verbose_name="cała lista")),
                ("client_id", models.BigIntegerField(null=True, verbose_name="kontrahent")),
                ("status", models.CharField(max_length=10, verbose_name="status")),
                ("currency", models.CharField(max_length=3, verbose_name="waluta")),
                ("count", models.BigIntegerField(verbose_name="liczba spraw")),
                ("left_to_pay", models.BigIntegerField(verbose_name="pozostało do zapłaty (gr)")),
            ],
            options={
                "verbose_name": "zmiana sum spraw",
                "verbose_name_plural": "zmiany sum spraw",
                "default_permissions": (),
                "indexes": [
                    models.Index(fields=["whole", "status"], name="casetotal_whole_status_idx"),
                    models.Index(fields=["client_id", "status"], name="casetotal_client_status_idx"),
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]
