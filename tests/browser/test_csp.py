"""Every page runs under the Content-Security-Policy without a single violation in Chromium: the
login, the admin (index, lists, change forms, the stage editor with its live preview), the case
lists, a case page, the sync panel and the reports. Violations are caught both as console errors
and as `securitypolicyviolation` events."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Case, ReminderStage
from ops.tests.test_healthz import finished_run
from tests.browser_support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, collecting CSP violations and other console errors as it goes."""
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type in {"error", "warning"} else None)
    page.add_init_script(COLLECT_VIOLATIONS)

    def violations() -> list[str]:
        events = page.evaluate("window.__csp || []")
        return events + [text for text in console if "Content Security Policy" in text or "Refused to" in text]

    page.violations = violations
    return page


def test_every_page_passes_the_content_security_policy(watched, live_server, office, shot):
    page = watched
    response = page.goto(f"{live_server.url}/admin/login/")
    header = response.headers["content-security-policy"]
    assert "script-src 'self'" in header
    assert "unsafe-inline" not in header.split("script-src")[1].split(";")[0]
    log_in(page, live_server, "/admin/")
    expect(page.locator("#content")).to_be_visible()
    closed = office["closed"]
    stage = ReminderStage.objects.get(offset_days=7)
    run = finished_run(hours_ago=2)
    paths = [
        "/admin/",
        "/admin/cases/case/",
        f"/admin/cases/case/{closed.pk}/change/",
        "/admin/notifications/notification/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/security/loginfailure/",
        reverse("cases:active"),
        reverse("cases:active") + "?client=Nowak&days_min=abc",
        reverse("cases:closed"),
        reverse("cases:detail", args=[closed.pk]),
        reverse("cases:detail", args=[Case.objects.filter(status=Case.Status.ACTIVE).first().pk]),
        reverse("syncstatus:panel"),
        reverse("syncstatus:run", args=[run.pk]),
        reverse("syncstatus:reports"),
    ]
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.violations() == [], path
    # The stage editor's live preview is script: it must run under the policy.
    page.goto(f"{live_server.url}/admin/cases/reminderstage/{stage.pk}/change/")
    page.fill("#id_subject_pl", "Zaległość: {{ invoice_number }}")
    expect(page.locator("#preview_subject")).to_contain_text("Zaległość: FV/")
    page.fill("#id_body_html_pl", '<p style="color:#264b73">Dla: {{ client_name }}</p>')
    expect(page.frame_locator("#preview_html").locator("body")).to_contain_text("Dla:")
    shot("csp-stage-editor-preview")
    assert page.violations() == []


def test_an_injected_inline_script_is_blocked(watched, live_server, office):
    """The policy is real: an inline script added to a page does not run and is reported."""
    page = watched
    log_in(page, live_server, "/cases/active/")
    page.wait_for_load_state()
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.__ran = true";
        document.body.appendChild(s); }"""
    )
    assert page.evaluate("window.__ran === true") is False
    assert any("script-src" in v for v in page.violations())


def test_no_inline_script_remains_in_the_templates():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if "emails" not in path.parts
        and any("<script" in line and "src=" not in line for line in path.read_text().splitlines())
    ]
    assert offenders == []
