"""The stage editor's live preview in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import importlib
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from cases.models import ReminderStage
from common.calendar import business_today
from tests.browser_support import PASSWORD, log_in

from .conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed_stages() -> None:
    """The seeded stages and their wording (an earlier transactional test may have emptied the table)."""
    from django.apps import apps

    if ReminderStage.objects.exists():
        return
    for module, function in (
        ("cases.migrations.0002_default_stages", "seed"),
        ("notifications.migrations.0003_stage_wording", "fill"),
        ("notifications.migrations.0005_h10_letter_wording", "rewrite"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


def test_the_stage_editor_previews_the_edited_text_live_on_a_real_case(page, live_server):
    User.objects.create_superuser("anna", email="anna@firma.test", password=PASSWORD)
    case = World().case(due=business_today() - timedelta(days=3), client=World().client(company_name="Gamma <S.A.>"))
    seed_stages()
    stage = ReminderStage.objects.get(offset_days=7)

    log_in(page, live_server, f"/admin/cases/reminderstage/{stage.pk}/change/")

    expect(page.locator("#preview_subject")).to_have_text(f"Minął termin płatności – faktura {case.invoice.number}")
    expect(page.locator("#preview_case_label")).to_contain_text("Gamma <S.A.>")
    page.fill("#id_subject_pl", "Zaległość {{ days_overdue_text }}: {{ invoice_left_to_pay }}")
    expect(page.locator("#preview_subject")).to_have_text("Zaległość 3 dni: 1 234,56 zł")
    page.fill("#id_body_html_pl", "<p>Dla: {{ client_name }}</p>")
    expect(page.frame_locator("#preview_html").locator("body")).to_contain_text("Dla: Gamma <S.A.>")  # escaped
    page.fill("#id_subject_pl", "{% if %}")
    expect(page.locator("#preview_error")).to_contain_text("TemplateSyntaxError")


def _email_page(page, message, shot, name: str):
    html = message.alternatives[0][0] if hasattr(message, "alternatives") else message.html
    page.set_content(html)
    return shot(name)


def test_screenshots_of_a_digest_and_a_consumers_demand(page, shot, settings, mailoutbox):
    """A client with four invoices at three rungs in one e-mail; a consumer's formal demand (HTML)."""
    from cases.models import Case
    from notifications.services import reminders_send_due

    from .conftest import at, reminder_settings  # noqa: F401

    seed_stages()
    settings.SELLER_NAME = "Demo Hurtownia Sp. z o.o."
    settings.SELLER_NIP = "5260250274"
    settings.SELLER_ADDRESS = "ul. Przykładowa 12, 00-950 Warszawa"
    settings.SELLER_BANK_ACCOUNT = "PL61 1090 1014 0000 0712 1981 2874"
    settings.REMINDER_CONTACT_EMAIL = "ksiegowosc@demo-hurtownia.pl"
    settings.REMINDER_CONTACT_PHONE = "+48 22 100 20 30"
    world = World()
    monday = date(2026, 11, 16)
    beta = world.client(company_name="Beta Budownictwo Sp. z o.o.", emails=["ksiegowosc@beta.test"])
    world.case(due=date(2026, 11, 17), client=beta)
    world.case(due=date(2026, 11, 9), client=beta, last_stage_offset=-1)
    world.case(due=date(2026, 11, 9), client=beta, last_stage_offset=-1, gross=50000)
    demand = world.case(due=date(2026, 11, 2), client=beta, last_stage_offset=7)
    consumer = world.client(company_name="", first_name="Jan", last_name="Kowalski", nip="", emails=["jan@poczta.test"])
    private = world.case(due=date(2026, 11, 2), client=consumer, last_stage_offset=7, gross=89900)
    Case.objects.filter(pk__in=[demand.pk, private.pk]).update(last_letter_on=date(2026, 11, 9), last_letter_offset=7)
    World.sync(monday)

    report = reminders_send_due(day=monday, now=at(monday, 7))

    assert (report.sent, report.messages) == (5, 2)
    (digest,) = [m for m in mailoutbox if "ksiegowosc@beta.test" in m.to]
    (to_consumer,) = [m for m in mailoutbox if "jan@poczta.test" in m.to]
    _email_page(page, digest, shot, "h10-digest-four-invoices-three-rungs")
    expect(page.locator("table.invoices tbody tr")).to_have_count(4)
    _email_page(page, to_consumer, shot, "h10-consumer-formal-demand")
    expect(page.locator("body")).to_contain_text("art. 481 Kodeksu cywilnego")
    expect(page.locator("body")).not_to_contain_text("rekompensat")


def test_screenshots_of_the_first_run_review_and_a_case_to_hand_over(page, live_server, shot, settings):
    from cases.models import Case
    from cases.services import case_event_add
    from notifications.services import reminders_send_due

    from .conftest import at

    seed_stages()
    settings.REMINDER_FIRST_RUN_REVIEW = True
    User.objects.create_superuser("anna", email="anna@firma.test", password=PASSWORD)
    today = business_today()
    world = World()
    gamma = world.client(company_name="Gamma S.A.")
    for days in (8, 15):
        world.case(due=today - timedelta(days=days), client=gamma, last_stage_offset=-1)
    world.case(due=today - timedelta(days=10), last_stage_offset=-1)
    World.sync(today, started=at(today, 6))
    reminders_send_due(day=today, now=at(today, 7))  # held for the review (on a business day)
    done = world.case(due=today - timedelta(days=60), client=gamma, last_stage_offset=30)
    Case.objects.filter(pk=done.pk).update(handover=Case.Handover.TO_HAND_OVER, letters_sent=4, next_reminder_date=None)
    for offset, sent in ((-1, False), (7, True), (14, True), (21, True), (30, True)):
        case_event_add(
            case=done,
            kind="reminder",
            message="Pominięto etap: nie dotyczy po planowanym dniu" if not sent else "Wysłano",
            now=at(today - timedelta(days=60 - max(offset, 0)), 7),
            sent=sent,
            offset=offset,
            status="skipped" if not sent else "sent",
        )

    page.context.set_extra_http_headers({"Accept-Language": "pl"})
    log_in(page, live_server, "/reminders/review/")
    expect(page.locator("h1")).to_have_text("Pierwsza wysyłka przypomnień")
    shot("h10-first-run-review")
    page.goto(f"{live_server.url}/cases/{done.pk}/")
    expect(page.locator(".handover")).to_contain_text("Do przekazania")
    shot("h10-case-to-hand-over")
    page.goto(f"{live_server.url}/admin/cases/case/{done.pk}/change/")
    shot("h10-case-to-hand-over-admin")
