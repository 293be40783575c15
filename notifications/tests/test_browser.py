"""The stage editor's live preview in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from cases.calendar import business_today
from cases.models import ReminderStage
from tests.browser_support import PASSWORD, log_in

from .conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_stage_editor_previews_the_edited_text_live_on_a_real_case(page, live_server):
    User.objects.create_superuser("anna", email="anna@firma.test", password=PASSWORD)
    case = World().case(due=business_today() - timedelta(days=3), client=World().client(company_name="Gamma <S.A.>"))
    stage = ReminderStage.objects.get(offset_days=7)

    log_in(page, live_server, f"/admin/cases/reminderstage/{stage.pk}/change/")

    expect(page.locator("#preview_subject")).to_have_text(f"Minął termin płatności faktury {case.invoice.number}")
    expect(page.locator("#preview_case_label")).to_contain_text("Gamma <S.A.>")
    page.fill("#id_subject_pl", "Zaległość {{ days_overdue_text }}: {{ invoice_left_to_pay }}")
    expect(page.locator("#preview_subject")).to_have_text("Zaległość 3 dni: 1 234,56 zł")
    page.fill("#id_body_html_pl", "<p>Dla: {{ client_name }}</p>")
    expect(page.frame_locator("#preview_html").locator("body")).to_contain_text("Dla: Gamma <S.A.>")  # escaped
    page.fill("#id_subject_pl", "{% if %}")
    expect(page.locator("#preview_error")).to_contain_text("TemplateSyntaxError")
