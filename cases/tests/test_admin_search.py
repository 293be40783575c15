"""The case admin's search at any size (issue 13): a rare word counted exactly, a common one (more than the
cap) shown from the same first page with "ponad N wyników", in the same number of queries."""

from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.urls import reverse
from django.utils.translation import override as translation_override

from cases.models import Case
from cases.selectors import case_search_q

from .conftest import make_case, make_client

CHANGELIST = reverse("admin:cases_case_changelist")


@pytest.fixture
def cap_of_five(monkeypatch):
    """The cap the lists count a search to (1000 in use), small enough for a test's cases."""
    import common.admin_search

    monkeypatch.setattr(common.admin_search, "SEARCH_COUNT_CAP", 5)


@pytest.fixture
def two_clients(stages):
    """8 cases of "Kowalski" (over the cap of five) on shuffled due dates, 3 of "Nowak", 1 closed Kowalski."""
    kowalski = make_client("Kowalski Budownictwo Sp. z o.o.", nip="5261040828", emails=("biuro@kowalski.pl",))
    nowak = make_client("Nowak Handel", nip="7740001454", emails=("nowak@example.com",))
    for i, days in enumerate([30, 5, 60, 5, -3, 90, 12, 45]):
        make_case(client=kowalski, number=f"FV/K/{i}", days_past_due=days, left_to_pay=1000 + i)
    for i, days in enumerate([20, 40, 7]):
        make_case(client=nowak, number=f"FV/N/{i}", days_past_due=days)
    make_case(client=kowalski, number="FV/K/closed", days_past_due=15, status=Case.Status.CLOSED)
    return kowalski, nowak


def ids(response) -> list[int]:
    return [case.pk for case in response.context["cl"].result_list]


def expected(word: str, **filters) -> list[int]:
    """The cases the search found before (`case_search_q`), in the list's order: due date, then invoice."""
    cases = Case.objects.filter(case_search_q(word), **filters).order_by("invoice__due_date", "invoice_id")
    return list(cases.values_list("pk", flat=True))


def test_a_rare_word_finds_the_same_cases_with_an_exact_count(staff_client, two_clients, cap_of_five):
    response = staff_client.get(CHANGELIST, {"q": "Nowak"})
    assert ids(response) == expected("Nowak")
    assert len(ids(response)) == 3
    cl = response.context["cl"]
    assert cl.result_count == 3
    assert not cl.paginator.capped
    html = response.content.decode()
    assert "3 wyniki" in html
    assert "3 sprawy" in html
    assert "wyników" not in html
    assert "zawęź" not in html
    one = staff_client.get(CHANGELIST, {"q": "FV/K/3"})
    assert ids(one) == expected("FV/K/3")
    assert "1 wynik " in one.content.decode()


