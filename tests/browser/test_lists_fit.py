"""Lists that fit: at 1440×900 and 1024×768 the admin's case list and the runs table are no wider than their
box (nothing cut off, no sideways scrolling), in Polish and in English. Screenshots in test-artifacts/."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from syncstatus.models import SyncRun
from tests.browser_support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [(1440, 900), (1024, 768)]
OVERFLOW = """(selector) => {
  const table = document.querySelector(selector);
  let box = table.parentElement;
  while (box && box.clientWidth >= table.scrollWidth && box !== document.body) box = box.parentElement;
  const holder = table.closest('.results, .it-scroll, #changelist-form, main, #content');
  return {table: table.scrollWidth, box: holder.clientWidth, page: document.documentElement.scrollWidth,
          viewport: document.documentElement.clientWidth};
}"""


@pytest.fixture
def runs(office):
    now = timezone.now()
    for i in range(3):
        SyncRun.objects.create(
            target_date=now.date(), started_at=now, finished_at=now, heartbeat_at=now, status=SyncRun.Status.SUCCESS,
            invoices_read=12345, cases_opened=1234, cases_refreshed=2345, cases_closed=345, api_requests=123 + i,
        )  # fmt: skip


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_case_list_and_the_runs_table_fit_the_screen(page, live_server, runs, shot, language, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    log_in(page, live_server, "/admin/cases/case/")
    page.wait_for_selector("#result_list")
    fit = page.evaluate(OVERFLOW, "#result_list")
    shot(f"lists-admin-cases-{language}-{width}")
    assert fit["table"] <= fit["box"], fit
    assert fit["page"] <= fit["viewport"], fit
    page.goto(f"{live_server.url}/sync/")
    fit = page.evaluate(OVERFLOW, "#sync-runs")
    shot(f"lists-sync-runs-{language}-{width}")
    assert fit["table"] <= fit["box"], fit
    assert fit["page"] <= fit["viewport"], fit


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_reports_page_fits_and_draws_its_charts(page, live_server, runs, shot, language, width, height):
    """The manager's reports at both screen sizes and in both languages: charts drawn, nothing cut off."""
    page.set_viewport_size({"width": width, "height": height})
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    log_in(page, live_server, "/sync/reports/")
    page.wait_for_selector("#aging-table")
    assert page.locator("svg").count() >= 3  # the period charts and the aging money chart, server-rendered
    width_now = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    shot(f"reports-{language}-{width}")
    assert width_now[0] <= width_now[1], width_now
    text = page.inner_text("main, #content")
    assert ("Raporty" in text) == (language == "pl")
