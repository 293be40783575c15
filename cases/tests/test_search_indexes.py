"""The case search is written so that PostgreSQL's trigram indexes (migration 0005) can serve it."""

from __future__ import annotations

import pytest
from django.db import connection

from cases.models import Invoice
from cases.selectors import invoice_search_q

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only"),
]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: ask whether an index *can* serve it
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_search_reads_invoices_and_clients_through_their_trigram_indexes():
    # case_search_q is this condition on the case's invoice.
    text = plan(Invoice.objects.filter(invoice_search_q("kowal")))
    for index in (
        "invoice_number_trgm_idx",
        "client_company_name_trgm_idx",
        "client_first_name_trgm_idx",
        "client_last_name_trgm_idx",
        "client_email_raw_trgm_idx",
        "client_nip_normalized_trgm_idx",
    ):
        assert index in text, text
    assert "BitmapOr" in text
    assert "Index Cond: (client_id = ANY" in text  # the matching clients probe the invoices' client_id index
