"""Reminder sending against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import Case, CaseEvent, Invoice, ReminderStage
from cases.selectors import case_stages_sent
from cases.services import case_close, case_pause
from notifications import services
from notifications.models import Notification, ReminderRun
from notifications.services import ReminderNotSendable, reminder_send_manual, reminders_send_due
from syncstatus.models import SyncRun

from .conftest import at

Status = Notification.Status
Reason = Notification.Reason

MON_16 = date(2026, 11, 16)  # due 9.11 (Mon) + 7


def send(day: date, hour: int = 7, **kwargs):
    return reminders_send_due(day=day, now=at(day, hour), **kwargs)


def rows(case, stage=None):
    qs = Notification.objects.filter(case=case)
    if stage is not None:
        qs = qs.filter(stage=stage)
    return list(qs.order_by("id"))


# --- The happy path -----------------------------------------------------------------


def test_it_sends_the_due_stage_to_every_address_with_headers(world, stages, smtp_server):
    client = world.client(emails=["biuro@alfa.test", "ksiegowosc@alfa.test"])
    case = world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1)
    world.sync(MON_16)

    report = send(MON_16)

    assert report.sent == 1
    assert report.smtp_connections == 1
    (message,) = smtp_server.messages
    assert set(message.rcpt_tos) == {"biuro@alfa.test", "ksiegowosc@alfa.test", "archiwum@firma.test"}
    assert message["To"] == "biuro@alfa.test, ksiegowosc@alfa.test"
    assert message["Cc"] == "archiwum@firma.test"
    assert message["Reply-To"] == "ksiegowosc@firma.test"
    assert message["X-InvoiceTracker-Invoice"] == str(case.invoice.infakt_id)
    assert message["X-InvoiceTracker-Stage"] == "7"
    assert message["Subject"] == f"Minął termin płatności – faktura {case.invoice.number}"
    assert "1 234,56 zł" in message.text
    assert "7 dni temu" in message.text
    (row,) = rows(case)
    assert row.status == Status.SENT
    assert row.mode == Notification.Mode.AUTOMATIC
    assert row.message_id == message["Message-ID"]
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.recipients == ["biuro@alfa.test", "ksiegowosc@alfa.test"]
    case.refresh_from_db()
    assert case.last_stage_offset == 7
    assert case.next_stage == stages[14]
    assert case.next_reminder_date == date(2026, 11, 23)
    assert case_stages_sent(case_ids=[case.pk]) == {case.pk: [7]}
    run = ReminderRun.objects.get(pk=report.run_id)
    assert (run.sent, run.smtp_connections, run.held_reason) == (1, 1, "")
    assert run.finished_at is not None


def test_it_does_not_send_twice_when_run_again(world, smtp_server):
    world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)

    send(MON_16)
    again = send(MON_16, hour=9)

    assert again.sent == 0
    assert len(smtp_server.messages) == 1


def test_it_does_not_send_when_another_process_claimed_the_stage(world, stages, smtp_server):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)
    Notification.objects.create(case=case, stage=stages[7], send_date=MON_16, status=Status.QUEUED)

    report = send(MON_16)

    assert report.cancelled == 1
    assert smtp_server.messages == []
    case.refresh_from_db()
    assert case.last_stage_offset == -1  # the whole claim rolled back


def test_it_never_sends_for_an_invoice_paid_during_the_batch(world, smtp_server, monkeypatch):
    first = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    second = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)
    deliver = services._Sender.deliver

    def deliver_then_payment_arrives(self, message):
        result = deliver(self, message)
        Invoice.objects.filter(pk=second.invoice.pk).update(left_to_pay=0, paid=second.invoice.gross, status="paid")
        return result

    monkeypatch.setattr(services._Sender, "deliver", deliver_then_payment_arrives)
    report = send(MON_16)

    assert (report.sent, report.cancelled) == (1, 1)
    assert [m.rcpt_tos[0] for m in smtp_server.messages] == [first.invoice.client.emails[0]]
    assert rows(second) == []


def test_it_never_sends_for_a_closed_case(world, smtp_server):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)
    case_close(case=case, reason=Case.CloseReason.PAID, now=at(MON_16, 6, 1))

    report = send(MON_16)

    assert report.sent == 0
    assert smtp_server.messages == []


def test_a_paused_case_is_skipped_until_the_pause_ends(world, smtp_server):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    case_pause(case=case, until=date(2026, 11, 17), reason=Case.PauseReason.PROMISE_TO_PAY)
    world.sync(MON_16)

    assert send(MON_16).paused == 1
    world.sync(date(2026, 11, 17))
    assert send(date(2026, 11, 17)).paused == 1
    world.sync(date(2026, 11, 18))
    report = send(date(2026, 11, 18))

    assert (report.sent, report.paused) == (1, 0)
    assert smtp_server.messages[0]["X-InvoiceTracker-Stage"] == "7"


# --- Schedule: outage, before-due, weekend, holiday ---------------------------------


def test_after_an_outage_the_ladder_climbs_one_rung_and_retimes_the_next(world, stages, smtp_server):
    case = world.case(due=date(2026, 11, 2))  # nothing sent yet; -1 was 30.10, +7 9.11, +14 16.11
    day = date(2026, 11, 18)
    world.sync(day)

    report = send(day)

    assert (report.sent, report.skipped) == (1, 1)
    assert [m["X-InvoiceTracker-Items"] for m in smtp_server.messages] == [f"{case.invoice.infakt_id}:+7"]
    by_stage = {n.stage.offset_days: (n.status, n.reason) for n in rows(case)}
    assert by_stage == {-1: (Status.SKIPPED, Reason.BEFORE_DUE_LATE), 7: (Status.SENT, "")}
    events = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.REMINDER).order_by("id")
    assert [(e.data["offset"], e.data["sent"]) for e in events] == [(-1, False), (7, True)]
    assert events[0].data["status"] == "skipped"
    case.refresh_from_db()
    # +14 keeps the ladder's spacing from the +7 letter: 18.11 + 7 days = Wed 25.11.
    assert (case.last_stage_offset, case.next_reminder_date) == (7, date(2026, 11, 25))


def test_the_before_due_stage_never_goes_out_on_or_after_the_due_date(world, stages, smtp_server):
    due = date(2026, 11, 16)
    case = world.case(due=due)  # -1 fell on Friday 13.11, missed
    world.sync(due)

    report = send(due)

    assert (report.sent, report.skipped) == (0, 1)
    assert smtp_server.messages == []
    (row,) = rows(case)
    assert (row.stage, row.status, row.reason) == (stages[-1], Status.SKIPPED, Reason.BEFORE_DUE_LATE)
    case.refresh_from_db()
    assert (case.last_stage_offset, case.next_stage) == (-1, stages[7])


def test_the_before_due_stage_goes_out_the_business_day_before(world, smtp_server):
    world.case(due=date(2026, 11, 16))
    world.sync(date(2026, 11, 13))

    report = send(date(2026, 11, 13))

    assert report.sent == 1
    (message,) = smtp_server.messages
    assert message["X-InvoiceTracker-Stage"] == "-1"
    assert "16.11.2026" in message.text


def test_nothing_goes_out_on_a_weekend_the_due_stage_waits_for_monday(world, smtp_server):
    world.case(due=date(2026, 11, 13), last_stage_offset=-1)  # +7 due on Friday 20.11
    saturday, monday = date(2026, 11, 21), date(2026, 11, 23)
    world.sync(saturday)

    report = send(saturday)

    assert report.not_business_day
    assert "nie jest dniem roboczym" in ReminderRun.objects.get(pk=report.run_id).held_reason
    assert smtp_server.messages == []
    world.sync(monday)
    assert send(monday).sent == 1
    assert smtp_server.messages[0]["X-InvoiceTracker-Stage"] == "7"


def test_a_stage_on_christmas_eve_moves_to_the_next_business_day(world, smtp_server):
    case = world.case(due=date(2026, 12, 17), last_stage_offset=-1)  # +7 = 24.12, a holiday since 2025
    assert case.next_reminder_date == date(2026, 12, 28)
    for day in (date(2026, 12, 24), date(2026, 12, 27)):
        world.sync(day)
        assert send(day).sent == 0
    world.sync(date(2026, 12, 28))

    assert send(date(2026, 12, 28)).sent == 1
    assert len(smtp_server.messages) == 1


def test_without_business_days_the_stage_goes_on_the_calendar_day(world, settings, smtp_server):
    settings.REMINDER_BUSINESS_DAYS = False
    world.case(due=date(2026, 12, 17), last_stage_offset=-1)
    world.sync(date(2026, 12, 24))

    assert send(date(2026, 12, 24)).sent == 1


# --- Freshness ---------------------------------------------------------------------


def test_a_failed_sync_holds_the_sends_and_records_why_once_a_day(world, stages, smtp_server):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16, status=SyncRun.Status.FAILED)

    report = send(MON_16)
    send(MON_16, hour=9)

    assert (report.sent, report.held) == (0, 1)
    assert "nie powiodła się" in report.held_reason
    assert smtp_server.messages == []
    (row,) = rows(case)
    assert (row.status, row.reason, row.stage) == (Status.HELD, Reason.SYNC_FAILED, stages[7])
    assert ReminderRun.objects.get(pk=report.run_id).held_reason == report.held_reason
    case.refresh_from_db()
    assert case.last_stage_offset == -1


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("none", Reason.SYNC_MISSING),
        ("running", Reason.SYNC_RUNNING),
        ("stale", Reason.SYNC_STALE),
        ("dry", Reason.SYNC_MISSING),
    ],
)
def test_sends_are_held_without_a_fresh_sync_of_the_day(world, smtp_server, setup, reason):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    if setup == "running":
        world.sync(MON_16, status=SyncRun.Status.RUNNING)
    elif setup == "stale":
        world.sync(MON_16, started=at(MON_16, 0, 5))
    elif setup == "dry":
        SyncRun.objects.filter(pk=world.sync(MON_16).pk).update(dry_run=True)
    world.sync(MON_16 - timedelta(days=1))  # yesterday's good sync does not count

    report = reminders_send_due(day=MON_16, now=at(MON_16, 13))

    assert (report.sent, report.held) == (0, 1)
    assert rows(case)[0].reason == reason
    assert smtp_server.messages == []


def test_a_case_the_sync_did_not_read_is_held(world, smtp_server):
    fresh = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    stale = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    run = world.sync(MON_16)
    Case.objects.filter(pk=stale.pk).update(last_refreshed_at=run.started_at - timedelta(seconds=1))

    report = send(MON_16)

    assert (report.sent, report.held) == (1, 1)
    assert rows(stale)[0].reason == Reason.NOT_REFRESHED
    assert smtp_server.messages[0].rcpt_tos[0] == fresh.invoice.client.emails[0]


def test_a_client_without_a_usable_address_is_flagged_and_counted(world, stages, smtp_server):
    client = world.client(emails=[])
    case = world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1)
    world.sync(MON_16)

    report = send(MON_16)
    again = send(MON_16, hour=9)

    assert (report.no_email, again.no_email, report.sent) == (1, 1, 0)
    (row,) = rows(case)
    assert (row.status, row.reason) == (Status.SKIPPED, Reason.NO_EMAIL)
    case.refresh_from_db()
    assert case.last_stage_offset == -1  # still due: goes out once the address is fixed
    Client = type(client)
    Client.objects.filter(pk=client.pk).update(emails=["nowy@alfa.test"], has_usable_email=True)
    world.sync(date(2026, 11, 17))
    assert send(date(2026, 11, 17)).sent == 1
    assert smtp_server.messages[0].rcpt_tos[0] == "nowy@alfa.test"


# --- SMTP failures, retries, crashes ---------------------------------------------


def test_smtp_down_then_back_the_failure_is_recorded_and_retried_on_the_same_row(world, stages, smtp_server):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)
    smtp_server.stop()

    down = send(MON_16)

    # A connection that never opened is not an attempt: nothing is claimed, the case stays due.
    assert (down.sent, down.failed, down.smtp_connections) == (0, 1, 0)
    assert rows(case) == []
    assert "niedostępny" in ReminderRun.objects.get(pk=down.run_id).error
    case.refresh_from_db()
    assert (case.last_stage_offset, case.next_reminder_date) == (-1, MON_16)  # still due, so the sync reads it

    smtp_server.start()
    tuesday = date(2026, 11, 17)
    world.sync(tuesday)
    back = send(tuesday)

    assert back.sent == 1
    (row,) = rows(case)
    assert (row.status, row.attempts, row.send_date) == (Status.SENT, 1, tuesday)
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Message-ID"] == row.message_id


def test_a_refused_message_is_retried_up_to_the_limit_then_given_up(world, stages, settings, smtp_server):
    settings.REMINDER_MAX_ATTEMPTS = 2
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    smtp_server.handler.refuse = "451 4.3.0 try again later"

    outcomes = []
    for day in (MON_16, date(2026, 11, 17), date(2026, 11, 18)):
        world.sync(day)
        report = send(day)
        outcomes.append((report.sent, report.failed, report.gave_up))

    assert outcomes == [(0, 1, 0), (0, 0, 1), (0, 0, 0)]
    (row,) = rows(case)
    assert (row.status, row.reason, row.attempts) == (Status.FAILED, Reason.MAX_ATTEMPTS, 2)
    assert "451" in row.error
    case.refresh_from_db()
    assert (case.last_stage_offset, case.next_stage) == (7, stages[14])
    assert smtp_server.messages == []


def test_a_connection_lost_during_data_is_uncertain_and_never_resent_automatically(world, smtp_server):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)
    smtp_server.handler.drop_during_data = True

    report = send(MON_16)

    assert (report.sent, report.uncertain) == (0, 1)
    (row,) = rows(case)
    assert (row.status, row.reason) == (Status.UNCERTAIN, Reason.INTERRUPTED)
    smtp_server.handler.drop_during_data = False
    world.sync(date(2026, 11, 17))
    assert send(date(2026, 11, 17)).sent == 0
    assert len(smtp_server.messages) == 1  # the one that may or may not have arrived


class Crash(BaseException):
    """The process dies (kill -9, OOM) between the claim and the SMTP answer."""


def test_a_crash_in_the_middle_of_a_batch_leaves_one_uncertain_row_for_staff(world, stages, smtp_server, monkeypatch):
    cases = [world.case(due=date(2026, 11, 9), last_stage_offset=-1) for _ in range(3)]
    world.sync(MON_16)
    deliver = services._Sender.deliver
    calls = []

    def crash_on_second(self, message):
        calls.append(message)
        if len(calls) == 2:
            raise Crash
        return deliver(self, message)

    monkeypatch.setattr(services._Sender, "deliver", crash_on_second)
    with pytest.raises(Crash):
        send(MON_16)
    monkeypatch.undo()

    assert [n.status for c in cases for n in rows(c)] == [Status.SENT, Status.QUEUED]
    assert rows(cases[2]) == []
    # The rerun comes later that morning: the orphaned claim is older than the stale limit.
    Notification.objects.filter(status=Status.QUEUED).update(updated_at=at(MON_16, 7))
    rerun = send(MON_16, hour=8)

    assert (rerun.uncertain, rerun.sent) == (1, 1)
    assert [n.status for c in cases for n in rows(c)] == [Status.SENT, Status.UNCERTAIN, Status.SENT]
    assert len(smtp_server.messages) == 2
    assert smtp_server.to(cases[1].invoice.client.emails[0]) == []

    staff = get_user_model().objects.create_user("anna", "anna@firma.test", "x")
    resent = services.notification_resend(notification=rows(cases[1])[0], user=staff)

    assert (resent.status, resent.mode, resent.attempts, resent.triggered_by) == (
        Status.SENT,
        Notification.Mode.MANUAL,
        2,
        staff,
    )
    assert len(smtp_server.to(cases[1].invoice.client.emails[0])) == 1
    assert Notification.objects.filter(case=cases[1]).count() == 1


def test_an_uncertain_row_can_be_confirmed_as_sent(world, smtp_server):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)
    smtp_server.handler.drop_during_data = True
    send(MON_16)
    staff = get_user_model().objects.create_user("anna", "anna@firma.test", "x")

    assert services.notification_confirm_sent(notification=rows(case)[0], user=staff)
    assert rows(case)[0].status == Status.SENT
    assert case_stages_sent(case_ids=[case.pk]) == {case.pk: [7]}


def test_batches_share_one_smtp_connection_each(world, smtp_server):
    for _ in range(5):
        world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)

    report = send(MON_16, batch_size=2)

    assert (report.sent, report.smtp_connections) == (5, 3)
    assert smtp_server.handler.connections == 3
    assert len(smtp_server.messages) == 5


def test_a_refused_address_does_not_stop_the_others(world, smtp_server):
    client = world.client(emails=["zly@alfa.test", "dobry@alfa.test"])
    case = world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1)
    world.sync(MON_16)
    smtp_server.handler.refuse_rcpt = {"zly@alfa.test"}

    assert send(MON_16).sent == 1
    (row,) = rows(case)
    assert "zly@alfa.test" in row.error
    assert smtp_server.messages[0].rcpt_tos == ["dobry@alfa.test", "archiwum@firma.test"]


def test_the_throttle_waits_between_messages(world, settings, smtp_server, monkeypatch):
    settings.REMINDER_THROTTLE_MS = 250
    for _ in range(3):
        world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(MON_16)
    pauses = []
    monkeypatch.setattr(services.time, "sleep", pauses.append)

    send(MON_16)

    assert pauses == [0.25, 0.25]


def test_a_dry_run_lists_what_would_go_to_whom_and_changes_nothing(world, smtp_server):
    case = world.case(due=date(2026, 11, 2))
    world.case(due=date(2026, 11, 9), client=world.client(emails=[]), last_stage_offset=-1)
    world.sync(date(2026, 11, 18))

    report = reminders_send_due(day=date(2026, 11, 18), now=at(date(2026, 11, 18), 7), dry_run=True)

    send_line = next(p for p in report.planned if p.action == "send")
    assert send_line.case_id == case.pk
    assert send_line.stage_offset == 7  # backfill starts at the first overdue rung
    assert send_line.passed_over == [-1]
    assert send_line.recipients == case.invoice.client.emails
    assert send_line.subject == f"Minął termin płatności – faktura {case.invoice.number}"
    assert [p.action for p in report.planned].count("no_email") == 1
    assert Notification.objects.count() == 0
    assert ReminderRun.objects.count() == 0
    assert smtp_server.messages == []


# --- Manual sending -------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("anna", "anna@firma.test", "x", is_staff=True)


def test_a_manual_send_is_logged_and_the_automatic_run_does_not_repeat_it(world, stages, staff, smtp_server):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)

    row = reminder_send_manual(case=case, stage=stages[14], user=staff, now=at(MON_16, 10))

    assert (row.status, row.mode, row.triggered_by) == (Status.SENT, Notification.Mode.MANUAL, staff)
    assert smtp_server.messages[0]["X-InvoiceTracker-Stage"] == "14"
    case.refresh_from_db()
    assert (case.last_stage_offset, case.next_stage) == (14, stages[21])
    assert {n.stage.offset_days: n.status for n in rows(case)} == {7: Status.SKIPPED, 14: Status.SENT}
    for day in (date(2026, 11, 23), date(2026, 11, 24)):  # +14's automatic date
        world.sync(day)
        assert send(day).sent == 0
    assert len(smtp_server.messages) == 1


def test_a_manual_send_of_an_earlier_stage_keeps_the_case_where_it_is(world, stages, staff, smtp_server):
    case = world.case(due=date(2026, 11, 2), last_stage_offset=14)

    reminder_send_manual(case=case, stage=stages[7], user=staff, now=at(date(2026, 11, 18), 10))

    case.refresh_from_db()
    assert case.last_stage_offset == 14


@pytest.mark.parametrize("why", ["sent", "paid", "closed", "no_email", "before_due_late"])
def test_a_manual_send_is_refused_when_it_would_break_the_rules(world, stages, staff, smtp_server, why):
    client = world.client(emails=[] if why == "no_email" else ["biuro@alfa.test"])
    case = world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1)
    stage = stages[-1] if why == "before_due_late" else stages[7]
    if why == "sent":
        reminder_send_manual(case=case, stage=stages[7], user=staff)
    elif why == "paid":
        Invoice.objects.filter(pk=case.invoice.pk).update(left_to_pay=0, paid=case.invoice.gross)
    elif why == "closed":
        case_close(case=case, reason=Case.CloseReason.MANUAL, now=timezone.now())

    with pytest.raises(ReminderNotSendable):
        reminder_send_manual(case=case, stage=stage, user=staff, now=at(MON_16, 10))
    assert len(smtp_server.messages) == (1 if why == "sent" else 0)


def test_a_failed_manual_send_releases_the_case_for_the_automatic_run(world, stages, staff, smtp_server):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    smtp_server.stop()

    row = reminder_send_manual(case=case, stage=stages[7], user=staff, now=at(MON_16, 5))

    assert row.status == Status.FAILED
    case.refresh_from_db()
    assert case.last_stage_offset == -1
    smtp_server.start()
    world.sync(MON_16)
    assert send(MON_16).sent == 1
    (row,) = rows(case)
    # The manual attempt never reached a server, so it did not count as an attempt.
    assert (row.status, row.attempts, row.mode) == (Status.SENT, 1, Notification.Mode.AUTOMATIC)


def test_a_stage_that_does_not_render_is_reported_and_the_others_still_go(world, stages, smtp_server):
    broken = world.case(due=date(2026, 11, 2), last_stage_offset=7)  # +14 due
    world.case(due=date(2026, 11, 9), last_stage_offset=-1)  # +7 due
    ReminderStage.objects.filter(pk=stages[14].pk).update(body_text_pl="{% if %}")
    world.sync(MON_16)

    report = send(MON_16)

    assert (report.sent, report.cancelled) == (1, 1)
    assert "FV" in ReminderRun.objects.get(pk=report.run_id).error
    broken.refresh_from_db()
    assert broken.last_stage_offset == 7  # nothing claimed: goes out once the text is fixed


def test_stage_changes_reschedule_the_active_cases(world, stages):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    stages[7].offset_days = 10
    stages[7].save()

    assert services.reminder_stages_reschedule() == 1
    case.refresh_from_db()
    assert case.next_reminder_date == date(2026, 11, 19)
