"""The stage editor's live preview is for staff only, and every render of an admin-edited stage
template (preview, test send, the reminders themselves) is bounded in time and size."""

from __future__ import annotations

import itertools
import threading
from types import SimpleNamespace

import pytest
from django.template import TemplateSyntaxError
from django.urls import reverse

from cases.tests.conftest import ensure_stages, make_case, make_client, make_user
from notifications import render_limits
from notifications.emails import render_reminder
from notifications.render_limits import RenderLimitExceeded, render_limited

pytestmark = pytest.mark.django_db

PREVIEW = reverse("admin:cases_reminderstage_preview")
# Six nested loops over ten characters: a million passes, which Django renders in seconds.
NESTED = "{% for a in 'xxxxxxxxxx' %}" * 6 + "{{ invoice_number }}" + "{% endfor %}" * 6
TOO_MANY_PASSES = "zbyt wiele przebiegów pętli"


def preview_data(**texts) -> dict:
    return {
        "name": "Wezwanie",
        "offset_days": "14",
        "subject_pl": "Faktura {{ invoice_number }}",
        "body_text_pl": "Dzień dobry, {{ client_name }}.",
        "body_html_pl": "",
        "preview_language": "pl",
        **texts,
    }


@pytest.fixture
def frozen_render_clock(monkeypatch):
    """The render budget's clock stands still: a render is stopped by its pass count, never by the machine's speed."""
    monkeypatch.setattr(render_limits, "time", SimpleNamespace(monotonic=lambda: 0.0))


@pytest.fixture
def case(db):
    ensure_stages()
    return make_case(client=make_client("Beta Sp. z o.o."), number="FV/14/2026")


def test_managers_cannot_post_to_the_preview(client, case):
    client.force_login(make_user("marek.manager", group="Managers"))
    assert client.post(PREVIEW, preview_data()).status_code == 403


def test_staff_see_the_preview(client, case):
    client.force_login(make_user("anna.staff", group="Staff"))
    result = client.post(PREVIEW, preview_data()).json()
    assert result["subject"] == "Faktura FV/14/2026"


def test_a_template_of_nested_loops_is_stopped_in_the_preview_within_the_budget(client, case, frozen_render_clock):
    client.force_login(make_user("anna.staff", group="Staff"))
    result = client.post(PREVIEW, preview_data(body_text_pl=NESTED)).json()
    # With the clock standing still only the pass count can stop it: after 20,000 of a million passes.
    assert "RenderLimitExceeded" in result["error"]
    assert TOO_MANY_PASSES in result["error"]
    assert "Uprość pętle" in result["error"]


def test_nested_loops_stop_on_the_time_budget_even_with_a_high_iteration_cap(monkeypatch):
    monkeypatch.setattr(render_limits, "MAX_ITERATIONS", 10**9)
    monkeypatch.setattr(render_limits, "MAX_OUTPUT_CHARS", 10**12)
    # A clock that moves a tenth of a second at each reading: the budget runs out after about ten passes.
    clock = itertools.count(0, 0.1)
    monkeypatch.setattr(render_limits, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    with pytest.raises(RenderLimitExceeded, match="dłużej niż"):
        render_limited(NESTED, {"invoice_number": "FV/1"}, autoescape=False)


def test_the_limit_holds_outside_the_main_thread_as_in_a_worker():
    """django-q2 workers and threaded web servers render off the main thread, where SIGALRM cannot reach."""
    outcome = {}

    def render():
        try:
            render_limited(NESTED, {"invoice_number": "FV/1"}, autoescape=False)
        except RenderLimitExceeded as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=render)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert isinstance(outcome["error"], TemplateSyntaxError)


@pytest.mark.parametrize(
    "source",
    [
        "{{ invoice_number|ljust:'999999999' }}",
        "{{ invoice_number|center:'100000' }}",
        "{{ invoice_number|stringformat:'999999999s' }}",
        "{{ 1.5|floatformat:'999999' }}",
        "{% lorem 99999999 w %}",
        "x" * (render_limits.MAX_SOURCE_CHARS + 1),
        "{% for a in '" + "x" * 3000 + "' %}" + "y" * 100 + "{% endfor %}",  # 300,000 characters of output
    ],
)
def test_templates_that_make_huge_text_are_refused(source):
    with pytest.raises(RenderLimitExceeded):
        render_limited(source, {"invoice_number": "FV/1"}, autoescape=False)


def test_an_ordinary_template_renders_as_before():
    source = (
        "{% load humanize %}{% for s in stages %}{{ forloop.counter }}. {{ s|ljust:'12' }}|{% endfor %}"
        "{{ amount|floatformat:2 }} {{ name|upper }} {% if missing %}x{% else %}—{% endif %} {{ html }}"
    )
    context = {"stages": ["-1", "+7"], "amount": 12.5, "name": "beta", "html": "<b>"}
    assert (
        render_limited(source, context, autoescape=True) == "1. -1          |2. +7          |12,50 BETA — &lt;b&gt;"
    )  # Polish decimal comma


def test_the_reminder_itself_is_rendered_within_the_limits(case):
    stage = case.next_stage
    stage.body_text_pl = NESTED
    with pytest.raises(RenderLimitExceeded):
        render_reminder(case=case, stage=stage, day=case.invoice.due_date)


def test_the_preview_bounds_the_render_itself_whatever_the_sending_code_does(
    client, case, monkeypatch, frozen_render_clock
):
    """The preview checks the posted texts with render_limited before rendering the reminder, so it
    stays bounded even if the e-mail code renders some other way."""
    from django.template import Context, Template

    from notifications import emails

    monkeypatch.setattr(
        emails, "render_string", lambda source, context, *, autoescape: Template(source).render(Context(context))
    )
    client.force_login(make_user("anna.staff", group="Staff"))
    result = client.post(PREVIEW, preview_data(body_text_pl=NESTED)).json()
    assert "RenderLimitExceeded" in result["error"]
    assert TOO_MANY_PASSES in result["error"]
