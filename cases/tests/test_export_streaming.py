"""The CSV export streams: the view answers before it has read a single case (no count, no page of
the table), the header line is the first chunk, and the rows come from one server-side cursor read
in chunks, so the number of queries does not grow with the list and memory stays flat."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import exports

pytestmark = pytest.mark.django_db

ACTIVE = reverse("cases:active")


def test_the_csv_export_answers_before_reading_any_case(staff_client, many_cases):
    many_cases(30)
    with CaptureQueriesContext(connection) as before:
        response = staff_client.get(ACTIVE, {"_export": "csv", "sort": "-gross"})
    assert response.status_code == 200
    assert response.streaming
    assert not [q["sql"] for q in before.captured_queries if '"cases_case"' in q["sql"]]
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as first:
        header = next(chunks).decode("utf-8")
    assert header.startswith("\ufeffnumer faktury;kontrahent")
    assert first.captured_queries == []  # the first byte needs no query at all
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8")), delimiter=";"))
    assert len(rows) == 30
    grosses = [row[4] for row in rows]
    assert grosses[:2] == ["100,29", "100,28"]  # the list's sort holds in the export


@pytest.mark.parametrize(("n", "chunks"), [(3, 1), (150, 3)])
def test_the_csv_export_costs_a_few_queries_per_chunk_never_per_case(
    staff_client, many_cases, monkeypatch, n, chunks, django_assert_max_num_queries
):
    monkeypatch.setattr(exports, "CHUNK", 50)  # several chunks for 150 rows: still one cursor
    many_cases(n)
    # session, user, permissions (2), one server-side cursor for every row, and for each chunk of
    # rows the claims' inputs (payments, rate tables): 50 cases cost what one does.
    with django_assert_max_num_queries(5 + 4 * chunks):
        response = staff_client.get(ACTIVE, {"_export": "csv", "q": "FV"})
        body = b"".join(response.streaming_content).decode("utf-8")
    assert body.count("\n") == 1 + n


def test_the_csv_export_of_an_invalid_filter_is_empty_not_everything(staff_client, many_cases):
    many_cases(5)
    response = staff_client.get(ACTIVE, {"_export": "csv", "days_min": "abc"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.count("\n") == 1
