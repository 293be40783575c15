"""The clerk's actions on the case page: each writes the timeline; bad input is shown again, kept;
managers see no forms and cannot post."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from cases.models import Case, CaseEvent
from cases.tests.conftest import make_case
from common.calendar import business_today


@pytest.fixture
def case(stages, kowalski):
    return make_case(client=kowalski, number="FV/7/11/2026", days_past_due=12, gross=2_000_00, last_stage_offset=7)


def act(client, case, action, **fields):
    data = {"action": action, **{f"{action}-{name}": value for name, value in fields.items()}}
    return client.post(reverse("cases:detail", args=[case.pk]), data, follow=True)


def latest(case, kind):
    return case.events.filter(kind=kind).latest("at", "pk")


def test_staff_see_every_action_on_an_active_case(staff_client, case):
    html = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    for name in ("promise", "call", "note", "pause", "handover", "send"):
        assert f'class="action-{name}' in html
    assert reverse("worklist:send_next", args=[case.pk]) in html


def test_a_promise_to_pay_pauses_the_case_until_its_day_and_writes_the_timeline(staff_client, case):
    on = business_today() + timedelta(days=6)
    response = act(staff_client, case, "promise", on=on.isoformat(), amount="1500,50", note="obiecał przelew")
    assert response.redirect_chain[-1][0].endswith("#actions")
    html = response.content.decode()
    assert "Zapisano obietnicę zapłaty 1 500,50 zł" in html
    case.refresh_from_db()
    assert (case.promise_date, case.promise_amount, case.promise_paid_before) == (on, 150_050, 0)
    assert (case.paused_until, case.pause_reason) == (on, Case.PauseReason.PROMISE_TO_PAY)
    assert case.promise_state(business_today()) == "pending"
    event = latest(case, CaseEvent.Kind.PROMISE)
    assert "1 500,50 zł" in event.message
    assert event.data["amount"] == 150_050
    assert event.user.username == "anna.staff"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"on": "2020-01-01", "amount": "10"}, "nie może być w przeszłości"),
        ({"on": "jutro", "amount": "10"}, "Wpisz poprawną datę"),
        ({"amount": "99999"}, "większa niż pozostało do zapłaty"),
        ({"amount": "0"}, "Kwota musi być większa od zera."),
    ],
)
def test_a_bad_promise_is_refused_with_the_input_kept(staff_client, case, fields, error):
    data = {"on": (business_today() + timedelta(days=3)).isoformat(), "note": "zadzwoni", **fields}
    response = act(staff_client, case, "promise", **data)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert 'value="zadzwoni"' in html
    case.refresh_from_db()
    assert case.promise_date is None
    assert not case.events.filter(kind=CaseEvent.Kind.PROMISE).exists()


def test_a_promise_is_kept_when_the_amount_arrives_and_broken_when_the_day_passes(staff_client, case):
    on = business_today() + timedelta(days=2)
    act(staff_client, case, "promise", on=on.isoformat(), amount="500")
    case.refresh_from_db()
    assert case.promise_state(on) == "due_today"
    assert case.promise_state(on + timedelta(days=1)) == "broken"
    case.invoice.paid, case.invoice.left_to_pay = 500_00, 1_500_00
    case.invoice.save()
    case.refresh_from_db()
    assert case.promise_state(on + timedelta(days=1)) == "kept"


def test_a_phone_call_is_logged_with_its_outcome(staff_client, case):
    response = act(staff_client, case, "call", outcome="no_answer", text="dzwonić po 14")
    assert "Zapisano rozmowę telefoniczną." in response.content.decode()
    event = latest(case, CaseEvent.Kind.CALL)
    assert event.message == "Rozmowa telefoniczna: nie odebrał. dzwonić po 14"
    assert event.data == {"outcome": "no_answer", "text": "dzwonić po 14"}
    assert "Rozmowa telefoniczna: nie odebrał" in response.content.decode()  # on the timeline


def test_a_note_and_an_empty_note(staff_client, case):
    assert act(staff_client, case, "note", text="  ").status_code == 400
    act(staff_client, case, "note", text="Klient prosi o korespondencję na adres księgowej.")
    assert latest(case, CaseEvent.Kind.NOTE).message == "Klient prosi o korespondencję na adres księgowej."


def test_a_pause_with_reason_and_end_date(staff_client, case):
    until = business_today() + timedelta(days=10)
    act(staff_client, case, "pause", until=until.isoformat(), reason="dispute", note="reklamacja")
    case.refresh_from_db()
    assert (case.paused_until, case.pause_reason, case.pause_note) == (until, "dispute", "reklamacja")
    assert latest(case, CaseEvent.Kind.PAUSED).message.startswith(f"Wstrzymano do {until:%d.%m.%Y}: spór")
    # A correction review is the sync's to start, never a reason chosen by hand.
    assert act(staff_client, case, "pause", until=until.isoformat(), reason="correction").status_code == 400


def test_mark_handed_over(staff_client, case):
    assert act(staff_client, case, "handover", to="").status_code == 400
    day = business_today().isoformat()
    act(staff_client, case, "handover", to="Kancelaria Lex", on=day, note="pełnomocnictwo 12/2026")
    case.refresh_from_db()
    assert case.handover == Case.Handover.HANDED_OVER
    assert case.handed_over_on == business_today()
    assert latest(case, CaseEvent.Kind.HANDED_OVER).message.endswith("Kancelaria Lex (pełnomocnictwo 12/2026)")


def test_managers_see_no_forms_and_their_posts_are_refused(manager_client, case):
    html = manager_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'name="action"' not in html
    assert "send-next" not in html
    for action, fields in [("note", {"text": "x"}), ("call", {"outcome": "reached"}), ("handover", {"to": "X"})]:
        data = {"action": action, **{f"{action}-{k}": v for k, v in fields.items()}}
        assert manager_client.post(reverse("cases:detail", args=[case.pk]), data).status_code == 403
    assert manager_client.post(reverse("worklist:send_next", args=[case.pk])).status_code == 403
    assert case.events.count() == 1  # only "opened"


def test_a_closed_case_has_no_actions(staff_client, stages, kowalski):
    closed = make_case(client=kowalski, status=Case.Status.CLOSED)
    assert 'name="action"' not in staff_client.get(reverse("cases:detail", args=[closed.pk])).content.decode()
    response = act(staff_client, closed, "note", text="x")
    assert "Sprawa jest zamknięta" in response.content.decode()
    assert not closed.events.filter(kind=CaseEvent.Kind.NOTE).exists()
