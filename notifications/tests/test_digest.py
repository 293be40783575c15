"""One e-mail per client a day, the letters' wording, the first-run review and the end of the ladder,
against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from cases.models import Case
from cases.services import case_mark_handed_over
from notifications.models import Notification, ReminderMessage, ReminderReview
from notifications.selectors import reminder_letters_planned, reminder_review_pending
from notifications.services import (
    reminder_hold_client,
    reminder_review_approve,
    reminder_send_manual,
    reminders_send_due,
)

from .conftest import at

Status = Notification.Status
MON_16 = date(2026, 11, 16)


def send(day: date, **kwargs):
    return reminders_send_due(day=day, now=at(day, 7), **kwargs)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("anna", "anna@firma.test", "x", is_staff=True)


def four_invoices_at_three_rungs(world):
    """One client: -1 due on Mon 16.11 (due Tue 17.11), +7 twice (due 9.11) and +14 (due 2.11)."""
    client = world.client(emails=["ksiegowosc@beta.test", "prezes@beta.test"])
    cases = [
        world.case(due=date(2026, 11, 17), client=client),
        world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1),
        world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1, gross=50000),
        world.case(due=date(2026, 11, 2), client=client, last_stage_offset=7),
    ]
    Case.objects.filter(pk=cases[3].pk).update(last_letter_on=date(2026, 11, 9), last_letter_offset=7)
    return client, cases


def test_a_clients_letters_of_the_day_go_in_one_email_worded_by_the_highest_rung(world, smtp_server):
    _client, cases = four_invoices_at_three_rungs(world)
    other = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)

    report = send(MON_16)

    assert (report.sent, report.messages) == (5, 2)
    mine = smtp_server.to("ksiegowosc@beta.test")
    assert len(mine) == 1
    (message,) = mine
    assert message.rcpt_tos == ["ksiegowosc@beta.test", "prezes@beta.test", "archiwum@firma.test"]
    assert other.invoice.client.emails[0] not in message.rcpt_tos  # never another client's address
    ids = [c.invoice.infakt_id for c in cases]
    assert message["X-InvoiceTracker-Items"] == f"{ids[0]}:-1, {ids[1]}:+7, {ids[2]}:+7, {ids[3]}:+14"
    assert message["X-InvoiceTracker-Invoice"] is None
    assert message["X-InvoiceTracker-Stage"] is None
    assert message["Subject"].startswith("Wezwanie do zapłaty – faktury ")
    for case in cases:
        assert case.invoice.number in message.text
        assert case.invoice.number in message.html
    assert "termin 17.11.2026" in message.text  # the before-due one: "due on ..."
    assert "14 dni po terminie" in message.text
    assert "Razem do zapłaty: 4 203,68 zł" in message.text  # 3 x 1 234,56 + 500,00
    # Each (case, rung) recorded once, all linked to the one message.
    rows = Notification.objects.filter(case__in=cases, status=Status.SENT)
    assert sorted(rows.values_list("stage_offset", flat=True)) == [-1, 7, 7, 14]
    assert len({r.email_id for r in rows}) == 1
    assert ReminderMessage.objects.get(pk=rows[0].email_id).message_id == message["Message-ID"]
    # The other client's single-invoice e-mail carries the per-invoice headers too.
    (single,) = smtp_server.to(other.invoice.client.emails[0])
    assert single["X-InvoiceTracker-Items"] == f"{other.invoice.infakt_id}:+7"
    assert single["X-InvoiceTracker-Invoice"] == str(other.invoice.infakt_id)
    assert single["X-InvoiceTracker-Stage"] == "7"


def test_with_digests_off_each_invoice_gets_its_own_email(world, smtp_server, settings):
    settings.REMINDER_DIGEST = False
    _client, cases = four_invoices_at_three_rungs(world)
    world.sync(MON_16)

    report = send(MON_16)

    assert (report.sent, report.messages) == (4, 4)
    items = sorted(m["X-InvoiceTracker-Items"] for m in smtp_server.messages)
    assert items == sorted(f"{c.invoice.infakt_id}:{o:+d}" for c, o in zip(cases, [-1, 7, 7, 14], strict=True))
    assert all(m["X-InvoiceTracker-Invoice"] for m in smtp_server.messages)


def test_a_second_run_the_same_day_sends_the_client_nothing_more_until_the_next_business_day(world, smtp_server):
    client = world.client()
    first = world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1)
    world.sync(MON_16)
    assert send(MON_16).sent == 1
    # A letter of the same client becomes due later that day (e.g. a case opened by a later sync).
    late = world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1)
    world.sync(MON_16)

    again = send(MON_16)

    assert (again.sent, again.deferred) == (0, 1)
    assert len(smtp_server.to(client.emails[0])) == 1
    tuesday = date(2026, 11, 17)
    world.sync(tuesday)
    assert send(tuesday).sent == 1
    assert smtp_server.messages[-1]["X-InvoiceTracker-Items"] == f"{late.invoice.infakt_id}:+7"
    assert first.invoice.number not in smtp_server.messages[-1]["X-InvoiceTracker-Items"]


def test_a_manual_send_is_the_exception_and_the_automatic_run_then_waits_a_day(world, smtp_server, stages, staff):
    client = world.client()
    case = world.case(due=date(2026, 11, 2), client=client, last_stage_offset=7)
    Case.objects.filter(pk=case.pk).update(last_letter_on=date(2026, 11, 9), last_letter_offset=7)
    other = world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1)

    row = reminder_send_manual(case=case, stage=stages[21], user=staff, now=at(MON_16, 5))
    assert (row.status, row.mode) == (Status.SENT, Notification.Mode.MANUAL)
    skipped = Notification.objects.get(case=case, stage=stages[14])
    assert (skipped.status, skipped.reason) == (Status.SKIPPED, Notification.Reason.STAFF_CHOICE)
    case.refresh_from_db()
    # +30 timed from the manual +21: max(2.12, 16.11 + 9 = 25.11) = Wed 2.12; never 17 seconds later.
    assert (case.next_stage.offset_days, case.next_reminder_date) == (30, date(2026, 12, 2))
    world.sync(MON_16)

    report = send(MON_16)

    assert (report.sent, report.deferred) == (0, 1)
    assert len(smtp_server.messages) == 1
    tuesday = date(2026, 11, 17)
    world.sync(tuesday)
    assert send(tuesday).sent == 1
    assert smtp_server.messages[-1]["X-InvoiceTracker-Items"] == f"{other.invoice.infakt_id}:+7"


def test_a_refused_digest_leaves_every_letter_due_and_the_next_run_sends_them_once(world, smtp_server):
    _client, cases = four_invoices_at_three_rungs(world)
    world.sync(MON_16)
    smtp_server.handler.refuse = "451 4.3.0 try again later"

    refused = send(MON_16)

    assert (refused.sent, refused.failed) == (0, 4)
    assert set(Notification.objects.filter(case__in=cases).values_list("status", flat=True)) == {Status.FAILED}
    for case, offset in zip(cases, [None, -1, -1, 7], strict=True):
        case.refresh_from_db()
        assert case.last_stage_offset == offset  # released: still due
    smtp_server.handler.refuse = ""
    tuesday = date(2026, 11, 17)
    world.sync(tuesday)

    back = send(tuesday)

    # The -1 letter's day has passed: skipped, never late; the other three go, once, in one e-mail.
    assert (back.sent, back.messages, back.skipped) == (3, 1, 1)
    assert len(smtp_server.messages) == 1
    sent = Notification.objects.filter(case__in=cases, status=Status.SENT)
    assert sorted(sent.values_list("attempts", flat=True)) == [2, 2, 2]


def test_a_connection_lost_during_a_digest_leaves_all_its_letters_uncertain(world, smtp_server):
    _client, cases = four_invoices_at_three_rungs(world)
    world.sync(MON_16)
    smtp_server.handler.drop_during_data = True

    report = send(MON_16)

    assert report.uncertain == 4
    assert set(Notification.objects.filter(case__in=cases).values_list("status", flat=True)) == {Status.UNCERTAIN}
    assert ReminderMessage.objects.get().status == Status.UNCERTAIN
    smtp_server.handler.drop_during_data = False
    world.sync(date(2026, 11, 17))
    assert send(date(2026, 11, 17)).sent == 0  # never resent automatically


def test_three_mornings_of_smtp_outage_do_not_use_up_the_attempts(world, smtp_server, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    smtp_server.stop()
    for day in (date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)):
        world.sync(day)
        assert send(day).failed == 1
    smtp_server.start()
    world.sync(date(2026, 11, 19))

    assert send(date(2026, 11, 19)).sent == 1
    assert Notification.objects.get(case=case, status=Status.SENT).attempts == 1


def test_a_client_with_dozens_of_addresses_gets_at_most_the_cap(world, smtp_server, settings):
    settings.REMINDER_MAX_RECIPIENTS = 10
    client = world.client(emails=[f"osoba{i}@gamma.test" for i in range(25)])
    world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1)
    world.sync(MON_16)

    send(MON_16)

    (message,) = smtp_server.messages
    assert len([a for a in message.rcpt_tos if a.endswith("@gamma.test")]) == 10


# --- Wording -----------------------------------------------------------------------------


def test_a_consumer_demand_cites_only_statutory_interest_and_a_business_one_the_act(world, smtp_server, stages):
    consumer = world.client(nip="", first_name="Jan", last_name="Kowalski", company_name="")
    business = world.client()
    friday = date(2026, 12, 18)
    for client in (consumer, business):
        case = world.case(due=date(2026, 12, 4), client=client, last_stage_offset=7)
        Case.objects.filter(pk=case.pk).update(last_letter_on=date(2026, 12, 11), last_letter_offset=7)
    world.sync(friday)

    send(friday)

    (to_consumer,) = smtp_server.to(consumer.emails[0])
    (to_business,) = smtp_server.to(business.emails[0])
    assert "art. 481 Kodeksu cywilnego" in to_consumer.text
    assert "rekompensat" not in to_consumer.text
    assert "transakcjach handlowych" not in to_consumer.text
    assert "rekompensata za koszty odzyskiwania należności" in to_business.text
    # REMINDER_DEMAND_DAYS = 7 from Fri 18.12 is 25.12 (Christmas): moved to Mon 28.12.
    assert "w terminie do 28.12.2026" in to_consumer.text
    for message in (to_consumer, to_business):
        assert "Wierzyciel: Firma Testowa Sp. z o.o., NIP 5260250274" in message.text
        assert "PL61 1090 1014 0000 0712 1981 2874" in message.text
        assert "ksiegowosc@firma.test" in message.text
        assert "mimo wcześniejszych" not in message.text


def test_infakt_activity_kind_wins_over_the_nip(world):
    client = world.client(nip="5261040828")
    case = world.case(due=date(2026, 11, 9), client=client, raw={"client_business_activity_kind": "private_person"})
    assert case.invoice.buyer_is_consumer
    client.business_activity_kind = "self_employed"
    case.invoice.raw = {}
    assert not case.invoice.buyer_is_consumer
    client.business_activity_kind = ""
    client.nip = ""
    assert case.invoice.buyer_is_consumer


def test_a_letter_names_the_earlier_letters_actually_sent_with_their_dates(world, smtp_server):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)
    send(MON_16)
    first = smtp_server.messages[0]
    assert "Pisaliśmy już" not in first.text  # nothing was sent before

    world.sync(date(2026, 11, 23))
    send(date(2026, 11, 23))

    second = smtp_server.messages[1]
    assert second["X-InvoiceTracker-Items"] == f"{case.invoice.infakt_id}:+14"
    assert "Pisaliśmy już do Państwa w tej sprawie: 16.11.2026 (" in second.text


# --- First-run review, holds, end of the ladder ----------------------------------------------


def test_the_first_letters_ever_are_held_until_staff_approve_them(world, smtp_server, settings, staff):
    settings.REMINDER_FIRST_RUN_REVIEW = True
    kept = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    excluded = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)
    assert reminder_review_pending()

    held = send(MON_16)

    assert (held.sent, held.held, held.review_pending) == (0, 2, True)
    assert smtp_server.messages == []
    rows = Notification.objects.filter(status=Status.HELD, reason=Notification.Reason.FIRST_RUN_REVIEW)
    assert rows.count() == 2
    assert [len(g.letters) for g in reminder_letters_planned(day=MON_16)] == [1, 1]

    reminder_review_approve(user=staff, exclude_case_ids=[excluded.pk], day=MON_16)
    after = send(MON_16)

    assert after.sent == 1
    assert [m["X-InvoiceTracker-Items"] for m in smtp_server.messages] == [f"{kept.invoice.infakt_id}:+7"]
    skipped = Notification.objects.get(case=excluded, stage_offset=7, status=Status.SKIPPED)
    assert (skipped.status, skipped.reason) == (Status.SKIPPED, Notification.Reason.REVIEW_EXCLUDED)
    assert ReminderReview.objects.get().excluded_case_ids == [excluded.pk]
    assert not reminder_review_pending()


def test_staff_hold_all_of_a_clients_letters_for_the_day(world, smtp_server, staff):
    client, _cases = four_invoices_at_three_rungs(world)
    world.sync(MON_16)

    assert reminder_hold_client(client=client, user=staff, day=MON_16, now=at(MON_16, 6)) == 4
    report = send(MON_16)

    assert (report.sent, report.held) == (0, 4)
    assert smtp_server.messages == []


def test_after_the_last_rung_the_case_is_to_hand_over_and_staff_hand_it_over(world, smtp_server, staff):
    case = world.case(due=date(2026, 10, 1), last_stage_offset=21)
    Case.objects.filter(pk=case.pk).update(last_letter_on=date(2026, 10, 22), last_letter_offset=21)
    world.sync(MON_16)

    send(MON_16)

    case.refresh_from_db()
    assert (case.handover, case.next_reminder_date, case.letters_sent) == (Case.Handover.TO_HAND_OVER, None, 1)
    assert case_mark_handed_over(cases=[case], user=staff, to="Kancelaria Nowak", note="teczka 12") == 1
    case.refresh_from_db()
    assert (case.handover, case.handed_over_to, case.handover_note) == (
        Case.Handover.HANDED_OVER,
        "Kancelaria Nowak",
        "teczka 12",
    )
    assert case.status == Case.Status.ACTIVE  # payment still closes it


# --- The review page -------------------------------------------------------------------------


def test_the_review_page_lists_held_letters_by_client_and_approves_with_one_button(
    world, smtp_server, settings, staff, client, time_machine, monkeypatch
):
    from django.contrib.auth.models import Permission
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)  # the worker's task runs inline here
    settings.REMINDER_FIRST_RUN_REVIEW = True
    time_machine.move_to(at(MON_16, 7))
    beta, cases = four_invoices_at_three_rungs(world)
    lone = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)
    send(MON_16)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_notification", "send_manual"]))
    client.force_login(staff)

    page = client.get("/reminders/review/").content.decode()

    assert "Pierwsza wysyłka przypomnień" in page
    assert beta.name in page
    assert all(c.invoice.number in page for c in [*cases, lone])
    assert page.count('name="exclude"') == 5
    response = client.post("/reminders/review/", {"exclude": [str(lone.pk)]}, follow=True)
    assert response.status_code == 200
    assert len(smtp_server.messages) == 1  # Beta's four letters in one e-mail; the excluded one not sent
    assert lone.invoice.number not in smtp_server.messages[0]["X-InvoiceTracker-Items"]
    assert not reminder_review_pending()


def test_managers_see_the_review_page_but_cannot_approve(world, settings, client, db):
    from django.contrib.auth.models import Permission

    settings.REMINDER_FIRST_RUN_REVIEW = True
    manager = get_user_model().objects.create_user("marek", "m@firma.test", "x", is_staff=True)
    manager.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(manager)

    assert client.get("/reminders/review/").status_code == 200
    assert client.post("/reminders/review/", {}).status_code == 403
    assert ReminderReview.objects.count() == 0


# --- Production with no EMAIL_URL --------------------------------------------------------------


def test_check_deploy_refuses_a_backend_that_does_not_deliver(settings):
    from notifications.apps import check_email_backend

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert [e.id for e in check_email_backend()] == ["notifications.E001"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert check_email_backend() == []


def test_outside_debug_the_console_backend_never_records_a_reminder_as_sent(world, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.DEBUG = False
    settings.TESTING = False
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)

    report = send(MON_16)

    assert (report.sent, report.failed) == (0, 1)
    assert not Notification.objects.filter(status=Status.SENT).exists()
    case.refresh_from_db()
    assert case.last_stage_offset == -1  # still due once a real server is configured
    row = Notification.objects.get(case=case)
    assert (row.status, row.attempts) == (Status.FAILED, 0)  # not an attempt either


def test_a_client_with_too_many_addresses_is_flagged_in_the_banner(world, settings):
    from panel.health import health_alerts

    settings.REMINDER_MAX_RECIPIENTS = 10
    world.client(company_name="Delta S.A.", emails=[f"osoba{i}@delta.test" for i in range(12)])
    world.client(company_name="Epsilon", emails=["a@epsilon.test"])

    (alert,) = [a for a in health_alerts() if a.code == "too_many_addresses"]

    assert alert.count == 1
    assert "Delta S.A." in alert.message


def test_with_business_days_off_a_saturday_letter_goes_on_saturday(world, smtp_server, settings):
    settings.REMINDER_BUSINESS_DAYS = False
    saturday = date(2026, 11, 14)
    case = world.case(due=date(2026, 11, 7), last_stage_offset=-1)  # +7 falls on Saturday 14.11
    world.sync(saturday)

    assert send(saturday).sent == 1
    assert smtp_server.messages[0]["X-InvoiceTracker-Items"] == f"{case.invoice.infakt_id}:+7"
    case.refresh_from_db()
    assert case.next_reminder_date == date(2026, 11, 21)  # +14: 7 days later, a Saturday too


def test_the_review_page_costs_the_same_queries_for_many_clients(
    world, settings, staff, client, time_machine, django_assert_max_num_queries
):
    from django.contrib.auth.models import Permission

    settings.REMINDER_FIRST_RUN_REVIEW = True
    time_machine.move_to(at(MON_16, 7))
    for _ in range(15):
        customer = world.client()
        for _ in range(2):
            world.case(due=date(2026, 11, 9), client=customer, last_stage_offset=-1)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_notification", "send_manual"]))
    client.force_login(staff)

    with django_assert_max_num_queries(14):
        page = client.get("/reminders/review/").content.decode()

    assert page.count('name="exclude"') == 30


# --- The attachment seam (a later issue attaches the PDF formal demand) -----------------------


def test_an_attachment_goes_with_its_email_and_a_failing_one_holds_the_letter(world, smtp_server, monkeypatch):
    from notifications import emails

    def demand_pdf(items, day):
        if any(i.stage.offset_days == 14 for i in items):
            return [("wezwanie.pdf", b"%PDF-1.4 test", "application/pdf")]
        return []

    monkeypatch.setattr(emails, "ATTACHMENT_PROVIDERS", [demand_pdf])
    demand = world.case(due=date(2026, 11, 2), last_stage_offset=7)
    Case.objects.filter(pk=demand.pk).update(last_letter_on=date(2026, 11, 9), last_letter_offset=7)
    world.sync(MON_16)

    assert send(MON_16).sent == 1
    (message,) = smtp_server.messages
    (attachment,) = [part for part in message.message.iter_attachments()]
    assert (attachment.get_filename(), attachment.get_content()) == ("wezwanie.pdf", b"%PDF-1.4 test")

    def broken(items, day):
        raise OSError("PDF renderer unavailable")

    monkeypatch.setattr(emails, "ATTACHMENT_PROVIDERS", [broken])
    other = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)
    report = send(MON_16)

    assert (report.sent, report.held) == (0, 1)
    assert len(smtp_server.messages) == 1  # never sent without its attachment
    held = Notification.objects.get(case=other, status=Status.HELD)
    assert "PDF renderer unavailable" in held.error
    other.refresh_from_db()
    assert other.last_stage_offset == -1  # still due


def test_the_case_ladder_shows_sent_skipped_uncertain_and_next_as_they_are(world, smtp_server):
    from cases.selectors import case_dunning_state

    case = world.case(due=date(2026, 11, 2))
    world.sync(date(2026, 11, 9))
    send(date(2026, 11, 9))  # -1 skipped (late), +7 sent
    smtp_server.handler.drop_during_data = True
    world.sync(date(2026, 11, 16))
    send(date(2026, 11, 16))  # +14 cut during DATA: uncertain
    case.refresh_from_db()

    states = {r.offset: (r.state, r.day) for r in case_dunning_state(case=case)}

    assert states[-1][0] == "skipped"
    assert states[7] == ("sent", date(2026, 11, 9))
    assert states[14] == ("uncertain", date(2026, 11, 16))
    assert states[21] == ("next", date(2026, 11, 23))
    assert states[30] == ("later", None)


def test_a_paused_case_gets_nothing_while_paused_and_its_next_rung_when_the_pause_ends(world, smtp_server, staff):
    from cases.services import case_pause

    case = world.case(due=date(2026, 11, 2), last_stage_offset=7)
    Case.objects.filter(pk=case.pk).update(last_letter_on=date(2026, 11, 9), last_letter_offset=7)
    case.refresh_from_db()
    case_pause(case=case, until=date(2026, 11, 18), reason=Case.PauseReason.PROMISE_TO_PAY, user=staff)
    for day in (date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)):  # +14 was due on Mon 16.11
        world.sync(day)
        assert (send(day).sent, send(day).paused) == (0, 1)
    assert smtp_server.messages == []

    world.sync(date(2026, 11, 19))
    assert send(date(2026, 11, 19)).sent == 1  # the first day the case is no longer paused

    assert smtp_server.messages[0]["X-InvoiceTracker-Items"] == f"{case.invoice.infakt_id}:+14"
    case.refresh_from_db()
    assert case.next_reminder_date == date(2026, 11, 26)  # +21 keeps the spacing from Thu 19.11
