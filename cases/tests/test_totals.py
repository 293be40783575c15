"""The case lists' totals that PostgreSQL keeps (`CaseTotalDelta`, migration 0019) are the cases added up,
whatever wrote the change: a model save, a queryset update, a bulk update, a service, a delete; folded or
not. The whole list's sum row reads them instead of adding up every case."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseTotalDelta, Client, Invoice
from cases.selectors import case_sums, case_totals
from cases.services import case_close, case_totals_compact

from .conftest import make_case, make_client


def added_up(status, **filters):
    return case_sums(Case.objects.filter(status=status, **filters))


def assert_totals_right():
    """The whole lists' totals and every client's are their cases added up."""
    for status in (Case.Status.ACTIVE, Case.Status.CLOSED):
        assert case_totals(status) == added_up(status), status
        for client in Client.objects.all():
            assert case_totals(status, client_id=client.pk) == added_up(status, invoice__client=client), client


@pytest.fixture
def cases(stages, kowalski):
    other = make_client("Beta Sp. z o.o.", nip="7740001454")
    made = [make_case(client=kowalski, gross=10_000 + i, days_past_due=i) for i in range(6)]
    made += [make_case(client=other, currency="EUR", gross=5_000 + i, days_past_due=i) for i in range(3)]
    made.append(make_case(client=other, status=Case.Status.CLOSED, gross=777))
    return made


def test_the_totals_follow_every_kind_of_write(cases):
    assert_totals_right()
    assert sum(row.count for row in case_totals(Case.Status.ACTIVE)) == 9

    invoice = cases[0].invoice  # a part payment through the model
    invoice.left_to_pay -= 1_234
    invoice.paid += 1_234
    invoice.save()
    assert_totals_right()

    Invoice.objects.filter(pk=cases[1].invoice_id).update(left_to_pay=1)  # a queryset update
    changed = [case.invoice for case in cases[2:4]]
    for item in changed:
        item.left_to_pay, item.currency = 99, "EUR"
    Invoice.objects.bulk_update(changed, ["left_to_pay", "currency"])  # a bulk update, a currency change
    assert_totals_right()

    case_close(case=cases[4], reason=Case.CloseReason.PAID, now=timezone.now())  # the service closing a case
    Case.objects.filter(pk=cases[5].pk).update(
        status=Case.Status.CLOSED, closed_at=cases[5].opened_at, close_reason=Case.CloseReason.MANUAL
    )
    assert_totals_right()

    Case.objects.filter(pk=cases[5].pk).update(status=Case.Status.ACTIVE, closed_at=None, close_reason="")  # reopened
    cases[6].delete()
    assert_totals_right()
    Invoice.objects.filter(pk=cases[7].invoice_id).update(number="FV/RENAMED")  # not an amount: no row
    assert_totals_right()
    Invoice.objects.filter(pk=cases[0].invoice_id).update(client=cases[8].invoice.client)  # another client's now
    assert_totals_right()


def test_folding_keeps_the_totals_and_leaves_a_row_per_status_and_currency(cases):
    Invoice.objects.filter(pk=cases[0].invoice_id).update(left_to_pay=5)
    for case in cases[6:9]:  # every EUR case closed: the (active, EUR) total folds to nothing
        case_close(case=case, reason=Case.CloseReason.PAID, now=timezone.now())
    before = {status: case_totals(status) for status in (Case.Status.ACTIVE, Case.Status.CLOSED)}
    assert CaseTotalDelta.objects.count() > 4

    case_totals_compact()

    assert {status: case_totals(status) for status in before} == before
    assert_totals_right()
    rows = sorted(CaseTotalDelta.objects.filter(whole=True).values_list("status", "currency"))
    assert rows == [("active", "PLN"), ("closed", "EUR"), ("closed", "PLN")]
    by_client = sorted(CaseTotalDelta.objects.filter(whole=False).values_list("client_id", "status", "currency"))
    kowalski, beta = cases[0].invoice.client_id, cases[6].invoice.client_id
    assert by_client == sorted([(kowalski, "active", "PLN"), (beta, "closed", "EUR"), (beta, "closed", "PLN")])
    case_totals_compact()  # again: nothing changes
    assert sorted(CaseTotalDelta.objects.filter(whole=True).values_list("status", "currency")) == rows


def test_the_whole_list_reads_the_totals_a_filtered_one_adds_up(staff_client, cases):
    active = reverse("cases:active")
    with CaptureQueriesContext(connection) as whole:
        response = staff_client.get(active, {"sort": "client"})
    assert response.context["sums"] == added_up(Case.Status.ACTIVE)
    sql = " ".join(query["sql"] for query in whole.captured_queries)
    assert "cases_casetotaldelta" in sql
    assert 'SUM("cases_invoice"."left_to_pay")' not in sql
    assert "Razem PLN" in response.content.decode()
    assert "6 spraw" in response.content.decode()

    client = cases[6].invoice.client  # one client's list: its totals too
    with CaptureQueriesContext(connection) as one_client:
        response = staff_client.get(active, {"client_id": client.pk})
    assert response.context["sums"] == added_up(Case.Status.ACTIVE, invoice__client=client)
    assert 'SUM("cases_invoice"."left_to_pay")' not in " ".join(query["sql"] for query in one_client.captured_queries)

    with CaptureQueriesContext(connection) as filtered:
        response = staff_client.get(active, {"days_min": 3})
    assert 'SUM("cases_invoice"."left_to_pay")' in " ".join(query["sql"] for query in filtered.captured_queries)
    assert sum(row.count for row in response.context["sums"]) == 3  # 3-5 days PLN, none of the EUR (0-2 days)


@pytest.mark.django_db(transaction=True)
def test_emptying_the_cases_table_empties_the_totals(cases):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_case CASCADE")
    assert case_totals(Case.Status.ACTIVE) == []
    assert not CaseTotalDelta.objects.exists()
