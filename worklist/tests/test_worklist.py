"""/cases/today/: what a clerk sees each morning, and each row's action, through the same services
the admin uses; managers read it and cannot act."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from cases.models import Case, CaseEvent
from cases.services import case_promise_to_pay
from common.calendar import business_today
from notifications.models import Notification, ReminderReview
from worklist.selectors import next_plan_day

URL = reverse("worklist:today")


@pytest.fixture
def day():
    return business_today()


def overdue_case(world, day, client=None, days=10, **kwargs):
    """A case whose +7 letter is due today (the -1 went out)."""
    return world.case(due=day - timedelta(days=days), client=client, last_stage_offset=-1, **kwargs)


def post(http, **data):
    return http.post(URL, data, follow=True)


def test_staff_land_on_the_worklist_after_login_and_from_the_site_root(client, staff_user):
    response = client.post(
        reverse("admin:login") + "?next=/", {"username": "anna.staff", "password": "haslo-testowe-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == URL
    assert client.get("/").url == URL


def test_the_letters_of_the_day_are_grouped_by_client_and_one_can_be_held(staff_client, world, day):
    alfa = world.client(company_name="Alfa Sp. z o.o.")
    first = overdue_case(world, day, client=alfa)
    second = overdue_case(world, day, client=alfa, days=12)
    other = overdue_case(world, day, client=world.client(company_name="Beta SA"))
    html = staff_client.get(URL).content.decode()
    assert html.index("Alfa Sp. z o.o.") < html.index("Beta SA")
    for case in (first, second, other):
        assert case.invoice.number in html

    response = post(staff_client, action="hold_letter", case=first.pk)
    assert response.redirect_chain[-1][0] == URL + "#letters"
    assert f"Wstrzymano list do {first.invoice.number} na dziś." in response.content.decode()
    held = Notification.objects.get(case=first, status=Notification.Status.HELD)
    assert held.reason == Notification.Reason.STAFF_HOLD
    assert held.send_date == day
    assert "wstrzymany na dziś" in response.content.decode()
    # The held letter moves to the next business day's plan; the others go today.
    tomorrow = response.context["next_plan"]
    assert [d.case.pk for g in tomorrow.groups for d in g.letters] == [first.pk]
    assert tomorrow.day == next_plan_day(day)


def test_hold_all_letters_of_a_client(staff_client, world, day):
    alfa = world.client(company_name="Alfa Sp. z o.o.")
    cases = [overdue_case(world, day, client=alfa, days=d) for d in (10, 11, 12)]
    beta = overdue_case(world, day, client=world.client(company_name="Beta SA"))
    response = post(staff_client, action="hold_client", client=alfa.pk)
    assert "Wstrzymano 3 listy do Alfa Sp. z o.o. na dziś." in response.content.decode()
    held = set(Notification.objects.filter(status=Notification.Status.HELD).values_list("case_id", flat=True))
    assert held == {c.pk for c in cases}
    assert beta.pk not in held


def test_the_first_run_review_is_approved_from_the_worklist_with_exclusions(staff_client, world, day, settings):
    settings.REMINDER_FIRST_RUN_REVIEW = True
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    keep = overdue_case(world, day)
    skip = overdue_case(world, day)
    html = staff_client.get(URL).content.decode()
    assert "czekają na zatwierdzenie" in html
    assert 'form="approve-form"' in html
    response = post(staff_client, action="approve_review", exclude=[skip.pk])
    assert "Zatwierdzono pierwszą wysyłkę" in response.content.decode()
    review = ReminderReview.objects.get()
    assert review.excluded_case_ids == [skip.pk]
    assert Notification.objects.get(case=skip).reason == Notification.Reason.REVIEW_EXCLUDED
    assert not Notification.objects.filter(case=keep).exists()
    assert "czekają na zatwierdzenie" not in response.content.decode()


def test_a_case_to_hand_over_is_marked_handed_over_in_place(staff_client, world, day):
    case = world.case(due=day - timedelta(days=40), last_stage_offset=30)
    assert Case.objects.get(pk=case.pk).handover == Case.Handover.TO_HAND_OVER
    assert case.invoice.number in staff_client.get(URL).content.decode()

    refused = post(staff_client, action="hand_over", case=case.pk, to="  ")
    assert "Podaj, komu przekazano sprawę" in refused.content.decode()
    response = post(staff_client, action="hand_over", case=case.pk, to="Kancelaria Lex")
    assert response.redirect_chain[-1][0] == URL + "#handover"
    case.refresh_from_db()
    assert case.handover == Case.Handover.HANDED_OVER
    assert case.handed_over_to == "Kancelaria Lex"
    assert case.events.filter(kind=CaseEvent.Kind.HANDED_OVER).exists()
    assert response.context["handover"].total == 0


def test_promises_ending_today_and_broken_ones_are_listed_kept_ones_not(staff_client, world, day, staff_user):
    today_case = overdue_case(world, day)
    broken = overdue_case(world, day)
    kept = overdue_case(world, day)
    later = overdue_case(world, day)
    for case, on in ((today_case, day), (broken, day), (kept, day), (later, day + timedelta(days=5))):
        case_promise_to_pay(case=case, user=staff_user, on=on, amount=50_000)
    Case.objects.filter(pk=broken.pk).update(promise_date=day - timedelta(days=2), paused_until=day - timedelta(days=2))
    kept.invoice.paid, kept.invoice.left_to_pay = 50_000, kept.invoice.gross - 50_000
    kept.invoice.save()
    rows = staff_client.get(URL).context["promises"].rows
    assert [c.pk for c in rows] == [broken.pk, today_case.pk]

    response = post(staff_client, action="promise_end", case=broken.pk)
    assert [c.pk for c in response.context["promises"].rows] == [today_case.pk]
    event = broken.events.filter(kind=CaseEvent.Kind.PROMISE).latest("at")
    assert "niedotrzymana" in event.message
    assert event.data["state"] == "broken"


def test_a_correction_review_is_confirmed_from_the_worklist(staff_client, world, day):
    case = overdue_case(world, day)
    Case.objects.filter(pk=case.pk).update(pause_reason=Case.PauseReason.CORRECTION, pause_note="KOR 1/2026")
    assert case.invoice.number in staff_client.get(URL).content.decode()
    response = post(staff_client, action="confirm_amount", case=case.pk)
    assert "Potwierdzono kwotę" in response.content.decode()
    case.refresh_from_db()
    assert not case.awaits_amount_review
    assert case.events.filter(kind=CaseEvent.Kind.CONFIRMED).exists()
    assert response.context["amount_review"].total == 0


def test_clients_without_a_usable_email_are_listed(staff_client, world, day):
    nobody = world.client(company_name="Bez Adresu Sp. z o.o.", emails=[])
    overdue_case(world, day, client=nobody)
    overdue_case(world, day)
    rows = staff_client.get(URL).context["no_email"].rows
    assert [c.pk for c in rows] == [nobody.pk]
    assert rows[0].active_cases == 1


def _attempt(case, stage, status, **values):
    return Notification.objects.create(
        case=case,
        stage=stage,
        status=status,
        send_date=business_today(),
        recipients=case.invoice.client.emails,
        stage_offset=stage.offset_days,
        **values,
    )


def test_an_uncertain_send_is_confirmed_and_a_failed_one_resent(staff_client, world, day, stages):
    uncertain_case = overdue_case(world, day)
    failed_case = overdue_case(world, day)
    uncertain = _attempt(uncertain_case, stages[7], Notification.Status.UNCERTAIN, error="brak odpowiedzi SMTP")
    failed = _attempt(
        failed_case, stages[7], Notification.Status.FAILED, reason=Notification.Reason.MAX_ATTEMPTS, attempts=3
    )
    assert {n.pk for n in staff_client.get(URL).context["sends"].rows} == {uncertain.pk, failed.pk}

    response = post(staff_client, action="confirm_sent", notification=uncertain.pk)
    assert "Potwierdzono wysłanie" in response.content.decode()
    uncertain.refresh_from_db()
    assert uncertain.status == Notification.Status.SENT

    response = post(staff_client, action="resend", notification=failed.pk)
    assert f"Wysłano ponownie list do {failed_case.invoice.number}" in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox] == [failed_case.invoice.client.emails]
    assert response.context["sends"].total == 0


def test_what_changed_since_yesterday(staff_client, world, day):
    case = overdue_case(world, day)
    from django.utils import timezone

    CaseEvent.objects.create(case=case, at=timezone.now(), kind=CaseEvent.Kind.PAYMENT, message="Wpłata 100,00 zł")
    CaseEvent.objects.create(
        case=case, at=timezone.now() - timedelta(days=3), kind=CaseEvent.Kind.PAYMENT, message="dawno"
    )
    changes = staff_client.get(URL).context["changes"]
    assert changes["payment"] == 1


def test_managers_read_the_worklist_without_forms_and_cannot_post(manager_client, world, day, stages):
    case = overdue_case(world, day)
    handover = world.case(due=day - timedelta(days=40), last_stage_offset=30)
    notification = _attempt(overdue_case(world, day), stages[7], Notification.Status.UNCERTAIN)
    html = manager_client.get(URL).content.decode()
    assert case.invoice.number in html
    assert handover.invoice.number in html
    assert '<form method="post" class="inline"' not in html
    assert 'name="action"' not in html
    for data in (
        {"action": "hold_letter", "case": case.pk},
        {"action": "hold_client", "client": case.invoice.client_id},
        {"action": "approve_review"},
        {"action": "hand_over", "case": handover.pk, "to": "X"},
        {"action": "promise_end", "case": case.pk},
        {"action": "confirm_amount", "case": case.pk},
        {"action": "confirm_sent", "notification": notification.pk},
        {"action": "resend", "notification": notification.pk},
    ):
        assert manager_client.post(URL, data).status_code == 403, data
    assert not Notification.objects.filter(status=Notification.Status.HELD).exists()
    assert Case.objects.get(pk=handover.pk).handover == Case.Handover.TO_HAND_OVER


def test_an_unknown_action_is_a_clear_error(staff_client, world):
    assert staff_client.post(URL, {"action": "drop_table"}).status_code == 400


def _fill(world, day, stages, n):
    for i in range(n):
        client = world.client(emails=[] if i % 5 == 0 else None)
        case = overdue_case(world, day, client=client)
        world.case(due=day - timedelta(days=40), client=client, last_stage_offset=30)
        promised = overdue_case(world, day, client=client)
        Case.objects.filter(pk=promised.pk).update(
            promise_date=day, promise_amount=1000, promise_paid_before=0, paused_until=day, pause_reason="promise"
        )
        corrected = overdue_case(world, day, client=client)
        Case.objects.filter(pk=corrected.pk).update(pause_reason=Case.PauseReason.CORRECTION)
        _attempt(case, stages[7], Notification.Status.UNCERTAIN)
        from django.utils import timezone

        CaseEvent.objects.create(case=case, at=timezone.now(), kind=CaseEvent.Kind.PAYMENT, message="Wpłata")


def test_the_query_count_does_not_grow_with_the_rows(staff_client, world, day, stages, django_assert_max_num_queries):
    # Past the cap of 25 rows a section: every section reads its rows and counts the rest.
    _fill(world, day, stages, 30)
    with django_assert_max_num_queries(32) as some:
        staff_client.get(URL)
    _fill(world, day, stages, 13)
    with django_assert_max_num_queries(len(some.captured_queries)):
        response = staff_client.get(URL)
    context = response.context
    assert len(context["plan"].groups) == 25
    assert context["plan"].more == 18
    assert len(context["handover"].rows) == 25
    assert context["handover"].total == 43
    assert context["sends"].more == 18
    assert "i 18 spraw więcej: pełna lista listów na dziś" in response.content.decode()


def test_long_sections_count_up_to_a_cap(staff_client, world, day, stages, monkeypatch):
    monkeypatch.setattr("worklist.selectors.COUNT_CAP", 30)
    _fill(world, day, stages, 40)
    response = staff_client.get(URL)
    assert response.context["handover"].total == 30
    html = response.content.decode()
    assert "<strong>30+</strong>" in html
    assert "i ponad 5 więcej" in html
