"""Every response carries the Content-Security-Policy (the browser suite, tests/browser/test_csp.py,
shows the pages pass it in Chromium)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.tests.conftest import ensure_stages, make_user

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict([*part.strip().split(" ", 1), ""][:2] for part in header.split(";"))


@pytest.mark.parametrize("path", ["/admin/login/", "/healthz", "/cases/active/", "/static/notifications/x.js"])
def test_anonymous_responses_carry_the_policy(client, path):
    policy = directives(client.get(path))
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


def test_logged_in_pages_carry_the_policy(client):
    ensure_stages()
    client.force_login(make_user("anna.staff", group="Staff"))
    for url in [reverse("admin:index"), reverse("cases:active"), reverse("syncstatus:panel")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "unsafe" not in directives(response)["script-src"], url
