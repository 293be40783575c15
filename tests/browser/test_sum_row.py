"""The case list's sum row in a real browser (issue 13): the whole list's totals, a search too wide to add
up ("ponad N spraw") and the link that adds it up."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases.models import Case
from cases.selectors import case_search_q, case_sums
from common.formatting import format_money

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_whole_list_a_wide_search_and_its_total_on_request(logged_in, shot, monkeypatch, page):
    monkeypatch.setattr("cases.views.CASE_SEARCH_DENSE_FROM", 50)  # 1000 in use; the office has 130 cases
    active = Case.objects.filter(status=Case.Status.ACTIVE)
    (whole,) = case_sums(active)
    (found,) = case_sums(active.filter(case_search_q("Sp.")))
    assert found.count > 50

    page = logged_in("/cases/active/")
    sum_row = page.locator("#sum-row")
    expect(sum_row).to_contain_text(f"{whole.count} spraw")
    expect(sum_row).to_contain_text(format_money(whole.left_to_pay))

    page.fill("#id_q", "Sp.")
    page.locator("#filters button[type=submit]").click()
    page.wait_for_load_state()
    expect(sum_row).to_contain_text("ponad 50 spraw")
    expect(sum_row).not_to_contain_text("pozostało do zapłaty")
    expect(page.locator(".toolbar")).to_contain_text("ponad 50 spraw")
    expect(page.locator("table.it-table tbody tr")).to_have_count(50)  # pages up to the count it says
    shot("sum-row-wide-search")

    sum_row.locator("a", has_text="policz sumę").click()
    page.wait_for_load_state()
    expect(sum_row).to_contain_text(f"{found.count} spraw")
    expect(sum_row).to_contain_text(format_money(found.left_to_pay))
    expect(page.locator("table.it-table tbody tr")).to_have_count(min(found.count, 100))
    shot("sum-row-added-up")
