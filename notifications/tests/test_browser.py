"""The stage editor's live preview in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from cases.calendar import business_today
from cases.models import ReminderStage

from .conftest import World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed: apt-get install -y chromium"),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
    }


def test_the_stage_editor_previews_the_edited_text_live_on_a_real_case(page, live_server):
    User.objects.create_superuser("anna", email="anna@firma.test", password="haslo-testowe-123")
    case = World().case(due=business_today() - timedelta(days=3), client=World().client(company_name="Gamma <S.A.>"))
    stage = ReminderStage.objects.get(offset_days=7)

    page.goto(f"{live_server.url}/admin/cases/reminderstage/{stage.pk}/change/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", "haslo-testowe-123")
    page.click("input[type=submit]")

    expect(page.locator("#preview_subject")).to_have_text(f"Minął termin płatności faktury {case.invoice.number}")
    expect(page.locator("#preview_case_label")).to_contain_text("Gamma <S.A.>")
    page.fill("#id_subject_pl", "Zaległość {{ days_overdue_text }}: {{ invoice_left_to_pay }}")
    expect(page.locator("#preview_subject")).to_have_text("Zaległość 3 dni: 1 234,56 zł")
    page.fill("#id_body_html_pl", "<p>Dla: {{ client_name }}</p>")
    expect(page.frame_locator("#preview_html").locator("body")).to_contain_text("Dla: Gamma <S.A.>")  # escaped
    page.fill("#id_subject_pl", "{% if %}")
    expect(page.locator("#preview_error")).to_contain_text("TemplateSyntaxError")
