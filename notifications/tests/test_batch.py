"""Staff actions over many cases or e-mails (notifications.services.batch): the outcome, on a real database."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import Case
from cases.services import case_close
from notifications.models import Notification
from notifications.services import reminder_send_manual
from notifications.services.batch import notifications_resend, reminder_send_stage_now

from .conftest import at

MON_16 = date(2026, 11, 16)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("anna", "anna@firma.test", "x", is_staff=True)


def test_a_stage_sent_now_counts_the_sent_skips_closed_cases_and_goes_on_after_a_refusal(
    world, stages, staff, smtp_server
):
    sendable = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    no_email = world.case(due=date(2026, 11, 9), client=world.client(emails=[]), last_stage_offset=-1)
    closed = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    case_close(case=closed, reason=Case.CloseReason.MANUAL, now=timezone.now())

    outcome = reminder_send_stage_now(
        cases=Case.objects.filter(pk__in=[no_email.pk, sendable.pk, closed.pk])
        .select_related("invoice")
        .order_by("pk"),
        stage=stages[7],
        user=staff,
        now=at(MON_16, 10),
    )

    assert outcome.by_status == {Notification.Status.SENT: 1}
    assert outcome.skipped == 1
    [failure] = outcome.failures
    assert failure.startswith(f"{no_email.invoice.number}: ")
    assert len(smtp_server.messages) == 1
    assert Notification.objects.get(case=sendable).mode == Notification.Mode.MANUAL


def test_a_resend_sends_the_failed_again_and_refuses_what_went_out(world, stages, staff, smtp_server):
    first, second = (world.case(due=date(2026, 11, 9), last_stage_offset=-1) for _ in range(2))
    smtp_server.stop()
    failed = reminder_send_manual(case=first, stage=stages[7], user=staff, now=at(MON_16, 9))
    smtp_server.start()
    sent = reminder_send_manual(case=second, stage=stages[7], user=staff, now=at(MON_16, 9))
    assert (failed.status, sent.status) == (Notification.Status.FAILED, Notification.Status.SENT)

    outcome = notifications_resend(notifications=[failed, sent], user=staff, now=at(MON_16, 10))

    assert (outcome.sent, outcome.failed) == (1, [])
    assert [(n.pk, why) for n, why in outcome.refused] == [
        (sent.pk, "Ponownie można wysłać tylko niepewne albo nieudane przypomnienie.")
    ]
    failed.refresh_from_db()
    assert failed.status == Notification.Status.SENT
    assert len(smtp_server.messages) == 2


def test_a_stage_edit_reschedules_the_cases_only_when_its_offset_or_activity_changed(world, stages):
    from notifications.services.stages import reminder_stage_saved

    world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    assert reminder_stage_saved(created=False, changed=["subject_pl", "body_text_en"]) is None
    assert reminder_stage_saved(created=False, changed=["name", "offset_days"]) is not None
    assert reminder_stage_saved(created=True, changed=[]) is not None
