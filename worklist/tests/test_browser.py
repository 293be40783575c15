"""The clerk's morning in Chromium: the worklist and the case page's actions, and screenshots of
both at 1440×900 and 1024×768 in Polish and English (test-artifacts/screenshots/worklist-*)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from cases.models import Case, CaseEvent
from cases.services import case_schedule_next
from cases.tests.conftest import ensure_stages, make_case, make_client
from common.calendar import business_today
from notifications.models import Notification, ReminderReview
from tests.browser_support import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1600, "height": 1000}, "locale": "pl-PL"}


@pytest.fixture
def morning(transactional_db, settings):
    """Anna's office on a morning of the first run: letters await review; one case at the ladder's end."""
    settings.REMINDER_FIRST_RUN_REVIEW = True
    settings.REMINDER_BUSINESS_DAYS = False  # any calendar day works
    ensure_stages()  # a transactional test's flush removed the seeded ladder
    User.objects.create_superuser("anna", email="anna@firma.test", password=PASSWORD)
    alfa = make_client("Alfa Budownictwo Sp. z o.o.", nip="5261040828", emails=("biuro@alfa.test",))
    beta = make_client("Beta Handel SA", nip="7740001454", emails=("kasa@beta.test", "szef@beta.test"))
    gamma = make_client("Gamma Usługi Jan Nowak", nip="1132853869", emails=("jan@gamma.test",))
    cases = {
        "hold": make_case(client=alfa, number="FV/101/11/2026", days_past_due=10, last_stage_offset=-1),
        "exclude": make_case(client=alfa, number="FV/102/11/2026", days_past_due=12, last_stage_offset=-1),
        "call": make_case(client=beta, number="FV/201/11/2026", days_past_due=10, gross=3_200_00, last_stage_offset=-1),
        "hand": make_case(client=gamma, number="FV/301/10/2026", days_past_due=45, last_stage_offset=30),
    }
    for i in range(6):
        make_case(client=beta, number=f"FV/2{i + 10}/11/2026", days_past_due=9 + i, last_stage_offset=-1)
    for case in Case.objects.all():
        case_schedule_next(case=case)
    return cases


def row(page, section: str, case: Case):
    return page.locator(f"#{section} tr[data-case='{case.pk}']")


def message(page):
    return page.locator("ul.messages li").first


def test_the_clerks_morning(page, live_server, morning, shot):
    cases = morning
    day = business_today()
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server, "/")  # the site's root: after login the worklist
    expect(page.locator("h1")).to_contain_text("Na dziś")
    assert page.url.endswith("/cases/today/")
    shot("worklist-pl-1440-before")

    # Hold one letter: the row says so, and the letter moves to the next day's plan.
    row(page, "letters", cases["hold"]).get_by_role("button", name="Wstrzymaj").click()
    expect(message(page)).to_have_text("Wstrzymano list do FV/101/11/2026 na dziś.")
    expect(row(page, "letters", cases["hold"])).to_contain_text("wstrzymany na dziś")
    expect(row(page, "tomorrow", cases["hold"])).to_be_visible()
    expect(row(page, "tomorrow", cases["exclude"])).to_have_count(0)

    # Approve the first-run review, leaving one case out.
    row(page, "letters", cases["exclude"]).locator("input[name=exclude]").check()
    page.get_by_role("button", name="Zatwierdź pierwszą wysyłkę (bez zaznaczonych)").click()
    expect(message(page)).to_contain_text("Zatwierdzono pierwszą wysyłkę")
    expect(page.locator("#letters .review-box")).to_have_count(0)
    assert ReminderReview.objects.get().excluded_case_ids == [cases["exclude"].pk]
    skipped = Notification.objects.get(case=cases["exclude"])
    assert skipped.reason == Notification.Reason.REVIEW_EXCLUDED

    # Hand over the case at the end of the ladder, in place.
    handed = row(page, "handover", cases["hand"])
    handed.locator("input[name=to]").fill("Kancelaria Lex Sp. k.")
    handed.get_by_role("button", name="Przekazano").click()
    expect(message(page)).to_have_text("Sprawa FV/301/10/2026 przekazana: Kancelaria Lex Sp. k..")
    expect(row(page, "handover", cases["hand"])).to_have_count(0)

    # The case page: log a call, then a promise to pay.
    row(page, "letters", cases["call"]).get_by_role("link", name="FV/201/11/2026").click()
    expect(page.locator("h1")).to_contain_text("FV/201/11/2026")
    call = page.locator("form.action-call")
    call.get_by_label("Wynik rozmowy").select_option("promised")
    call.get_by_label("Co ustalono").fill("zapłaci połowę w przyszłym tygodniu")
    call.get_by_role("button", name="Zapisz rozmowę").click()
    expect(message(page)).to_have_text("Zapisano rozmowę telefoniczną.")
    expect(page.locator("ol.timeline")).to_contain_text(
        "Rozmowa telefoniczna: obiecał zapłacić. zapłaci połowę w przyszłym tygodniu"
    )

    promised_on = day + timedelta(days=7)
    promise = page.locator("form.action-promise")
    promise.get_by_label("Zapłaci do (włącznie)").fill(promised_on.isoformat())
    promise.get_by_label("Kwota").fill("99999")  # more than is owed: refused, input kept
    promise.get_by_label("Notatka").fill("przelew od księgowej")
    promise.get_by_role("button", name="Zapisz obietnicę").click()
    expect(page.locator("form.action-promise .errorlist")).to_contain_text("większa niż pozostało do zapłaty")
    expect(page.locator("form.action-promise").get_by_label("Notatka")).to_have_value("przelew od księgowej")
    page.locator("form.action-promise").get_by_label("Kwota").fill("1600,00")
    page.locator("form.action-promise").get_by_role("button", name="Zapisz obietnicę").click()
    expect(message(page)).to_contain_text("Zapisano obietnicę zapłaty 1 600,00 zł")
    expect(page.locator("dd.promise")).to_contain_text("1 600,00 zł do")
    expect(page.locator("ol.timeline")).to_contain_text("Obietnica zapłaty 1 600,00 zł")
    shot("case-actions-pl-1440")

    # Back on the worklist: the promised case is paused, so neither today's nor the next day's plan has it.
    page.get_by_role("link", name="Na dziś").first.click()
    expect(row(page, "letters", cases["call"])).to_have_count(0)
    expect(row(page, "tomorrow", cases["call"])).to_have_count(0)
    expect(row(page, "tomorrow", cases["hold"])).to_be_visible()

    kinds = list(CaseEvent.objects.filter(case=cases["call"]).values_list("kind", flat=True))
    assert kinds[-2:] == [CaseEvent.Kind.CALL, CaseEvent.Kind.PROMISE]
    assert CaseEvent.objects.filter(case=cases["hand"], kind=CaseEvent.Kind.HANDED_OVER).exists()
    assert Case.objects.get(pk=cases["call"].pk).paused_until == promised_on


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1024, 768)])
def test_screenshots_of_the_worklist_and_the_case_page(page, live_server, morning, shot, language, width, height):
    Case.objects.filter(pk=morning["call"].pk).update(
        promise_date=business_today(), promise_amount=500_00, promise_paid_before=0
    )
    page.set_viewport_size({"width": width, "height": height})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    log_in(page, live_server, "/cases/today/")
    heading = "Today" if language == "en" else "Na dziś"
    expect(page.locator("h1")).to_contain_text(heading)
    # Nothing overflows the window sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(f"worklist-{language}-{width}")
    page.goto(f"{live_server.url}/cases/{morning['call'].pk}/")
    expect(page.locator("#actions")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(f"case-actions-{language}-{width}")
