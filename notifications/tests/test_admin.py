"""The admin: stages with a live preview and a test send, the read-only log, resending by hand."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from cases.models import Case, ReminderStage
from notifications.admin import NotificationInline, ReminderStageAdmin
from notifications.models import Notification, ReminderRun
from notifications.services import reminders_send_due

from .conftest import at


def stage_form_data(stage: ReminderStage, **changes) -> dict:
    data = {
        name: getattr(stage, name)
        for name in (
            "name",
            "offset_days",
            "subject_pl",
            "body_text_pl",
            "body_html_pl",
            "subject_en",
            "body_text_en",
            "body_html_en",
        )
    }
    data["is_active"] = "on" if stage.is_active else ""
    return data | changes


def test_reminder_stages_use_the_notifications_admin(db):
    assert isinstance(admin.site._registry[ReminderStage], ReminderStageAdmin)


def test_the_stage_list_and_change_form_render(admin_client, stages):
    assert admin_client.get(reverse("admin:cases_reminderstage_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:cases_reminderstage_change", args=[stages[14].pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "stage-preview" in content
    assert "invoice_left_to_pay" in content
    assert reverse("admin:cases_reminderstage_preview") in content


def test_the_live_preview_renders_unsaved_text_on_a_real_case(admin_client, world, stages):
    case = world.case(due=date(2026, 11, 9), client=world.client(company_name="Beta <i>sp.j.</i>"))
    data = stage_form_data(
        stages[14], subject_pl="Pilne: {{ invoice_number }}", body_html_pl="<p>{{ client_name }}</p>"
    )

    response = admin_client.post(
        reverse("admin:cases_reminderstage_preview"),
        data | {"preview_case": case.pk, "preview_language": "pl", "stage_id": stages[14].pk},
    )

    result = response.json()
    assert result["subject"] == f"Pilne: {case.invoice.number}"
    assert "Beta &lt;i&gt;sp.j.&lt;/i&gt;" in result["html"]
    assert result["recipients"] == case.invoice.client.emails
    assert result["case_id"] == case.pk


def test_the_preview_reports_a_broken_template_instead_of_failing(admin_client, world, stages):
    world.case(due=date(2026, 11, 9))

    response = admin_client.post(
        reverse("admin:cases_reminderstage_preview"), stage_form_data(stages[7], subject_pl="{% if %}")
    )

    assert response.status_code == 200
    assert "TemplateSyntaxError" in response.json()["error"]


def test_a_broken_template_cannot_be_saved(admin_client, stages):
    response = admin_client.post(
        reverse("admin:cases_reminderstage_change", args=[stages[7].pk]),
        stage_form_data(stages[7], body_text_pl="{% if %}"),
    )

    assert response.status_code == 200
    assert "Błąd w szablonie" in response.content.decode()


def test_a_template_that_parses_but_does_not_render_is_refused_with_the_error(admin_client, stages):
    response = admin_client.post(
        reverse("admin:cases_reminderstage_change", args=[stages[14].pk]),
        stage_form_data(stages[14], body_text_en='{% if consumer %}{% include "nie-ma.txt" %}{% endif %}'),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Szablon nie daje się złożyć (EN)" in page
    assert "nie-ma.txt" in page
    stages[14].refresh_from_db()
    assert "nie-ma.txt" not in stages[14].body_text_en


def test_the_preview_shows_the_business_and_the_consumer_variant(admin_client, world, stages):
    case = world.case(due=date(2026, 11, 2))

    response = admin_client.post(
        reverse("admin:cases_reminderstage_preview"),
        stage_form_data(stages[14]) | {"preview_case": case.pk, "preview_language": "pl", "stage_id": stages[14].pk},
    )

    variants = response.json()["variants"]
    assert "rekompensata za koszty odzyskiwania" in variants["business"]["text"]
    assert "art. 481 Kodeksu cywilnego" in variants["consumer"]["text"]
    assert "rekompensat" not in variants["consumer"]["text"]


def test_changing_an_offset_reschedules_the_cases(admin_client, world, stages):
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)

    response = admin_client.post(
        reverse("admin:cases_reminderstage_change", args=[stages[7].pk]), stage_form_data(stages[7], offset_days=10)
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.next_reminder_date == date(2026, 11, 19)


def test_a_test_send_goes_to_the_logged_in_user_only(admin_client, admin_user, world, stages, mailoutbox):
    admin_user.email = "szef@firma.test"
    admin_user.save()
    case = world.case(due=date(2026, 11, 9))

    response = admin_client.post(
        reverse("admin:cases_reminderstage_send_test"), stage_form_data(stages[7]) | {"preview_case": case.pk}
    )

    assert response.json()["ok"] is True
    (message,) = mailoutbox
    assert message.to == ["szef@firma.test"]
    assert message.cc == []
    assert message.subject.startswith("[TEST] Minął termin")
    assert Notification.objects.count() == 0


def test_the_log_is_read_only_and_filterable(admin_client, world, stages, smtp_server):
    day = date(2026, 11, 16)
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(day)
    reminders_send_due(day=day, now=at(day, 7))
    row = Notification.objects.get()

    changelist = admin_client.get(reverse("admin:notifications_notification_changelist"), {"outcome": "ok"})
    detail = admin_client.get(reverse("admin:notifications_notification_change", args=[row.pk]))
    search = admin_client.get(reverse("admin:notifications_notification_changelist"), {"q": case.invoice.number})

    assert changelist.status_code == detail.status_code == search.status_code == 200
    assert case.invoice.number in search.content.decode()
    assert "srcdoc" in detail.content.decode()
    assert admin_client.get(reverse("admin:notifications_notification_add")).status_code == 403
    assert admin_client.get(reverse("admin:notifications_reminderrun_changelist")).status_code == 200
    assert ReminderRun.objects.count() == 1


def test_staff_resend_an_uncertain_reminder_from_the_log(admin_client, world, smtp_server):
    day = date(2026, 11, 16)
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(day)
    smtp_server.handler.drop_during_data = True
    reminders_send_due(day=day, now=at(day, 7))
    smtp_server.handler.drop_during_data = False
    row = Notification.objects.get(case=case)
    assert row.status == Notification.Status.UNCERTAIN

    response = admin_client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "resend", "_selected_action": [row.pk]},
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.mode) == (Notification.Status.SENT, Notification.Mode.MANUAL)
    assert len(smtp_server.messages) == 2


def test_staff_confirm_an_uncertain_reminder(admin_client, world, smtp_server):
    day = date(2026, 11, 16)
    world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(day)
    smtp_server.handler.drop_during_data = True
    reminders_send_due(day=day, now=at(day, 7))
    row = Notification.objects.get()

    admin_client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "confirm_sent", "_selected_action": [row.pk]},
    )

    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_the_case_inline_is_read_only():
    inline = NotificationInline(parent_model=Case, admin_site=admin.site)
    assert not inline.has_add_permission(None)
    assert not inline.has_change_permission(None)
    assert not inline.has_delete_permission(None)
