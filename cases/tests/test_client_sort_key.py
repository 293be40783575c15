"""Sorting the case and invoice lists by client through the name stored on the invoice (issue 13).

`Invoice.client_sort_name` is what the lists sort by; these tests check it follows the client: set
when an invoice is created for or moved to a client, updated for every invoice when a sync renames
the client, and the lists show the order of the names a clerk reads.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Client, Invoice
from cases.services import client_upsert_from_infakt, invoice_upsert_from_infakt
from infakt.types import ClientRecord, InvoiceRecord

from .conftest import make_case, make_client

ACTIVE = reverse("cases:active")
CASES = reverse("admin:cases_case_changelist")
INVOICES = reverse("admin:cases_invoice_changelist")


def table_numbers(response) -> list[str]:
    return [row.record.invoice.number for row in response.context["table"].paginated_rows]


def admin_sorted(client, url: str, column: str, *, descending: bool = False) -> list:
    """The admin list sorted by `column` (by its position, as the column header links do)."""
    position = client.get(url).context["cl"].list_display.index(column)
    return list(client.get(url, {"o": f"-{position}" if descending else str(position)}).context["cl"].result_list)


def rename_by_sync(client: Client, company_name: str = "", *, first_name: str = "", last_name: str = "") -> None:
    client_upsert_from_infakt(
        record=ClientRecord(
            id=client.infakt_id,
            company_name=company_name,
            first_name=first_name,
            last_name=last_name,
            nip=client.nip,
            email=client.email_raw,
        ),
        now=timezone.now(),
    )


@pytest.fixture
def three_clients(stages):
    """Cases of Alfa, Beta and Gamma (two of Beta's), in an order that differs from the names'."""
    gamma, alfa, beta = make_client("Gamma S.A."), make_client("Alfa Sp. z o.o."), make_client("Beta Sp. j.")
    make_case(client=gamma, number="G/1")
    make_case(client=beta, number="B/1")
    make_case(client=alfa, number="A/1")
    make_case(client=beta, number="B/2")
    return alfa, beta, gamma


def test_an_invoice_carries_its_clients_name_a_person_by_first_and_last_name(stages):
    company = make_case(client=make_client("Kowalski Budownictwo Sp. z o.o."), number="C/1").invoice
    person = make_client("")
    Client.objects.filter(pk=person.pk).update(first_name="Jan", last_name="Nowak")
    person.refresh_from_db()
    private = make_case(client=person, number="P/1").invoice
    nobody = make_case(client=None, number="N/1").invoice
    assert Invoice.objects.get(pk=company.pk).client_sort_name == "Kowalski Budownictwo Sp. z o.o."
    assert Invoice.objects.get(pk=private.pk).client_sort_name == "Jan Nowak" == person.name
    assert Invoice.objects.get(pk=nobody.pk).client_sort_name == ""


def test_every_list_sorts_by_client_name_both_ways(admin_client, three_clients):
    assert table_numbers(admin_client.get(ACTIVE, {"sort": "client"})) == ["A/1", "B/1", "B/2", "G/1"]
    assert table_numbers(admin_client.get(ACTIVE, {"sort": "-client"})) == ["G/1", "B/2", "B/1", "A/1"]
    cases = admin_sorted(admin_client, CASES, "client_name")
    assert [case.invoice.number for case in cases] == ["A/1", "B/1", "B/2", "G/1"]
    cases = admin_sorted(admin_client, CASES, "client_name", descending=True)
    assert [case.invoice.number for case in cases] == ["G/1", "B/2", "B/1", "A/1"]
    invoices = admin_sorted(admin_client, INVOICES, "client_shown")
    assert [invoice.number for invoice in invoices] == ["A/1", "B/1", "B/2", "G/1"]
    assert "Alfa Sp. z o.o." in admin_client.get(INVOICES).content.decode()  # the column shows the client


def test_a_client_renamed_by_a_sync_moves_in_every_list(admin_client, three_clients):
    alfa, beta, _gamma = three_clients
    rename_by_sync(beta, "Zeta Sp. j.")  # Beta's two invoices now sort last
    rename_by_sync(alfa, first_name="Hanna", last_name="Nowak")  # a person: "Hanna Nowak", between G and Z
    assert set(Invoice.objects.filter(client=beta).values_list("client_sort_name", flat=True)) == {"Zeta Sp. j."}
    expected = ["G/1", "A/1", "B/1", "B/2"]
    assert table_numbers(admin_client.get(ACTIVE, {"sort": "client"})) == expected
    assert [case.invoice.number for case in admin_sorted(admin_client, CASES, "client_name")] == expected
    assert [invoice.number for invoice in admin_sorted(admin_client, INVOICES, "client_shown")] == expected


def test_a_sync_that_does_not_rename_updates_no_invoice(stages, kowalski):
    make_case(client=kowalski, number="K/1")
    before = Invoice.objects.get(number="K/1").updated_at
    rename_by_sync(kowalski, kowalski.company_name)
    assert Invoice.objects.get(number="K/1").updated_at == before


def test_an_invoice_moved_to_another_client_by_a_sync_takes_its_name(stages, kowalski):
    other = make_client("Omega Sp. z o.o.")
    invoice = make_case(client=kowalski, number="FV/9/2026").invoice
    due = invoice.due_date
    record = InvoiceRecord(
        id=invoice.infakt_id,
        uuid=invoice.uuid,
        number=invoice.number,
        status="sent",
        invoice_date=due - timedelta(days=14),
        payment_date=due,
        gross_price=invoice.gross,
        left_to_pay=invoice.left_to_pay,
        currency="PLN",
        client_id=other.infakt_id,
    )
    invoice_upsert_from_infakt(record=record, now=timezone.now())
    invoice.refresh_from_db()
    assert (invoice.client_id, invoice.client_sort_name) == (other.pk, "Omega Sp. z o.o.")


@pytest.mark.parametrize("n", [3, 30])
def test_the_lists_sorted_by_client_run_the_same_queries_for_3_and_30_clients(
    admin_client, stages, n, django_assert_max_num_queries
):
    for i in range(n):
        make_case(client=make_client(f"Klient {i:03d}"), number=f"K/{i}")
    with django_assert_max_num_queries(12):
        assert admin_client.get(ACTIVE, {"sort": "client"}).status_code == 200
    with django_assert_max_num_queries(16):
        assert admin_client.get(CASES, {"o": "2"}).status_code == 200
    with django_assert_max_num_queries(8):
        assert admin_client.get(INVOICES, {"o": "2"}).status_code == 200
