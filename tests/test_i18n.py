"""The English locale: a complete catalogue, and pages that follow the visitor's language.

Polish is the source language (LANGUAGE_CODE "pl"); English comes from locale/en/LC_MESSAGES/django.po.
After adding or changing a translatable string, run
`manage.py makemessages -l en --no-location --ignore=.venv --ignore=infakt_simulator --ignore=bench
--ignore=test-artifacts`, translate the new entries, then `manage.py compilemessages --ignore=.venv`.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def parse_po(path: Path) -> list[Entry]:
    """A minimal .po reader: enough for entries, plurals, flags and continued strings; obsolete ones dropped."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        if entry is not None and (entry.msgid or entry.msgstr):
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and target is not None:
                finish()
                entry, target = None, None
            if line.startswith("#,"):
                entry = entry or Entry(line=number)
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert target is not None, f"{path}:{number}: stray string"
            keyword, rest = "", line
        text = ast.literal_eval(rest)
        if keyword == "msgid":
            if entry is not None and target is not None:
                finish()
                entry = None
            entry = entry or Entry(line=number)
            entry.msgid, target = text, ("msgid", None)
        elif keyword == "msgid_plural":
            entry.msgid_plural, target = text, ("msgid_plural", None)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            entry.msgstr[index], target = text, ("msgstr", index)
        elif keyword == "":
            kind, index = target
            if kind == "msgid":
                entry.msgid += text
            elif kind == "msgid_plural":
                entry.msgid_plural += text
            else:
                entry.msgstr[index] += text
        elif keyword == "msgctxt":
            raise AssertionError(f"{path}:{number}: msgctxt is not handled by this reader")
    finish()
    return [e for e in entries if e.msgid]  # the header has an empty msgid


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    entries = parse_po(PO_PATH)
    assert len(entries) > 100, "the English catalogue looks truncated"
    return entries


@pytest.fixture(autouse=True)
def _default_language_after_test():
    # LocaleMiddleware activates the request's language in this thread and leaves it on.
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- The catalogue ---------------------------------------------------------------------------------------------


def test_every_entry_is_translated_and_none_is_fuzzy(po_entries):
    untranslated = [e.msgid for e in po_entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in po_entries if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in {PO_PATH.name}: {untranslated}"
    assert not fuzzy, f"fuzzy in {PO_PATH.name}: {fuzzy}"


def test_plural_entries_have_both_english_forms(po_entries):
    plurals = [e for e in po_entries if e.msgid_plural is not None]
    assert all(sorted(e.msgstr) == [0, 1] for e in plurals), [e.msgid for e in plurals]
    assert not [e.msgid for e in po_entries if e.msgid_plural is None and list(e.msgstr) != [0]]


def test_translations_keep_every_placeholder(po_entries):
    broken = [
        (e.msgid, text)
        for e in po_entries
        for index, text in e.msgstr.items()
        if sorted(PLACEHOLDER.findall(text))
        != sorted(PLACEHOLDER.findall(e.msgid if index == 0 else (e.msgid_plural or e.msgid)))
    ]
    assert not broken


def test_the_compiled_catalogue_matches_the_po_file(po_entries):
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        e.msgid
        for e in po_entries
        if (
            compiled.ngettext(e.msgid, e.msgid_plural, 1) != e.msgstr[0]
            if e.msgid_plural is not None
            else compiled.gettext(e.msgid) != e.msgstr[0]
        )
    ]
    assert not stale, "django.mo is stale: run `manage.py compilemessages --ignore=.venv`"


@pytest.mark.parametrize(
    ("label", "polish", "english"),
    [
        ("cases", "Windykacja", "Dunning"),
        ("notifications", "Przypomnienia", "Reminders"),
        ("syncstatus", "Synchronizacja", "Sync"),
        ("infakt", "InFakt", "InFakt"),
    ],
)
def test_app_names_are_polish_with_an_english_translation(label, polish, english):
    config = apps.get_app_config(label)
    with translation.override("pl"):
        assert str(config.verbose_name) == polish
    with translation.override("en"):
        assert str(config.verbose_name) == english


# --- Pages in either language ----------------------------------------------------------------------------------

PAGES = [
    pytest.param(
        "/cases/active/",
        ["<h1>Sprawy aktywne</h1>", "Zamknięte sprawy", "Wyloguj"],
        ["<h1>Active cases</h1>", "Closed cases", "Log out"],
        id="cases",
    ),
    pytest.param(
        "/sync/",
        ["<h1>Synchronizacja z InFakt</h1>", "Ostatnie synchronizacje", "Raporty"],
        ["<h1>Sync with InFakt</h1>", "Recent syncs", "Reports"],
        id="sync",
    ),
]


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "polish", "english"), PAGES)
def test_pages_are_polish_by_default(admin_client, url, polish, english):
    html = _text(admin_client.get(url))
    assert [s for s in polish if s not in html] == []
    assert [s for s in english if s in html] == []


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "polish", "english"), PAGES)
def test_pages_follow_the_language_cookie(admin_client, url, polish, english):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _text(admin_client.get(url))
    assert [s for s in english if s not in html] == []
    assert [s for s in polish if s in html] == []


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "polish", "english"), PAGES)
def test_pages_follow_the_browsers_accept_language(admin_client, url, polish, english):
    html = _text(admin_client.get(url, headers={"accept-language": "en-GB,en;q=0.9"}))
    assert [s for s in english if s not in html] == []
    assert [s for s in polish if s in html] == []


@pytest.mark.django_db
def test_the_language_switch_sets_english_for_the_next_pages(admin_client):
    response = admin_client.post("/i18n/setlang/", {"language": "en", "next": "/cases/active/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "<h1>Active cases</h1>" in _text(admin_client.get("/cases/active/"))
