"""/cases/active/, /cases/closed/ and the case page: sorting, filters, paging, export, timeline, formats."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent
from common.calendar import business_today
from common.formatting import format_date, format_datetime, format_money

from .conftest import make_case

ACTIVE = reverse("cases:active")
CLOSED = reverse("cases:closed")


def numbers(response) -> list[str]:
    return [row.record.invoice.number for row in response.context["table"].paginated_rows]


# --- Formats -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grosze", "currency", "expected"),
    [
        (123456, "PLN", "1 234,56 zł"),
        (5, "PLN", "0,05 zł"),
        (100000000, "PLN", "1 000 000,00 zł"),
        (-123456, "PLN", "-1 234,56 zł"),
        (99999, "EUR", "999,99 EUR"),
    ],
)
def test_money_is_formatted_from_integer_grosze(grosze, currency, expected):
    assert format_money(grosze, currency) == expected


def test_dates_are_formatted_day_month_year_in_warsaw_time():
    assert format_date(date(2026, 12, 31)) == "31.12.2026"
    # 23:30 UTC on 31.12 is already 1 January in Warsaw.
    assert format_date(datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC"))) == "01.01.2027"
    assert format_datetime(datetime(2026, 6, 30, 12, 5, tzinfo=ZoneInfo("UTC"))) == "30.06.2026 14:05"


# --- Access ------------------------------------------------------------------------------


def test_every_page_needs_a_login(client, stages, kowalski):
    case = make_case(client=kowalski)
    for url in (ACTIVE, CLOSED, reverse("cases:detail", args=[case.pk]), reverse("admin:cases_case_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_a_staff_user_without_a_role_is_refused(client, stages, kowalski, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", is_staff=True))
    assert client.get(ACTIVE).status_code == 403
    assert client.get(reverse("cases:detail", args=[make_case(client=kowalski).pk])).status_code == 403


# --- Lists -------------------------------------------------------------------------------


def test_the_active_list_shows_active_cases_100_a_page_most_overdue_first(staff_client, many_cases):
    many_cases(130)
    make_case(client=None, number="FV/CLOSED", status=Case.Status.CLOSED)
    response = staff_client.get(ACTIVE)
    assert response.status_code == 200
    rows = list(response.context["table"].paginated_rows)
    assert len(rows) == 100
    days = [row.record.days_past_due for row in rows]
    assert days == sorted(days, reverse=True)
    assert response.context["table"].paginator.count == 130
    page2 = staff_client.get(ACTIVE, {"page": 2})
    assert len(list(page2.context["table"].paginated_rows)) == 30
    assert not set(numbers(response)) & set(numbers(page2))
    assert "FV/CLOSED" not in response.content.decode()


def test_the_closed_list_shows_closed_cases(staff_client, stages, kowalski):
    make_case(client=kowalski, number="FV/OPEN")
    make_case(client=kowalski, number="FV/PAID", status=Case.Status.CLOSED)
    response = staff_client.get(CLOSED)
    assert numbers(response) == ["FV/PAID"]
    assert "opłacona" in response.content.decode()


def test_the_list_shows_polish_formats_and_marks(staff_client, stages, nowak):
    case = make_case(client=nowak, number="FV/7/2026", gross=123456, left_to_pay=100050, last_stage_offset=14)
    Case.objects.filter(pk=case.pk).update(letters_sent=2)
    html = staff_client.get(ACTIVE).content.decode()
    assert "1 234,56 zł" in html
    assert "1 000,50 zł" in html
    assert format_date(case.invoice.due_date) in html
    assert "wysłano 2 z 5" in html
    assert "Wezwanie do zapłaty" in html
    assert "brak poprawnego e-maila" in html
    assert reverse("cases:detail", args=[case.pk]) in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("days_past_due", ["EARLY", "MID", "LATE"]),
        ("-days_past_due", ["LATE", "MID", "EARLY"]),
        ("left_to_pay", ["MID", "EARLY", "LATE"]),
        ("-gross", ["LATE", "EARLY", "MID"]),
        ("number", ["EARLY", "LATE", "MID"]),
        ("due_date", ["LATE", "MID", "EARLY"]),
        ("client", ["LATE", "EARLY", "MID"]),  # Kowalski before Nowak, then by id
        ("missing_email", ["MID", "LATE", "EARLY"]),  # no e-mail first
        ("progress", ["EARLY", "MID", "LATE"]),  # no stage yet first
        ("-progress", ["LATE", "MID", "EARLY"]),
    ],
)
def test_every_column_sorts_in_the_database(staff_client, stages, kowalski, nowak, sort, expected):
    make_case(client=kowalski, number="LATE", days_past_due=40, gross=90000, last_stage_offset=30)
    make_case(client=nowak, number="MID", days_past_due=12, gross=10000, last_stage_offset=7)
    make_case(client=kowalski, number="EARLY", days_past_due=-3, gross=50000)
    response = staff_client.get(ACTIVE, {"sort": sort})
    assert numbers(response) == expected


def make_filter_cases(kowalski, nowak):
    today = business_today()
    make_case(client=kowalski, number="A/NOT-DUE", days_past_due=-2, gross=50000)
    make_case(client=kowalski, number="B/5", days_past_due=5, gross=150000, paused_until=today + timedelta(days=3))
    make_case(client=nowak, number="C/45", days_past_due=45, gross=300000, last_stage_offset=30)
    make_case(
        client=kowalski, number="D/120", days_past_due=120, gross=1000000, left_to_pay=20000, last_stage_offset=14
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "C/45"}, {"C/45"}),
        ({"q": "biuro@kowalski.pl"}, {"A/NOT-DUE", "B/5", "D/120"}),
        ({"q": "PL 774-000-14-54"}, {"C/45"}),
        ({"client": "nowak"}, {"C/45"}),
        ({"nip": "526-104"}, {"A/NOT-DUE", "B/5", "D/120"}),
        ({"days_min": "1", "days_max": "60"}, {"B/5", "C/45"}),
        ({"days_min": "100"}, {"D/120"}),
        ({"days_max": "0"}, {"A/NOT-DUE"}),
        ({"stage": "STAGE14"}, {"D/120"}),
        ({"amount_min": "200", "amount_max": "1500"}, {"A/NOT-DUE", "B/5", "D/120"}),
        ({"amount_min": "1500.01"}, {"C/45"}),
        ({"amount_max": "499.99"}, {"D/120"}),
        ({"missing_email": "true"}, {"C/45"}),
        ({"missing_email": "false"}, {"A/NOT-DUE", "B/5", "D/120"}),
        ({"paused": "true"}, {"B/5"}),
        ({"paused": "false"}, {"A/NOT-DUE", "C/45", "D/120"}),
    ],
)
def test_filters(staff_client, stages, kowalski, nowak, params, expected):
    make_filter_cases(kowalski, nowak)
    if params.get("stage") == "STAGE14":
        params = {"stage": next(s.pk for s in stages if s.offset_days == 14)}
    response = staff_client.get(ACTIVE, params)
    assert response.status_code == 200
    assert set(numbers(response)) == expected


def test_the_due_date_range_filter(staff_client, stages, kowalski, nowak):
    make_filter_cases(kowalski, nowak)
    today = business_today()
    params = {"due_after": (today - timedelta(days=50)).isoformat(), "due_before": today.isoformat()}
    assert set(numbers(staff_client.get(ACTIVE, params))) == {"B/5", "C/45"}
    # Polish typed dates work too.
    params = {"due_after": f"{today - timedelta(days=50):%d.%m.%Y}", "due_before": f"{today:%d.%m.%Y}"}
    assert set(numbers(staff_client.get(ACTIVE, params))) == {"B/5", "C/45"}


def test_the_list_runs_the_same_number_of_queries_for_5_and_150_cases(
    staff_client, many_cases, django_assert_max_num_queries
):
    many_cases(5)
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(ACTIVE).status_code == 200
    many_cases(145)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(ACTIVE, {"sort": "-days_past_due"})
    assert len(list(response.context["table"].paginated_rows)) == 100
    with django_assert_max_num_queries(len(small.captured_queries)):
        staff_client.get(ACTIVE, {"page": 2, "q": "Kowalski", "days_min": 1, "missing_email": "false"})


# --- Export ------------------------------------------------------------------------------


def test_the_csv_export_holds_the_whole_filtered_list_not_just_a_page(staff_client, many_cases, nowak):
    many_cases(120)
    make_case(client=nowak, number="FV/NOWAK", gross=123456, last_stage_offset=7)
    response = staff_client.get(ACTIVE, {"_export": "csv", "missing_email": "false", "page": 1, "sort": "gross"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the BOM as UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["numer faktury", "kontrahent", "NIP", "e-mail"]
    assert len(rows) == 1 + 120
    assert "FV/NOWAK" not in text
    grosses = [row[4] for row in rows[1:]]
    assert grosses[:2] == ["100,00", "100,01"]  # sorted as asked, decimal comma
    one = staff_client.get(ACTIVE, {"_export": "csv", "q": "FV/NOWAK"})
    row = list(csv.reader(io.StringIO(b"".join(one.streaming_content).decode().lstrip("\ufeff")), delimiter=";"))[1]
    case = Case.objects.get(invoice__number="FV/NOWAK")
    # The claim columns (issue 12): no seeded rate covers late 2026 and no EUR rate is stored: empty, never 0.
    assert row[-4:-1] == ["", "", ""]
    assert row[-1] == "VAT"  # the document kind, last
    assert row[:-4] == [
        "FV/NOWAK",
        "Nowak Handel Jan Nowak",
        "7740001454",
        "",
        "1234,56",
        "1234,56",
        "PLN",
        format_date(case.invoice.due_date),
        "10",
        "2/5 Informacja o przekroczeniu terminu",
        format_date(case.next_reminder_date),
        "",
        "aktywna",
    ]


def test_the_xlsx_export_holds_numbers_and_dates(staff_client, stages, kowalski):
    case = make_case(client=kowalski, number="FV/PAID/1", gross=250000, status=Case.Status.CLOSED)
    make_case(client=kowalski, number="FV/OPEN/1")
    response = staff_client.get(CLOSED, {"_export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "zamknięta" in sheet
    assert "powód zamknięcia" in sheet
    assert "FV/PAID/1" in sheet
    assert "FV/OPEN/1" not in sheet
    assert "<v>2500</v>" in sheet  # a number, not text
    serial = (case.invoice.due_date - date(1899, 12, 30)).days  # Excel's day count
    assert f"<v>{serial}</v>" in sheet  # a date cell


# --- The case page -------------------------------------------------------------------------


def test_the_case_page_shows_the_timeline(staff_client, stages, kowalski, staff_user):
    case = make_case(client=kowalski, number="FV/TIMELINE", gross=200000, left_to_pay=150000)
    at = case.opened_at
    for minutes, kind, message in [
        (60, "refreshed", "Odświeżono z InFakt"),
        (120, "payment", "Wpłata: zapłacono 50000 gr"),
        (180, "paused", "Wstrzymano do 31.12.2026: obietnica zapłaty"),
        (240, "resumed", "Wznowiono przypomnienia"),
    ]:
        CaseEvent.objects.create(case=case, at=at + timedelta(minutes=minutes), kind=kind, message=message)
    notification = _make_notification(case, stages[0], status="sent", at=at + timedelta(minutes=90))
    response = staff_client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Otwarto FV/TIMELINE", "Odświeżono z InFakt", "Wpłata", "Wstrzymano do 31.12.2026", "Wznowiono"):
        assert text in html
    assert "2 000,00 zł" in html
    assert "1 500,00 zł" in html
    kinds = [entry["kind"] for entry in response.context["timeline"]]
    assert kinds == ["opened", "refreshed", "email", "payment", "paused", "resumed"]
    assert notification.subject in html
    assert "wysłane" in html
    assert "biuro@kowalski.pl" in html


def test_a_closed_case_page_shows_its_closing(manager_client, stages, kowalski):
    case = make_case(client=kowalski, number="FV/DONE", status=Case.Status.CLOSED)
    response = manager_client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "FV/DONE" in html
    assert "Zamknięto: opłacona" in html
    assert format_datetime(case.closed_at) in html
    assert [e["kind"] for e in response.context["timeline"]] == ["opened", "closed"]


def test_the_case_page_runs_a_constant_number_of_queries(staff_client, stages, kowalski):
    case = make_case(client=kowalski)
    url = reverse("cases:detail", args=[case.pk])
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    for i in range(20):
        CaseEvent.objects.create(case=case, at=timezone.now(), kind="refreshed", message=f"r{i}")
    for stage in stages:
        _make_notification(case, stage, status="sent", at=timezone.now())
    with CaptureQueriesContext(connection) as many:
        staff_client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def _make_notification(case, stage, *, status, at):
    from notifications.models import Notification

    notification = Notification.objects.create(
        case=case,
        stage=stage,
        status=status,
        send_date=at.date(),
        recipients=["biuro@kowalski.pl"],
        subject=f"{stage.name}: faktura {case.invoice.number}",
        sent_at=at if status == "sent" else None,
    )
    Notification.objects.filter(pk=notification.pk).update(created_at=at)
    notification.refresh_from_db()
    return notification


# --- Language ------------------------------------------------------------------------------


def test_polish_by_default_english_on_request(staff_client, stages, kowalski):
    make_case(client=kowalski, gross=123456)
    assert "Sprawy aktywne" in staff_client.get(ACTIVE).content.decode()
    response = staff_client.get(ACTIVE, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Active cases" in html
    assert "1 234,56 zł" in html  # money and dates keep the Polish business format


def test_the_list_filters_cases_to_hand_over_and_says_so(staff_client, stages, nowak):
    waiting = make_case(client=nowak, number="FV/HAND/1", last_stage_offset=30)
    done = make_case(client=nowak, number="FV/HAND/2", last_stage_offset=30)
    make_case(client=nowak, number="FV/LADDER/3", last_stage_offset=7)
    Case.objects.filter(pk=waiting.pk).update(handover=Case.Handover.TO_HAND_OVER)
    Case.objects.filter(pk=done.pk).update(handover=Case.Handover.HANDED_OVER, handed_over_to="Kancelaria")

    html = staff_client.get(ACTIVE, {"handover": "to_hand_over"}).content.decode()

    assert "FV/HAND/1" in html
    assert "FV/HAND/2" not in html
    assert "FV/LADDER/3" not in html
    assert "do przekazania" in html
    html = staff_client.get(ACTIVE, {"handover": "handed_over"}).content.decode()
    assert "FV/HAND/2" in html
    assert "FV/HAND/1" not in html
