"""The staff UI in a real browser: log in, filter, sort, page, open a closed case, run an admin action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from cases.models import Case
from common.calendar import business_today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def day_cells(page):
    return [int(text) for text in page.locator("table.it-table tbody td.days_past_due").all_inner_texts()]


def test_it_logs_in_and_lands_on_the_active_cases(page, live_server, office, shot):
    page.goto(f"{live_server.url}/cases/active/")
    expect(page.locator("#id_username")).to_be_visible()  # every page needs login
    shot("01-login-form")
    page.fill("#id_username", "anna")
    page.fill("#id_password", "haslo-testowe-123")
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_have_text("Sprawy aktywne")
    expect(page.locator("table.it-table tbody tr")).to_have_count(100)
    expect(page.locator(".toolbar")).to_contain_text("130 spraw")
    shot("02-active-cases-after-login")


def test_it_filters_the_list(logged_in, shot):
    page = logged_in()
    page.fill("#id_client", "Nowak")
    page.select_option("#id_missing_email", "true")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.it-table tbody tr")).to_have_count(2)
    expect(page.locator("table.it-table")).to_contain_text("FV/NOWAK/1")
    expect(page.locator("table.it-table")).to_contain_text("4 321,00 zł")
    expect(page.locator("table.it-table")).to_contain_text("brak")
    shot("03-filtered-client-nowak-without-email")
    page.goto(page.url.split("?")[0] + "?days_min=31&days_max=60")
    assert all(31 <= d <= 60 for d in day_cells(page))
    assert day_cells(page)
    shot("04-filtered-31-60-days-past-due")


def test_it_sorts_by_days_past_due(logged_in, shot):
    page = logged_in()
    days = day_cells(page)
    assert days == sorted(days, reverse=True)  # most overdue first by default
    page.click("table.it-table th.days_past_due a")
    page.wait_for_load_state()
    assert "sort=days_past_due" in page.url
    days = day_cells(page)
    assert days == sorted(days)
    assert days[0] < 0
    shot("05-sorted-by-days-past-due-ascending")
    page.click("table.it-table th.days_past_due a")
    page.wait_for_load_state()
    days = day_cells(page)
    assert days == sorted(days, reverse=True)
    shot("06-sorted-by-days-past-due-descending")


def test_it_goes_to_page_2(logged_in, shot):
    page = logged_in()
    first_page = set(page.locator("table.it-table tbody td.number").all_inner_texts())
    page.click("ul.pagination li a:text-is('2')")
    page.wait_for_load_state()
    expect(page.locator(".toolbar")).to_contain_text("strona 2 z 2")
    expect(page.locator("table.it-table tbody tr")).to_have_count(30)
    assert not first_page & set(page.locator("table.it-table tbody td.number").all_inner_texts())
    shot("07-page-2")


def test_it_opens_a_closed_case_with_its_timeline(logged_in, office, shot):
    page = logged_in("/cases/closed/")
    expect(page.locator("h1")).to_have_text("Sprawy zamknięte")
    page.click("text=FV/ZAMK/1")
    expect(page.locator("h1")).to_contain_text("FV/ZAMK/1")
    timeline = page.locator("ol.timeline")
    for text in ("Otwarto", "Odświeżono z InFakt", "Wpłata", "Zamknięto: opłacona"):
        expect(timeline).to_contain_text(text)
    expect(page.locator("dl.facts").first).to_contain_text("2 500,00 zł")
    shot("08-closed-case-timeline")
    # The same case opens in full in the admin, read-only.
    page.click("text=w panelu administracyjnym")
    expect(page.locator("#content h1, #content h2").first).to_be_visible()
    expect(page.locator("input[name=_save]")).to_have_count(0)
    shot("09-closed-case-admin-read-only")


def test_it_runs_an_admin_action(logged_in, live_server, shot):
    page = logged_in("/admin/cases/case/?q=FV/001/")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("FV/001/11/2026")
    shot("10-admin-changelist")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "pause_cases")
    page.click("button[name=index]")
    expect(page.locator("input[name=until]")).to_be_visible()
    until = business_today() + timedelta(days=14)
    page.fill("input[name=until]", until.isoformat())
    page.select_option("select[name=reason]", "promise")
    page.fill("input[name=note]", "Klient obiecał przelew")
    shot("11-admin-action-pause-form")
    page.click("input[name=apply]")
    expect(page.locator("ul.messagelist")).to_contain_text(f"Wstrzymano 1 sprawę do {until:%d.%m.%Y}.")
    expect(page.locator("#result_list")).to_contain_text("wstrzymana do")
    shot("12-admin-action-done")
    case = Case.objects.get(invoice__number="FV/001/11/2026")
    assert case.paused_until == until
    assert case.pause_note == "Klient obiecał przelew"
