"""The case page's "send the next letter now": a manual send of the case's next rung."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.urls import reverse

from cases.models import Case
from common.calendar import business_today
from notifications.models import Notification


def test_send_the_next_letter_now_from_the_case_page(staff_client, world, stages):
    day = business_today()
    case = world.case(due=day - timedelta(days=3), last_stage_offset=-1)  # +7 not due for four days
    assert case.next_stage.offset_days == 7
    assert case.next_reminder_date > day
    response = staff_client.post(reverse("worklist:send_next", args=[case.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[case.pk]) + "#actions"
    assert "Wysłano list" in response.content.decode()
    sent = Notification.objects.get(case=case)
    assert (sent.status, sent.mode, sent.stage.offset_days) == ("sent", "manual", 7)
    assert [m.to for m in mail.outbox] == [case.invoice.client.emails]
    case.refresh_from_db()
    assert case.last_stage_offset == 7
    assert case.next_stage.offset_days == 14
    assert case.next_reminder_date >= day + timedelta(days=7)  # timed from the manual send


def test_send_next_refuses_a_client_without_an_address(staff_client, world, stages):
    case = world.case(due=business_today() - timedelta(days=3), client=world.client(emails=[]))
    response = staff_client.post(reverse("worklist:send_next", args=[case.pk]), follow=True)
    assert "nie ma poprawnego adresu e-mail" in response.content.decode()
    assert not Notification.objects.filter(case=case, status="sent").exists()
    assert Case.objects.get(pk=case.pk).last_stage_offset is None
