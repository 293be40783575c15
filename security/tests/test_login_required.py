"""Every URL the project serves is login-only, except an explicit allow-list.

Walks the whole URL resolver (admin included), builds a concrete path for each pattern with
plausible parameter values, and requests it anonymously with GET and POST: the answer must be
a redirect to the login page, or 403/404/405; never a page with content.
"""

from __future__ import annotations

import re
from re import _parser as sre_parse  # the standard library's regex parser, to build a matching path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")

# Served without a login on purpose.
ALLOWED = {
    "admin:login": "the login page itself",
    "ops:healthz": "uptime checks (reveals no data; see panel/health.py)",
    "set_language": "i18n language switch (a redirect with a cookie; no data)",
    "ops:favicon": "the site icon browsers fetch on every page, the login page included (a static file)",
}

# Plausible values by parameter name; anything else gets a value matching its regex.
SAMPLES = {"pk": "1", "object_id": "1", "content_type_id": "1", "app_label": "cases", "model_name": "case"}


def _sample(parsed) -> str:
    out = []
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("x" if chr(arg) != "x" else "y")
        elif name == "ANY":
            out.append("x")
        elif name == "IN":
            out.append(_sample_in(arg))
        elif name in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}:
            low, _high, item = arg
            out.append(_sample(item) * max(low, 1))
        elif name == "SUBPATTERN":
            _group, _add, _del, item = arg
            out.append(_sample(item))
        elif name == "BRANCH":
            out.append(_sample(arg[1][0]))
        elif name in {"AT", "ASSERT", "ASSERT_NOT"}:
            continue
        else:  # pragma: no cover - a construct Django's patterns do not use
            raise ValueError(f"cannot sample {name}")
    return "".join(out)


def _sample_in(items) -> str:
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return "1" if arg[0] <= ord("1") <= arg[1] else chr(arg[0])
        if name == "CATEGORY":
            return "1" if "DIGIT" in str(arg) and "NOT" not in str(arg) else "a"
    return "x"


def _piece(pattern) -> str:
    regex = pattern.regex.pattern

    # Named groups get a plausible value for their name (first alternative for the admin's app_label).
    def named(match: re.Match) -> str:
        return re.escape(SAMPLES[match.group(1)]) if match.group(1) in SAMPLES else match.group(0)

    regex = re.sub(r"\(\?P<(\w+)>(?:[^()\\]|\\.)*\)", named, regex)
    return _sample(sre_parse.parse(regex))


def walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        path = prefix + _piece(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, path, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else f"<unnamed {entry.lookup_str}>"
            yield name, "/" + path


ALL = sorted(set(walk(get_resolver())))


def test_the_walk_finds_the_whole_project():
    names = {name for name, _path in ALL}
    for expected in ["admin:index", "admin:cases_case_changelist", "cases:active", "syncstatus:panel", "ops:healthz"]:
        assert expected in names
    assert len(ALL) > 100


@pytest.mark.parametrize(("name", "path"), [item for item in ALL if item[0] not in ALLOWED], ids=lambda v: v)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_page_needs_a_login(client, name, path, method):
    response = getattr(client, method)(path)
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        target = response.url.split("?")[0]
        assert target == LOGIN, f"{method.upper()} {path} ({name}) redirects to {response.url}, not the login"
    else:
        assert status in (403, 404, 405), f"{method.upper()} {path} ({name}) answered {status} without a login"


def test_the_allow_list_is_exactly_what_is_served_without_login(client):
    assert {name for name, _path in ALL} >= set(ALLOWED)
    assert client.get(LOGIN).status_code == 200
    assert client.get(reverse("ops:healthz")).status_code in (200, 503)
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
