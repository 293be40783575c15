"""The case admin: columns, filters, search, sorting, actions, constant queries, read-only closed cases."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent
from common.calendar import business_today
from syncstatus.models import SyncRun

from .conftest import make_case

CHANGELIST = reverse("admin:cases_case_changelist")


def result_numbers(response) -> list[str]:
    return [case.invoice.number for case in response.context["cl"].result_list]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def act(client, action, cases, **extra):
    data = {"action": action, "_selected_action": [c.pk for c in cases], "index": 0, **extra}
    return client.post(CHANGELIST, data, follow=True)


# --- The list ------------------------------------------------------------------------


def test_it_lists_cases_with_polish_money_dates_progress_and_a_missing_email_mark(staff_client, stages, nowak):
    case = make_case(client=nowak, number="FV/1/11/2026", gross=123456, left_to_pay=23456, last_stage_offset=7)
    Case.objects.filter(pk=case.pk).update(letters_sent=1)  # -1 skipped, +7 sent
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "FV/1/11/2026" in html
    assert "234,56 zł" in html  # left to pay; the gross is on the case page
    assert case.invoice.due_date.strftime("%d.%m.%Y") in html
    assert "wysłano 1 z 5" in html  # the letters actually sent, not the rungs passed
    assert "Informacja o przekroczeniu terminu" in html
    assert "brak poprawnego e-maila" in html
    assert response.context["cl"].list_per_page == 100


def test_days_past_due_is_computed_by_the_database_and_sortable(staff_client, stages, kowalski):
    make_case(client=kowalski, number="LATE", days_past_due=40)
    make_case(client=kowalski, number="EARLY", days_past_due=-3)
    make_case(client=kowalski, number="MID", days_past_due=12)
    response = staff_client.get(CHANGELIST)
    assert result_numbers(response) == ["LATE", "MID", "EARLY"]  # default: most overdue first
    assert [c.days_past_due for c in response.context["cl"].result_list] == [40, 12, -3]
    column = response.context["cl"].list_display.index("days_past_due")
    response = staff_client.get(CHANGELIST, {"o": str(column)})
    assert result_numbers(response) == ["EARLY", "MID", "LATE"]
    response = staff_client.get(CHANGELIST, {"o": f"-{column}"})
    assert result_numbers(response) == ["LATE", "MID", "EARLY"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"overdue": "not_due"}, {"NOT-DUE"}),
        ({"overdue": "1-7"}, {"D5"}),
        ({"overdue": "31-60"}, {"D45"}),
        ({"overdue": "90+"}, {"D120"}),
        ({"status__exact": "closed"}, {"CLOSED"}),
        ({"email": "missing"}, {"D45"}),
        ({"paused": "yes"}, {"D5"}),
        ({"last_stage": "14"}, {"D120"}),
        ({"last_stage": "none"}, {"NOT-DUE", "D5", "D45", "CLOSED"}),
        ({"currency": "EUR"}, {"D45"}),
        ({"q": "7740001454"}, {"D45"}),
        ({"q": "PL 774-000-14-54"}, {"D45"}),
        ({"q": "kowalski biuro@"}, {"NOT-DUE", "D5", "D120", "CLOSED"}),
        ({"q": "biuro@kowalski"}, {"NOT-DUE", "D5", "D120", "CLOSED"}),
        ({"q": "Nowak"}, {"D45"}),
        ({"q": "D120"}, {"D120"}),
    ],
)
def test_filters_and_search(staff_client, stages, kowalski, nowak, params, expected):
    today = business_today()
    make_case(client=kowalski, number="NOT-DUE", days_past_due=-2)
    make_case(client=kowalski, number="D5", days_past_due=5, paused_until=today + timedelta(days=3))
    make_case(client=nowak, number="D45", days_past_due=45, currency="EUR")
    make_case(client=kowalski, number="D120", days_past_due=120, last_stage_offset=14)
    make_case(client=kowalski, number="CLOSED", days_past_due=20, status=Case.Status.CLOSED)
    response = staff_client.get(CHANGELIST, params)
    assert response.status_code == 200
    assert set(result_numbers(response)) == expected


def test_the_date_hierarchy_drills_into_due_dates(staff_client, stages, kowalski):
    case = make_case(client=kowalski)
    due = case.invoice.due_date
    response = staff_client.get(
        CHANGELIST, {"invoice__due_date__year": due.year, "invoice__due_date__month": due.month}
    )
    assert result_numbers(response) == [case.invoice.number]


def test_the_changelist_runs_the_same_number_of_queries_for_5_and_150_cases(
    staff_client, many_cases, django_assert_max_num_queries
):
    many_cases(5)
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(CHANGELIST).status_code == 200
    many_cases(145)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 100
    # Filters and a search do not add per-row queries either.
    with CaptureQueriesContext(connection) as filtered:
        staff_client.get(CHANGELIST, {"overdue": "8-14", "q": "Kowalski", "email": "ok", "o": "-8"})
    assert len(filtered.captured_queries) <= len(small.captured_queries) + 1


# --- Case pages --------------------------------------------------------------------------


def test_an_active_case_opens_read_only_with_action_buttons_and_its_timeline(staff_client, stages, kowalski):
    case = make_case(client=kowalski, number="FV/ACTIVE")
    response = staff_client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html  # nothing is edited through the form
    assert 'value="pause_cases"' in html
    assert 'value="close_cases"' in html
    assert "Otwarto FV/ACTIVE" in html  # the timeline inline


def test_a_closed_case_opens_in_full_read_only_and_never_blocked(staff_client, stages, kowalski):
    case = make_case(client=kowalski, number="FV/CLOSED", status=Case.Status.CLOSED)
    response = staff_client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "FV/CLOSED" in html
    assert "Zamknięto: opłacona" in html
    assert 'value="pause_cases"' not in html
    assert response.context["has_change_permission"] is False
    assert staff_client.post(reverse("admin:cases_case_change", args=[case.pk]), {}).status_code == 403


def test_the_client_admin_lists_the_clients_cases(staff_client, stages, kowalski, nowak):
    mine = make_case(client=kowalski, number="FV/KOWALSKI/1")
    make_case(client=kowalski, number="FV/KOWALSKI/2", status=Case.Status.CLOSED)
    make_case(client=nowak, number="FV/NOWAK/1")
    response = staff_client.get(reverse("admin:cases_client_change", args=[kowalski.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "FV/KOWALSKI/1" in html
    assert "FV/KOWALSKI/2" in html
    assert "FV/NOWAK/1" not in html
    assert reverse("admin:cases_case_change", args=[mine.pk]) in html
    listing = staff_client.get(reverse("admin:cases_client_changelist"), {"q": "5261040828"})
    assert list(listing.context["cl"].result_list) == [kowalski]
    assert listing.context["cl"].result_list[0].active_case_count == 1


def test_sync_runs_and_invoices_are_read_only_in_the_admin(admin_client, stages, kowalski):
    make_case(client=kowalski)
    now = timezone.now()
    run = SyncRun.objects.create(
        target_date=now.date(), started_at=now, finished_at=now, heartbeat_at=now, status=SyncRun.Status.SUCCESS
    )
    assert admin_client.get(reverse("admin:syncstatus_syncrun_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:syncstatus_syncrun_change", args=[run.pk])).status_code == 200
    assert admin_client.get(reverse("admin:syncstatus_syncrun_add")).status_code == 403
    assert admin_client.get(reverse("admin:cases_invoice_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:cases_case_add")).status_code == 403


# --- Actions -------------------------------------------------------------------------------


def test_pause_asks_for_a_date_and_reason_then_pauses_active_cases(staff_client, stages, kowalski, staff_user):
    active = make_case(client=kowalski)
    closed = make_case(client=kowalski, status=Case.Status.CLOSED)
    response = staff_client.post(
        CHANGELIST, {"action": "pause_cases", "_selected_action": [active.pk, closed.pk], "index": 0}
    )
    assert response.status_code == 200
    assert 'name="until"' in response.content.decode()  # the intermediate page
    until = business_today() + timedelta(days=14)
    response = act(staff_client, "pause_cases", [active, closed], apply="1", until=until.isoformat(), reason="dispute")
    active.refresh_from_db()
    assert active.paused_until == until
    assert active.pause_reason == "dispute"
    assert CaseEvent.objects.filter(case=active, kind=CaseEvent.Kind.PAUSED, user=staff_user).exists()
    [message] = messages_of(response)
    assert f"Wstrzymano 1 sprawę do {until:%d.%m.%Y}." in message
    assert "Pominięto" in message


def test_pause_refuses_a_date_in_the_past(staff_client, stages, kowalski):
    case = make_case(client=kowalski)
    response = act(
        staff_client,
        "pause_cases",
        [case],
        apply="1",
        until=(business_today() - timedelta(days=1)).isoformat(),
        reason="other",
    )
    assert "nie może być w przeszłości" in response.content.decode()
    case.refresh_from_db()
    assert case.paused_until is None


def test_resume_clears_the_pause(staff_client, stages, kowalski):
    case = make_case(client=kowalski, paused_until=business_today() + timedelta(days=5))
    response = act(staff_client, "resume_cases", [case])
    case.refresh_from_db()
    assert case.paused_until is None
    assert messages_of(response) == ["Wznowiono 1 sprawę."]


def test_close_with_a_reason_closes_manually_and_notes_it_on_the_timeline(staff_client, stages, kowalski, staff_user):
    case = make_case(client=kowalski)
    response = act(staff_client, "close_cases", [case])
    assert 'name="note"' in response.content.decode()
    response = act(staff_client, "close_cases", [case], apply="1", note="Ugoda z klientem")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.close_reason == Case.CloseReason.MANUAL
    assert case.closed_by == staff_user
    assert CaseEvent.objects.filter(case=case, kind="closed", message__contains="Ugoda z klientem").exists()
    assert messages_of(response) == ["Zamknięto 1 sprawę."]


def test_an_action_started_on_the_case_page_returns_to_it(staff_client, stages, kowalski):
    case = make_case(client=kowalski, paused_until=business_today() + timedelta(days=5))
    response = act(staff_client, "resume_cases", [case], _case=str(case.pk))
    assert response.redirect_chain[-1][0] == reverse("admin:cases_case_change", args=[case.pk])


def test_send_stage_now_sends_the_stage_to_the_open_cases_and_reports_the_refusals(
    staff_client, stages, kowalski, nowak, staff_user, mailoutbox
):
    from notifications.models import Notification

    case = make_case(client=kowalski)
    closed = make_case(client=kowalski, status=Case.Status.CLOSED)
    refused = make_case(client=nowak, number="FV/REFUSED")  # the client has no usable e-mail address

    stage = stages[1]
    response = act(staff_client, "send_stage_now", [case, closed, refused])
    assert 'name="stage"' in response.content.decode()
    response = act(staff_client, "send_stage_now", [case, closed, refused], apply="1", stage=stage.pk)

    assert [(m.to, m.extra_headers["X-InvoiceTracker-Stage"]) for m in mailoutbox] == [(["biuro@kowalski.pl"], "7")]
    sent = Notification.objects.get(status=Notification.Status.SENT)
    assert (sent.case, sent.stage, sent.mode, sent.triggered_by) == (case, stage, Notification.Mode.MANUAL, staff_user)
    assert not Notification.objects.filter(case__in=[closed, refused]).exists()
    case.refresh_from_db()
    assert case.last_stage_offset == 7
    done, refusal = messages_of(response)
    assert "Informacja o przekroczeniu terminu" in done
    assert "wysłane: 1" in done
    assert "Pominięto (zamknięte lub nie dotyczy): 1" in done
    assert "FV/REFUSED: Kontrahent nie ma poprawnego adresu e-mail." in refusal


@pytest.fixture
def infakt(settings):
    """InFakt (the simulator over HTTP) with one client owing one invoice, due tomorrow."""
    from infakt_simulator.testing import running_simulator
    from infakt_simulator.world import World

    world = World(today=business_today())
    client = world.add_client(company_name="Delta Sp. z o.o.", email="platnosci@delta.pl")
    world.add_invoice(client["id"], payment_date=business_today() + timedelta(days=1), gross_price=100000)
    with running_simulator(world) as sim:
        settings.INFAKT_BASE_URL, settings.INFAKT_API_KEY = sim.base_url, sim.api_key
        yield sim


def test_refresh_from_infakt_runs_a_refresh_sync_for_the_chosen_cases(staff_client, stages, staff_user, infakt):
    from syncstatus.services import sync_run

    sync_run()  # the morning sync opened the case
    case = Case.objects.get()
    invoice = next(iter(infakt.world.all_invoices()))
    infakt.control("POST", "/pay", {"uuid": invoice["uuid"], "amount": 40000})  # a part paid since

    response = act(staff_client, "refresh_from_infakt", [case])

    run = SyncRun.objects.get(kind=SyncRun.Kind.REFRESH)
    assert (run.trigger, run.triggered_by, run.status) == (SyncRun.Trigger.ADMIN, staff_user, SyncRun.Status.SUCCESS)
    case.refresh_from_db()
    assert case.invoice.left_to_pay == 60000  # read from InFakt just now
    [message] = messages_of(response)
    assert "Odświeżono z InFakt spraw: 1" in message


@contextmanager
def another_sync_running():
    """Another process's sync holds the sync lock (PostgreSQL's advisory lock, from a second connection)."""
    from syncstatus.services import SYNC_LOCK_KEY

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [SYNC_LOCK_KEY])
        yield
    finally:
        other.close()  # the server lets the lock go with the session


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the sync lock is PostgreSQL's advisory lock")
def test_refresh_while_a_sync_runs_marks_the_cases_for_the_next_one(staff_client, stages, kowalski, settings):
    settings.INFAKT_API_KEY = "never-used"
    case = make_case(client=kowalski)

    with another_sync_running():
        response = act(staff_client, "refresh_from_infakt", [case])

    case.refresh_from_db()
    assert case.refresh_requested_at is not None
    assert not SyncRun.objects.exists()
    assert "przy następnej synchronizacji: 1" in messages_of(response)[0]


# --- Cheap SQL on big lists --------------------------------------------------------------


def test_the_page_count_drops_the_display_join_but_keeps_filters(staff_client, stages, kowalski, nowak):
    from cases.selectors import case_count, case_list_for_ui

    make_case(client=kowalski, days_past_due=3)
    make_case(client=nowak, days_past_due=40)
    make_case(client=nowak, days_past_due=50, status=Case.Status.CLOSED)
    cases = case_list_for_ui(today=business_today())
    with CaptureQueriesContext(connection) as captured:
        assert case_count(cases) == 3
    assert "JOIN" not in captured.captured_queries[0]["sql"]
    assert case_count(cases.filter(status="active", invoice__client=nowak)) == 1
    assert case_count(cases.filter(invoice__due_date__lte=business_today() - timedelta(days=30))) == 2
    assert case_count(cases.filter(invoice__client__has_usable_email=False).order_by("-days_past_due")) == 2
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(CHANGELIST)
    counts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1
    assert "JOIN" not in counts[0]
    assert response.context["cl"].result_count == 3


def test_the_fast_date_hierarchy_gives_djangos_answers(stages, kowalski):
    from cases.selectors import case_list_for_ui
    from common.admin_dates import DateHierarchyQuerySet

    for days in (-40, -3, 0, 1, 33, 34, 200, 400, 401):
        make_case(client=kowalski, days_past_due=days)
    cases = case_list_for_ui(today=business_today())
    fast = DateHierarchyQuerySet(cases, "invoice__due_date")
    field = "invoice__due_date"
    from django.db.models import Max, Min

    assert fast.aggregate(first=Min(field), last=Max(field)) == cases.aggregate(first=Min(field), last=Max(field))
    assert fast.dates(field, "year") == list(cases.dates(field, "year"))
    some = cases.first().invoice.due_date
    in_year = cases.filter(invoice__due_date__year=some.year)
    assert DateHierarchyQuerySet(in_year, field).dates(field, "month") == list(in_year.dates(field, "month"))
    in_month = in_year.filter(invoice__due_date__month=some.month)
    assert DateHierarchyQuerySet(in_month, field).dates(field, "day") == list(in_month.dates(field, "day"))
    assert DateHierarchyQuerySet(cases.none(), field).dates(field, "year") == []


# --- End of the ladder: to hand over, handed over ------------------------------------------


def test_cases_to_hand_over_are_filtered_and_handed_over_in_bulk(staff_client, stages, kowalski, staff_user):
    at_end = [make_case(client=kowalski, last_stage_offset=30, days_past_due=40) for _ in range(2)]
    other = make_case(client=kowalski, last_stage_offset=7)
    Case.objects.filter(pk__in=[c.pk for c in at_end]).update(handover=Case.Handover.TO_HAND_OVER)

    one = staff_client.get(reverse("admin:cases_case_change", args=[at_end[0].pk])).content.decode()
    assert 'value="mark_handed_over"' in one  # a button on the case itself
    listed = staff_client.get(CHANGELIST, {"handover__exact": "to_hand_over"}).content.decode()
    assert all(c.invoice.number in listed for c in at_end)
    assert other.invoice.number not in listed
    assert "do przekazania" in listed

    form = act(staff_client, "mark_handed_over", at_end)
    assert 'name="to"' in form.content.decode()
    act(staff_client, "mark_handed_over", at_end, apply="1", to="Kancelaria Nowak", on="2026-11-30", note="teczka 7")

    for case in at_end:
        case.refresh_from_db()
        assert (case.handover, case.handed_over_to, case.handover_note, case.handed_over_by) == (
            Case.Handover.HANDED_OVER,
            "Kancelaria Nowak",
            "teczka 7",
            staff_user,
        )
        assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.HANDED_OVER).exists()
    page = staff_client.get(reverse("admin:cases_case_change", args=[at_end[0].pk])).content.decode()
    assert "Przekazana" in page
    assert 'value="mark_handed_over"' not in page  # already handed over: no button
    assert "Kancelaria Nowak" in page


def test_the_case_page_shows_each_rung_sent_skipped_or_next(staff_client, stages, kowalski):
    from cases.services import case_event_add, case_schedule_next

    case = make_case(client=kowalski, last_stage_offset=7)
    now = timezone.now()
    case_event_add(case=case, kind=CaseEvent.Kind.REMINDER, message="Pominięto etap: nie dotyczy po planowanym dniu",
                   now=now, sent=False, offset=-1, status="skipped")  # fmt: skip
    case_event_add(case=case, kind=CaseEvent.Kind.REMINDER, message="Wysłano", now=now, sent=True, offset=7)
    case_schedule_next(case=case)

    page = staff_client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()

    assert 'class="rung skipped"' in page
    assert "nie dotyczy po planowanym dniu" in page
    assert 'class="rung sent"' in page
    assert 'class="rung next"' in page
    assert page.count('class="rung later"') == 2


def test_the_missing_email_filter_finds_clients_without_an_address_and_cases_without_a_client(
    staff_client, stages, kowalski, nowak
):
    make_case(client=kowalski, number="HAS-EMAIL", days_past_due=3)
    make_case(client=nowak, number="NO-EMAIL", days_past_due=9)
    make_case(client=None, number="NO-CLIENT", days_past_due=1)
    response = staff_client.get(CHANGELIST, {"email": "missing"})
    assert result_numbers(response) == ["NO-EMAIL", "NO-CLIENT"]  # most overdue first
    assert "2 sprawy" in response.content.decode()
    assert result_numbers(staff_client.get(CHANGELIST, {"email": "ok"})) == ["HAS-EMAIL"]
