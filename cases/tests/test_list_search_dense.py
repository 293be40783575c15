"""The case lists' text search in its two shapes (issue 13): a word found in more than
CASE_SEARCH_DENSE_FROM cases reads its page walking the list in display order (`case_search_dense_q`);
the rows, their order, the sum row and the number of queries are those of `case_search_q`. Such a wide
search's sum row says "more than" and adds up the total only when asked (`?sums=all`)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case

from .conftest import make_case, make_client

ACTIVE = reverse("cases:active")
CLOSED = reverse("cases:closed")


@pytest.fixture
def searched_cases(stages):
    """Cases of clients sharing "Sp." (a common word), one "Beta" client (rare), a number with "Sp."
    and a case without a client, open and closed, in two currencies."""
    alfa = make_client("Alfa Sp. z o.o.", nip="5261040828")
    beta = make_client("Beta Sp. z o.o.", nip="7740001454", emails=("beta@example.com",))
    gamma = make_client("Gamma Handel", nip="1234563218")
    for i in range(12):
        for status in (Case.Status.ACTIVE, Case.Status.CLOSED):
            make_case(client=(alfa, beta, gamma)[i % 3], days_past_due=i, gross=1000 + i, status=status)
            make_case(client=alfa, currency="EUR", days_past_due=i + 3, gross=50 + i, status=status)
        make_case(client=gamma, number=f"SP./{i}", days_past_due=i, status=Case.Status.CLOSED)
        make_case(client=None, number=f"X/{i}", days_past_due=i, status=Case.Status.CLOSED)


def page(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    rows = [row.record.pk for row in response.context["table"].paginated_rows]
    sums = [(row.currency, row.count, row.left_to_pay) for row in response.context["sums"]]
    return rows, sums, len(queries.captured_queries)


@pytest.mark.parametrize("url", [ACTIVE, CLOSED])
@pytest.mark.parametrize(
    "params",
    [
        {"q": "Sp."},  # every client but one, and numbers
        {"q": "beta"},  # one client
        {"q": "beta@example"},  # its e-mail
        {"q": "774-000-14"},  # its NIP
        {"client": "sp."},  # the client filter: names only
        {"q": "Sp.", "sort": "client"},
        {"q": "Sp.", "sort": "-left_to_pay", "page": 2},
    ],
)
def test_the_dense_shape_shows_the_same_page_sums_and_query_count(
    staff_client, searched_cases, monkeypatch, url, params
):
    params = {**params, "sums": "all"}  # the exact sum row, asked for
    monkeypatch.setattr("cases.views.CASE_SEARCH_DENSE_FROM", 10**9)
    sparse = page(staff_client, url, params)
    monkeypatch.setattr("cases.views.CASE_SEARCH_DENSE_FROM", 0)
    dense = page(staff_client, url, params)
    assert dense == sparse
    assert sparse[0]  # the search finds something


@pytest.mark.parametrize("url", [ACTIVE, CLOSED])
def test_a_narrow_search_adds_up_its_sum_row_in_the_query_that_counts_it(staff_client, searched_cases, url):
    """Up to the cap, the sum row is exact without asking: the same as the one `?sums=all` adds up."""
    for params in ({"q": "Sp."}, {"q": "beta"}, {"client": "sp."}):
        rows, sums, queries = page(staff_client, url, params)
        assert (rows, sums) == page(staff_client, url, {**params, "sums": "all"})[:2]
        assert sums
        assert queries <= page(staff_client, url, {**params, "sums": "all"})[2]


def test_a_wide_search_says_more_than_and_adds_up_the_total_on_request(staff_client, searched_cases, monkeypatch):
    monkeypatch.setattr("cases.views.CASE_SEARCH_DENSE_FROM", 10)
    exact_rows, exact_sums, _ = page(staff_client, CLOSED, {"q": "Sp.", "sums": "all"})
    response = staff_client.get(CLOSED, {"q": "Sp."})
    html = response.content.decode()
    assert response.context["sums"] == []
    assert "ponad 10 spraw" in html
    assert "Suma nie jest liczona dla tak szerokiego wyszukiwania" in html
    assert 'href="?q=Sp.&amp;sums=all">policz sumę</a>' in html
    assert "pozostało do zapłaty" not in html.split('id="sum-row"')[1].split("</table>")[0]
    # The page itself is the one the exact list shows (its pages end at the cap), and the link adds the total up.
    assert [row.record.pk for row in response.context["table"].paginated_rows] == exact_rows[:10]
    added_up = staff_client.get(CLOSED, {"q": "Sp.", "sums": "all"}).content.decode()
    assert "ponad 10 spraw" not in added_up
    assert sum(count for _, count, _ in exact_sums) > 10
    for currency, _, _ in exact_sums:
        assert f"Razem {currency}" in added_up
    english = staff_client.get(CLOSED, {"q": "Sp."}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "more than 10 cases" in english
    assert "add it up" in english


def test_the_dense_shape_is_taken_past_the_threshold_only(staff_client, searched_cases, monkeypatch):
    monkeypatch.setattr("cases.views.CASE_SEARCH_DENSE_FROM", 10)
    common = staff_client.get(CLOSED, {"q": "Sp."})
    rare = staff_client.get(CLOSED, {"q": "beta"})
    assert 'client_id" IN (SELECT' not in str(common.context["table"].data.data.query)
    assert '"cases_client"."company_name"' in str(common.context["table"].data.data.query)
    assert "ANY(ARRAY" in str(rare.context["table"].data.data.query)
    assert sum(row.count for row in rare.context["sums"]) <= 10
    assert common.context["sums_capped"]
    assert not rare.context["sums_capped"]
