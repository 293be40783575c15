"""The case page's timeline tells each thing once, in the reader's language (issue 13, item 4)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent
from cases.services import InvoiceChange, case_apply_invoice_change, case_event_add, case_pause, case_resume
from cases.tests.conftest import make_case
from notifications.models import Notification, ReminderMessage
from notifications.services.records import record_skipped, reminder_event
from notifications.services.records import stage_params as stage_params

POLISH_MARKERS = ("Wpłata", "pozostało", "Wstrzymano", "Wznowiono", "Otwarto", "wysłane", "pominięt", "Błąd", "próba")
ENGLISH_MARKERS = ("Payment", "left to pay", "Paused", "resumed", "opened", "sent", "skipped", "failed", "attempt")


def build_history(case, stages, user):
    """A case as the services write it: opened, a failed then sent letter, a skipped rung, a payment, a pause."""
    now = timezone.now() - timedelta(days=5)
    CaseEvent.objects.filter(case=case).delete()  # the persona's plain "opened" row: write the coded one
    invoice = case.invoice
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.OPENED,
        code="case.opened",
        params={"number": invoice.number, "due": invoice.due_date.isoformat()},
        now=now,
    )
    before, overdue = stages[0], stages[1]
    message = ReminderMessage.objects.create(
        client=invoice.client,
        status="sent",
        send_date=now.date(),
        recipients=["biuro@kowalski.pl"],
        subject=f"Przypomnienie o płatności {invoice.number}",
        body_text="Szanowni Państwo",
        sent_at=now + timedelta(hours=2),
    )
    Notification.objects.create(
        case=case,
        stage=before,
        status="sent",
        send_date=now.date(),
        stage_offset=before.offset_days,
        recipients=["biuro@kowalski.pl"],
        subject=message.subject,
        sent_at=now + timedelta(hours=2),
        email=message,
        attempts=2,
    )
    reminder_event(
        case,
        "letter.failed",
        {**stage_params(before), "attempts": 1, "error": "421 try later"},
        now=now + timedelta(hours=1),
        sent=False,
        offset=before.offset_days,
        status="failed",
    )
    reminder_event(
        case,
        "letter.sent",
        {**stage_params(before), "recipients": ["biuro@kowalski.pl"], "manual": False, "others": 0},
        now=now + timedelta(hours=2),
        sent=True,
        offset=before.offset_days,
    )
    record_skipped(
        case=case, stage=overdue, day=now.date(), reason="staff_choice", run=None, now=now + timedelta(days=1)
    )
    Notification.objects.filter(status="skipped").update(created_at=now + timedelta(days=1))  # written then
    invoice.paid, invoice.left_to_pay = 23456, invoice.gross - 23456
    invoice.save()
    change = InvoiceChange(invoice, False, {"paid": (0, 23456), "left_to_pay": (invoice.gross, invoice.left_to_pay)})
    case_apply_invoice_change(case=case, change=change, now=now + timedelta(days=2))
    case_pause(case=case, until=date(2026, 12, 31), reason="promise", user=user, now=now + timedelta(days=3))
    case_resume(case=case, user=user, now=now + timedelta(days=4))


def timeline_html(response) -> str:
    html = response.content.decode()
    return re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)


def words(html: str) -> str:
    """What a reader sees: the text without tags (class names and links are not words)."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
def test_the_timeline_tells_each_letter_once_with_its_body_and_the_payment_as_paid(
    staff_client, staff_user, stages, kowalski
):
    case = make_case(client=kowalski, gross=123456)
    build_history(case, stages, staff_user)
    response = staff_client.get(reverse("cases:detail", args=[case.pk]))
    rows = re.findall(r"<li class=\"([^\"]*)\">(.*?)</li>", timeline_html(response), re.S)
    kinds = [entry["kind"] for entry in response.context["timeline"]]
    assert kinds == ["opened", "email", "email", "payment", "paused", "resumed"]
    letter_rows = [body for _css, body in rows if "Przypomnienie o płatności" in body]
    assert len(letter_rows) == 1  # the letter once: not again as a "reminder" event
    message = ReminderMessage.objects.get()
    assert reverse("admin:notifications_remindermessage_change", args=[message.pk]) in letter_rows[0]
    assert "421 try later" in letter_rows[0]  # its failed first attempt, as the row's history
    skipped = [(css, body) for css, body in rows if "pominięte" in body]
    assert len(skipped) == 1
    assert "muted" in skipped[0][0]
    assert "pominięty z wyboru pracownika" in skipped[0][1]
    payment = next(body for css, body in rows if "kind-payment" in css)
    assert "Wpłata 234,56 zł; pozostało do zapłaty 1 000,00 zł" in payment
    assert "1 234,56" not in payment  # not the cumulative "paid of gross"
    # The letter's link opens its body for staff.
    body = staff_client.get(reverse("admin:notifications_remindermessage_change", args=[message.pk]))
    assert body.status_code == 200
    assert "Szanowni Państwo" in body.content.decode()


@pytest.mark.django_db
def test_the_timeline_reads_in_polish_and_in_english_with_no_word_of_the_other(
    staff_client, staff_user, stages, kowalski
):
    # Stage names are the staff's own words; name them neutrally so only the interface's language shows.
    for stage in stages:
        stage.name = f"R{stage.offset_days:+d}"
        stage.save()
    case = make_case(client=kowalski, gross=123456)
    build_history(case, stages, staff_user)
    url = reverse("cases:detail", args=[case.pk])

    polish = words(timeline_html(staff_client.get(url)))
    english = words(timeline_html(staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en")))

    assert "Wpłata 234,56 zł; pozostało do zapłaty 1 000,00 zł" in polish
    assert "Payment of 234,56 zł; 1 000,00 zł left to pay" in english
    assert "Paused until 31.12.2026: promise to pay" in english
    assert [word for word in ENGLISH_MARKERS if word in polish] == []
    assert [word for word in POLISH_MARKERS if word in english] == []


@pytest.mark.django_db
def test_the_case_page_costs_the_same_queries_however_long_the_timeline(
    staff_client, staff_user, stages, kowalski, django_assert_max_num_queries
):
    case = make_case(client=kowalski, gross=123456)
    build_history(case, stages, staff_user)
    url = reverse("cases:detail", args=[case.pk])
    with CaptureQueriesContext(connection) as small:
        staff_client.get(url)
    now = timezone.now()
    for day in range(40):
        case_pause(case=case, until=date(2026, 12, 31), reason="other", now=now + timedelta(minutes=day))
        case_resume(case=case, now=now + timedelta(minutes=day, seconds=30))
    with django_assert_max_num_queries(len(small.captured_queries)):
        staff_client.get(url)