def test_a_common_word_shows_the_same_first_page_and_says_more_than_the_cap(staff_client, two_clients, cap_of_five):
    response = staff_client.get(CHANGELIST, {"q": "Kowalski"})
    assert ids(response) == expected("Kowalski")  # every match (9 > 5), most overdue first, as before
    cl = response.context["cl"]
    assert cl.paginator.capped
    assert cl.result_count == 5
    html = response.content.decode()
    assert "ponad 5 wyników" in html
    assert "Sprawy: ponad 5 (zawęź wyszukiwanie)" in html
    assert "invoice__due_date__year=" in html  # the date bar, through its index
    with translation_override("en"):
        english = staff_client.get(CHANGELIST, {"q": "Kowalski"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "more than 5 results" in english
    assert "Cases: more than 5 (narrow the search)" in english


def test_a_common_word_pages_and_sorts_as_the_exact_search(staff_client, two_clients, cap_of_five, monkeypatch):
    model_admin = django_admin.site._registry[Case]
    monkeypatch.setattr(model_admin, "list_per_page", 3)
    assert ids(staff_client.get(CHANGELIST, {"q": "Kowalski"})) == expected("Kowalski")[:3]
    # The pages reach the cap ("ponad 5: zawęź wyszukiwanie"): page 2 holds the 4th and 5th case.
    assert ids(staff_client.get(CHANGELIST, {"q": "Kowalski", "p": "2"})) == expected("Kowalski")[3:5]
    columns = staff_client.get(CHANGELIST).context["cl"].list_display  # "action_checkbox" first
    orders = [str(columns.index(name)) for name in ("client_name", "left_to_pay", "invoice_number")]
    for order in [*orders, *(f"-{o}" for o in orders)]:
        params = {"q": "Kowalski", "o": order}
        capped = ids(staff_client.get(CHANGELIST, params))
        monkeypatch.setattr("common.admin_search.SEARCH_COUNT_CAP", 1000)
        exact = ids(staff_client.get(CHANGELIST, params))
        monkeypatch.setattr("common.admin_search.SEARCH_COUNT_CAP", 5)
        assert capped == exact, order
    filtered = staff_client.get(CHANGELIST, {"q": "Kowalski", "status__exact": "closed"})
    assert ids(filtered) == expected("Kowalski", status=Case.Status.CLOSED)  # filters still apply
    assert "1 wynik" in filtered.content.decode()


def test_two_words_must_both_match_in_either_shape(staff_client, two_clients, cap_of_five):
    assert ids(staff_client.get(CHANGELIST, {"q": "Kowalski biuro@"})) == expected("Kowalski")
    assert ids(staff_client.get(CHANGELIST, {"q": "Kowalski Nowak"})) == []
    assert ids(staff_client.get(CHANGELIST, {"q": "PL 774-000-14-54"})) == expected("7740001454")  # one word


@pytest.mark.parametrize("extra", [0, 20])
def test_a_common_and_a_rare_word_run_the_same_queries(
    staff_client, two_clients, cap_of_five, extra, django_assert_max_num_queries
):
    kowalski, _nowak = two_clients
    for i in range(extra):
        make_case(client=kowalski, number=f"FV/X/{i}", days_past_due=i)
    for q in ("Kowalski", "FV/K/1", "Zieliński"):
        with django_assert_max_num_queries(15):  # 10 when nothing is found (no claims, no date bar)
            assert staff_client.get(CHANGELIST, {"q": q}).status_code == 200


INVOICES = reverse("admin:cases_invoice_changelist")


def invoice_ids(response) -> list[int]:
    return [invoice.pk for invoice in response.context["cl"].result_list]


def test_the_invoice_admin_counts_a_common_word_up_to_the_cap_and_shows_the_same_page(
    staff_client, two_clients, cap_of_five, monkeypatch
):
    from cases.models import Invoice
    from cases.selectors import invoice_search_q

    everything = list(Invoice.objects.filter(invoice_search_q("Kowalski")).order_by("-pk").values_list("pk", flat=True))
    assert len(everything) == 9  # 8 open and 1 closed case's invoices
    response = staff_client.get(INVOICES, {"q": "Kowalski"})
    cl = response.context["cl"]
    assert cl.paginator.capped
    assert invoice_ids(response) == everything  # the dense shape's page: the same invoices, the same order
    assert "ponad 5 wyników" in response.content.decode()

    rare = staff_client.get(INVOICES, {"q": "Nowak"})
    assert not rare.context["cl"].paginator.capped
    assert sorted(invoice_ids(rare)) == sorted(
        Invoice.objects.filter(client=two_clients[1]).values_list("pk", flat=True)
    )
    assert "3 wyniki" in rare.content.decode()
    by_nip = staff_client.get(INVOICES, {"q": "774 000 14 54"})  # a NIP typed with spaces is one word
    assert sorted(invoice_ids(by_nip)) == sorted(invoice_ids(rare))


CLIENTS = reverse("admin:cases_client_changelist")


def test_the_client_admin_finds_names_emails_and_nips_and_counts_a_common_word_up_to_the_cap(
    staff_client, two_clients, cap_of_five
):
    _kowalski, nowak = two_clients
    for i in range(6):
        make_client(f"Kowalski i Syn {i}", nip=f"11100000{i:02d}", emails=(f"k{i}@example.com",))

    def found(params):
        return [client.pk for client in staff_client.get(CLIENTS, params).context["cl"].result_list]

    assert found({"q": "Nowak"}) == [nowak.pk]
    assert found({"q": "nowak@example"}) == [nowak.pk]
    assert found({"q": "774 000 14 54"}) == [nowak.pk]  # a NIP typed with spaces
    wide = staff_client.get(CLIENTS, {"q": "Kowalski"})
    assert wide.context["cl"].paginator.capped
    assert len(wide.context["cl"].result_list) == 7  # all of them: one page, the count says "ponad 5"
    assert "ponad 5 wyników" in wide.content.decode()
