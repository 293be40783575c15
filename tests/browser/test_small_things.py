"""The small things people notice, in Chromium: a favicon everywhere without a 404, no stray list
bullet or empty red error bar, the case actions in the same style as the admin's own buttons, and
a read-only case page whose way back does not read as "close the case". Screenshots of each page
go to test-artifacts/screenshots/small-*.png."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from playwright.sync_api import expect

from cases.models import Case, ReminderStage
from ops.tests.test_healthz import finished_run
from tests.browser_support import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def not_found(page):
    """Every 404 the browser meets, favicon requests included."""
    seen: list[str] = []
    page.on("response", lambda response: seen.append(response.url) if response.status == 404 else None)
    return seen


def visible_bullets(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll("li")].filter((li) => {
            const style = getComputedStyle(li);
            return li.offsetParent !== null && style.display === "list-item" && style.listStyleType !== "none"
                && !li.closest("ul.errorlist, .timeline, #changelist-filter, .messagelist, ol, .it-vars");
        }).map((li) => li.className + ": " + li.textContent.trim().slice(0, 40))"""
    )


def empty_error_bars(page) -> int:
    return page.evaluate(
        """() => [...document.querySelectorAll(".errornote, .errorlist, .it-alert, .messages li.error")]
            .filter((el) => el.offsetParent !== null && !el.textContent.trim()).length"""
    )


def test_the_pages_have_a_favicon_and_no_stray_bullets_or_empty_error_bars(page, live_server, office, not_found, shot):
    finished_run(hours_ago=2)
    closed = office["closed"]
    active = Case.objects.filter(status=Case.Status.ACTIVE).order_by("pk").first()
    stage = ReminderStage.objects.get(offset_days=7)
    page.goto(f"{live_server.url}/admin/login/")
    assert page.locator("link[rel=icon]").count() == 1
    shot("small-01-login")
    log_in(page, live_server, "/admin/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#it-sync-module [data-alert]").first).to_be_visible()  # the health banner loaded
    pages = [
        ("02-admin-index", "/admin/"),
        ("03-admin-cases", "/admin/cases/case/"),
        ("04-admin-case", f"/admin/cases/case/{active.pk}/change/"),
        ("05-active-cases", "/cases/active/"),
        ("06-case-page", f"/cases/{active.pk}/"),
        ("07-closed-case-page", f"/cases/{closed.pk}/"),
        ("08-panel", "/sync/"),
        ("09-reports", "/sync/reports/"),
        ("10-stage-editor", f"/admin/cases/reminderstage/{stage.pk}/change/"),
    ]
    for name, path in pages:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.locator("link[rel=icon]").count() == 1, path
        assert visible_bullets(page) == [], path
        assert empty_error_bars(page) == 0, path
        shot(f"small-{name}")
    response = page.request.get(f"{live_server.url}/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert not_found == []


def test_case_actions_look_like_the_admins_own_buttons(page, live_server, office, shot):
    active = Case.objects.filter(status=Case.Status.ACTIVE).order_by("pk").first()
    log_in(page, live_server, f"/admin/cases/case/{active.pk}/change/")
    page.wait_for_load_state()
    styles = page.evaluate(
        """() => [...document.querySelectorAll(".object-tools a, .object-tools button")].map((el) => {
            const s = getComputedStyle(el);
            return [s.backgroundColor, s.color, s.borderRadius, s.textTransform, s.fontSize].join(" ");
        })"""
    )
    assert len(styles) >= 2
    assert len(set(styles)) == 1, styles
    shot("small-11-case-actions")


def test_a_read_only_case_page_says_back_to_the_list_not_close(page, live_server, office, shot):
    marek = User.objects.create_user("marek", "marek@firma.test", PASSWORD)
    managers, _ = Group.objects.get_or_create(name="Managers")  # a transactional test flushed the seeded roles
    managers.permissions.add(Permission.objects.get(codename="view_case"))
    marek.groups.add(managers)  # no staff tick needed
    active = Case.objects.filter(status=Case.Status.ACTIVE).order_by("pk").first()
    log_in(page, live_server, f"/admin/cases/case/{active.pk}/change/", username="marek")
    page.wait_for_load_state()
    link = page.locator(".submit-row a.closelink")
    expect(link).to_have_text("Wróć do listy")
    assert page.locator(".submit-row", has_text="Zamknij").count() == 0
    shot("small-12-read-only-case")
