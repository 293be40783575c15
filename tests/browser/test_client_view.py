"""From a list to a client, its totals, one of its cases and that case's timeline, in a real browser (issue 13)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseEvent, Client
from cases.services import case_event_add
from common.formatting import format_date, format_money
from invoicetracker.clients import OPEN_CASES_SHOWN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1440": {"width": 1440, "height": 900}, "1024": {"width": 1024, "height": 768}}


def a_payment_on(case: Case) -> None:
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.PAYMENT,
        code="case.payment",
        params={"amount": 50_00, "left": case.invoice.left_to_pay - 50_00, "currency": case.invoice.currency},
        now=timezone.now(),
    )


def test_from_the_list_open_a_client_see_its_totals_open_a_case_and_read_its_timeline(logged_in, shot):
    alfa = Client.objects.get(company_name="Firma Alfa Sp. z o.o.")
    cases = Case.objects.filter(invoice__client=alfa, status=Case.Status.ACTIVE).select_related("invoice")
    total = sum(case.invoice.left_to_pay for case in cases)
    oldest = min(cases, key=lambda case: case.invoice.due_date)
    a_payment_on(oldest)

    page = logged_in("/cases/active/")
    page.locator("table.it-table td.client a", has_text="Firma Alfa").first.click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text("Firma Alfa")
    expect(page.locator("#client-totals")).to_contain_text(format_money(total))
    expect(page.locator("#client-totals")).to_contain_text(format_date(oldest.invoice.due_date))
    expect(page.locator("#client-open-cases tbody tr")).to_have_count(min(cases.count(), OPEN_CASES_SHOWN))

    # The client's filtered list with its sum row.
    page.locator("a", has_text="sprawy aktywne tego kontrahenta").click()
    page.wait_for_load_state()
    expect(page.locator("#sum-row")).to_contain_text(format_money(total))
    expect(page.locator(".client-filter-note")).to_contain_text("Firma Alfa")
    page.go_back()

    page.locator("#client-open-cases a", has_text=oldest.invoice.number).click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text(oldest.invoice.number)
    timeline = page.locator("ol.timeline")
    expect(timeline.locator("li.kind-payment")).to_contain_text("Wpłata 50,00 zł; pozostało do zapłaty")
    page.locator("a.client-link").click()  # and back to the client from the case
    expect(page.locator("h1")).to_contain_text("Firma Alfa")


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_screenshots_of_the_client_page_timeline_and_filtered_list(logged_in, live_server, shot, size, language):
    alfa = Client.objects.get(company_name="Firma Alfa Sp. z o.o.")
    case = Case.objects.filter(invoice__client=alfa, status=Case.Status.ACTIVE).select_related("invoice").first()
    a_payment_on(case)
    page = logged_in("/cases/active/")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.set_viewport_size(SIZES[size])
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/clients/{alfa.pk}/")
    expect(page.locator("#client-totals")).to_be_visible()
    shot(f"r2b-client-page-{size}-{language}")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("ol.timeline")).to_be_visible()
    shot(f"r2b-case-timeline-{size}-{language}")
    page.goto(f"{live_server.url}/cases/active/?client_id={alfa.pk}")
    expect(page.locator("#sum-row")).to_be_visible()
    shot(f"r2b-active-list-one-client-{size}-{language}")
    assert errors == []  # nothing the Content-Security-Policy blocked, no script error
