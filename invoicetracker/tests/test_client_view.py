"""The client page (/clients/<id>/) and the per-client filter with the sum row of the case lists (issue 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent
from cases.tests.conftest import make_case, make_client
from common.calendar import business_today
from common.formatting import format_date
from notifications.models import ReminderMessage

ACTIVE = reverse("cases:active")
CLOSED = reverse("cases:closed")


def letter(client, *, days_ago: int = 1, subject: str = "Wezwanie do zapłaty FV/1") -> ReminderMessage:
    return ReminderMessage.objects.create(
        client=client,
        status="sent",
        send_date=business_today() - timedelta(days=days_ago),
        recipients=list(client.emails),
        subject=subject,
        body_text="Szanowni Państwo, prosimy o zapłatę.",
        sent_at=timezone.now(),
    )


def build_client_history(client, n: int) -> None:
    for i in range(n):
        case = make_case(client=client, days_past_due=10 + i, gross=10000 + i, last_stage_offset=7)
        CaseEvent.objects.create(case=case, at=timezone.now(), kind=CaseEvent.Kind.NOTE, message=f"Notatka {i}")
        make_case(client=client, status=Case.Status.CLOSED, days_past_due=40 + i)
        letter(client, days_ago=i, subject=f"Wezwanie {i}")
    make_case(client=client, currency="EUR", gross=5000, days_past_due=3)


@pytest.mark.django_db
def test_client_page_shows_totals_per_currency_oldest_due_cases_letters_notes_and_contacts(
    staff_client, stages, kowalski
):
    kowalski.phone = "+48 600 100 200"
    kowalski.street, kowalski.street_number, kowalski.postal_code = "Prosta", "5", "00-001"
    kowalski.save()
    oldest = make_case(client=kowalski, number="FV/OLD/2026", days_past_due=45, gross=100000, left_to_pay=40000)
    make_case(client=kowalski, number="FV/NEW/2026", days_past_due=5, gross=23456)
    make_case(client=kowalski, number="FV/EUR/2026", days_past_due=2, gross=5000, currency="EUR")
    make_case(client=kowalski, number="FV/PAID/2026", status=Case.Status.CLOSED)
    other = make_client("Inna Firma", nip="1111111111")
    make_case(client=other, number="FV/OTHER/2026", gross=999999)
    sent = letter(kowalski, subject="Wezwanie do zapłaty FV/OLD/2026")
    CaseEvent.objects.create(case=oldest, at=timezone.now(), kind=CaseEvent.Kind.NOTE, message="Dzwonić po 10:00")

    response = staff_client.get(reverse("clients:detail", args=[kowalski.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "634,56 zł" in html  # 400,00 + 234,56 left to pay in PLN
    assert "50,00 EUR" in html
    assert format_date(oldest.invoice.due_date) in html
    for number in ("FV/OLD/2026", "FV/NEW/2026", "FV/EUR/2026", "FV/PAID/2026"):
        assert number in html
    assert "FV/OTHER/2026" not in html
    assert "Wezwanie do zapłaty FV/OLD/2026" in html
    assert reverse("admin:notifications_remindermessage_change", args=[sent.pk]) in html
    assert "Dzwonić po 10:00" in html
    assert "+48 600 100 200" in html
    assert "Prosta 5, 00-001 Warszawa" in html
    assert "biuro@kowalski.pl" in html
    assert "5261040828" in html
    assert "firma" in html
    assert f"{ACTIVE}?client_id={kowalski.pk}" in html


@pytest.mark.django_db
def test_client_page_queries_stay_constant_however_many_cases_and_letters(
    staff_client, stages, kowalski, django_assert_max_num_queries
):
    url = reverse("clients:detail", args=[kowalski.pk])
    build_client_history(kowalski, 2)
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(url).status_code == 200
    build_client_history(kowalski, 60)  # beyond every section's cap
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(url)
    html = response.content.decode()
    assert "wszystkie sprawy otwarte tego kontrahenta" in html
    assert "wszystkie listy do tego kontrahenta" in html


@pytest.mark.django_db
def test_managers_read_the_client_page_and_anonymous_users_do_not(client, manager_client, stages, kowalski):
    make_case(client=kowalski, number="FV/M/2026")
    letter(kowalski, subject="Informacja o przekroczeniu terminu")
    url = reverse("clients:detail", args=[kowalski.pk])
    response = manager_client.get(url)
    assert response.status_code == 200
    assert "FV/M/2026" in response.content.decode()
    assert "Informacja o przekroczeniu terminu" in response.content.decode()
    client.logout()
    assert client.get(url).status_code in (302, 403)


@pytest.mark.django_db
def test_client_page_in_english_has_no_polish_headings(staff_client, stages, kowalski):
    make_case(client=kowalski)
    staff_client.cookies.load({"django_language": "en"})
    html = staff_client.get(reverse("clients:detail", args=[kowalski.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Left to pay" in html
    for polish in ("Pozostało do zapłaty", "Sprawy w toku", "Wysłane listy", "Notatki", "Najstarszy termin"):
        assert polish not in html


@pytest.mark.django_db
def test_list_filtered_by_a_client_link_shows_its_cases_and_a_sum_row(staff_client, stages, kowalski, nowak):
    make_case(client=kowalski, number="FV/K1/2026", gross=100000, left_to_pay=25000)
    make_case(client=kowalski, number="FV/K2/2026", gross=50050)
    make_case(client=kowalski, number="FV/K3/2026", gross=1000, currency="EUR")
    make_case(client=nowak, number="FV/N1/2026", gross=777700)

    listing = staff_client.get(ACTIVE).content.decode()
    assert reverse("clients:detail", args=[kowalski.pk]) in listing
    assert f"?client_id={kowalski.pk}" in listing

    response = staff_client.get(ACTIVE, {"client_id": kowalski.pk})
    html = response.content.decode()
    assert {row.record.invoice.number for row in response.context["table"].paginated_rows} == {
        "FV/K1/2026",
        "FV/K2/2026",
        "FV/K3/2026",
    }
    sums = {row.currency: (row.count, row.left_to_pay) for row in response.context["sums"]}
    assert sums == {"PLN": (2, 75050), "EUR": (1, 1000)}
    assert "750,50 zł" in html
    assert "10,00 EUR" in html
    assert "Tylko sprawy kontrahenta" in html
    assert response.context["table"].paginator.count == 3


@pytest.mark.django_db
def test_sum_row_follows_the_other_filters_and_costs_constant_queries(
    staff_client, many_cases, django_assert_max_num_queries
):
    many_cases(30)
    with CaptureQueriesContext(connection) as small:
        staff_client.get(ACTIVE, {"amount_min": "100.10"})
    many_cases(150)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(ACTIVE, {"amount_min": "100.10"})
    (row,) = response.context["sums"]
    expected = Case.objects.filter(status="active", invoice__left_to_pay__gte=10010)
    assert row.count == expected.count() == response.context["table"].paginator.count
    assert row.left_to_pay == sum(c.invoice.left_to_pay for c in expected.select_related("invoice"))


@pytest.mark.django_db
def test_closed_list_takes_the_client_filter_too(staff_client, stages, kowalski, nowak):
    make_case(client=kowalski, number="FV/KC/2026", status=Case.Status.CLOSED)
    make_case(client=nowak, number="FV/NC/2026", status=Case.Status.CLOSED)
    response = staff_client.get(CLOSED, {"client_id": kowalski.pk})
    assert [row.record.invoice.number for row in response.context["table"].paginated_rows] == ["FV/KC/2026"]


@pytest.mark.django_db
def test_the_case_page_and_the_admin_lists_link_to_the_client_page(staff_client, stages, kowalski):
    case = make_case(client=kowalski, number="FV/LINK/2026")
    url = reverse("clients:detail", args=[kowalski.pk])
    assert url in staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert url in staff_client.get(reverse("admin:cases_case_changelist")).content.decode()
    assert url in staff_client.get(reverse("admin:cases_client_changelist")).content.decode()
    assert url in staff_client.get(reverse("admin:cases_client_change", args=[kowalski.pk])).content.decode()


@pytest.mark.django_db
def test_a_big_client_page_shows_the_oldest_cases_and_how_many_more_with_links_to_the_lists(
    staff_client, stages, kowalski, django_assert_max_num_queries
):
    from invoicetracker.clients import CLOSED_CASES_SHOWN, OPEN_CASES_SHOWN

    for i in range(OPEN_CASES_SHOWN + 3):  # 3 more open than shown; the oldest due first
        make_case(client=kowalski, number=f"FV/O/{i:02d}", days_past_due=100 - i)
    make_case(client=kowalski, number="FV/O/EUR", days_past_due=1, currency="EUR")  # 4 more across currencies
    for i in range(CLOSED_CASES_SHOWN + 2):
        make_case(client=kowalski, number=f"FV/C/{i:02d}", status=Case.Status.CLOSED)
    make_case(client=make_client("Inna Firma", nip="1111111111"), number="FV/OTHER", status=Case.Status.CLOSED)
    url = reverse("clients:detail", args=[kowalski.pk])
    with django_assert_max_num_queries(15):  # as for a client with two cases (the test above)
        response = staff_client.get(url)
    html = response.content.decode()
    assert [case.invoice.number for case in response.context["open_cases"]] == [
        f"FV/O/{i:02d}" for i in range(OPEN_CASES_SHOWN)
    ]
    assert "FV/O/EUR" not in html
    assert len(response.context["closed_cases"]) == CLOSED_CASES_SHOWN
    assert "FV/OTHER" not in html
    assert f'<a href="{ACTIVE}?client_id={kowalski.pk}">jeszcze 4 sprawy otwarte' in html
    assert f'<a href="{CLOSED}?client_id={kowalski.pk}">jeszcze 2 sprawy zamknięte' in html
    assert [(row["currency"], row["count"]) for row in response.context["totals"]] == [
        ("EUR", 1),
        ("PLN", OPEN_CASES_SHOWN + 3),
    ]
    make_case(client=kowalski, number="FV/C/LAST", status=Case.Status.CLOSED)
    for i in range(3):
        make_case(client=kowalski, number=f"FV/O/NEW{i}", days_past_due=1)
    html = staff_client.get(url).content.decode()
    assert "jeszcze 7 spraw otwartych" in html  # the Polish plural forms
    assert "jeszcze 3 sprawy zamknięte" in html
    staff_client.cookies.load({"django_language": "en"})
    html = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "7 more open cases" in html
    assert "3 more closed cases" in html
