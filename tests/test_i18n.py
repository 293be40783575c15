"""The English locale: a complete catalogue, and pages that follow the visitor's language.

Polish is the source language (LANGUAGE_CODE "pl"); English comes from locale/en/LC_MESSAGES/django.po.
After adding or changing a translatable string, run
`manage.py makemessages -l en --no-location --ignore=.venv --ignore=infakt_simulator --ignore=bench
--ignore=test-artifacts`, translate the new entries, then `manage.py compilemessages --ignore=.venv`.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

from notifications.tests.conftest import reminder_settings  # noqa: F401 (fixture)
from syncstatus.tests.conftest import api, sim, world  # noqa: F401 (fixtures)

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
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
        if keyword == "msgctxt":
            if entry is not None and target is not None:
                finish()
                entry = None
            entry = entry or Entry(line=number)
            entry.msgctxt, target = text, ("msgctxt", None)
        elif keyword == "msgid":
            if entry is not None and target is not None and target[0] != "msgctxt":
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
            elif kind == "msgctxt":
                entry.msgctxt += text
            elif kind == "msgid_plural":
                entry.msgid_plural += text
            else:
                entry.msgstr[index] += text
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
    stale = [e.msgid for e in po_entries if _compiled_first_form(compiled, e) != e.msgstr[0]]
    assert not stale, "django.mo is stale: run `manage.py compilemessages --ignore=.venv`"


def _compiled_first_form(compiled: gettext.GNUTranslations, e: Entry) -> str:
    if e.msgctxt is not None:
        return compiled.pgettext(e.msgctxt, e.msgid)
    if e.msgid_plural is not None:
        return compiled.ngettext(e.msgid, e.msgid_plural, 1)
    return compiled.gettext(e.msgid)


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


# --- Every string translated: templates, code and verbose names --------------------------------------------------

PL_PO_PATH = Path(settings.BASE_DIR) / "locale" / "pl" / "LC_MESSAGES" / "django.po"
# The project's own apps (every installed app whose code lives in this repository), read from the settings so
# that a new app's strings and models are checked without anyone adding it here.
PROJECT_APPS = tuple(
    config.label
    for config in apps.get_app_configs()
    if Path(config.path).resolve().is_relative_to(Path(settings.BASE_DIR).resolve())
    and ".venv" not in Path(config.path).parts
)
SOURCE_DIRS = (
    *sorted({Path(config.path).name for config in apps.get_app_configs() if config.label in PROJECT_APPS}),
    "common",
    "templates",
)


def _key(e: Entry) -> tuple[str | None, str]:
    return (e.msgctxt, e.msgid)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> list[Entry]:
    """The strings `makemessages` finds in the project's code and templates (run on a copy, into a temp dir)."""
    import shutil

    from django.core.management import call_command
    from django.test import override_settings

    root = tmp_path_factory.mktemp("messages")
    for name in SOURCE_DIRS:
        shutil.copytree(
            Path(settings.BASE_DIR) / name, root / name, ignore=shutil.ignore_patterns("tests", "__pycache__")
        )
    (root / "locale").mkdir()
    cwd = Path.cwd()
    try:
        os.chdir(root)
        with override_settings(LOCALE_PATHS=[str(root / "locale")]):
            call_command("makemessages", locale=["en"], no_location=True, verbosity=0)
    finally:
        os.chdir(cwd)
    return parse_po(root / "locale" / "en" / "LC_MESSAGES" / "django.po")


def test_every_string_in_the_code_and_templates_is_in_the_english_catalogue(extracted, po_entries):
    known = {_key(e) for e in po_entries}
    missing = sorted(e.msgid for e in extracted if _key(e) not in known)
    assert len(extracted) > 300, "makemessages found too little: is xgettext installed?"
    assert not missing, f"not in {PO_PATH}: {missing}"


def test_every_plural_in_the_code_has_the_three_polish_forms(extracted):
    polish = {_key(e): e for e in parse_po(PL_PO_PATH)}
    plurals = [e for e in extracted if e.msgid_plural is not None]
    assert plurals, "no ngettext / blocktranslate count in the code?"
    lacking = [e.msgid for e in plurals if _key(e) not in polish or sorted(polish[_key(e)].msgstr) != [0, 1, 2]]
    assert not lacking, f"plural strings without their three Polish forms in {PL_PO_PATH}: {lacking}"


def _verbose_names():
    for config in apps.get_app_configs():
        if config.label not in PROJECT_APPS:
            continue
        for model in config.get_models():
            opts = model._meta
            yield f"{opts.label}", opts.verbose_name
            yield f"{opts.label} (plural)", opts.verbose_name_plural
            for f in opts.get_fields(include_hidden=False):
                if hasattr(f, "verbose_name") and not f.auto_created:
                    yield f"{opts.label}.{f.name}", f.verbose_name
                for value, label in getattr(f, "flatchoices", None) or []:
                    yield f"{opts.label}.{f.name}={value}", label


def test_every_verbose_name_and_choice_has_an_english_translation(po_entries):
    known = {e.msgid for e in po_entries}
    with translation.override(None):
        source = {where: str(name) for where, name in _verbose_names()}
    lacking = [f"{where}: {text!r}" for where, text in source.items() if text not in known]
    assert not lacking, f"verbose names or choices missing from {PO_PATH.name}: {lacking}"


def test_the_polish_catalogue_has_polish_plural_rules():
    header = PL_PO_PATH.read_text(encoding="utf-8")
    assert "Plural-Forms: nplurals=3;" in header
    with translation.override("pl"):
        assert [translation.ngettext("%(counter)s sprawa", "%(counter)s spraw", n) % {"counter": n} for n in
                (1, 2, 5, 12, 22, 25, 104, 111)] == ["1 sprawa", "2 sprawy", "5 spraw", "12 spraw", "22 sprawy",
                                                     "25 spraw", "104 sprawy", "111 spraw"]  # fmt: skip
        assert [translation.ngettext("%(n)s dzień", "%(n)s dni", n) % {"n": n} for n in (1, 2, 5)] == [
            "1 dzień",
            "2 dni",
            "5 dni",
        ]
    with translation.override("en"):
        assert translation.ngettext("%(counter)s sprawa", "%(counter)s spraw", 22) % {"counter": 22} == "22 cases"


@pytest.mark.parametrize("language", ["pl", "en"])
def test_every_admin_model_has_its_accusative_in_both_catalogues(language):
    from django.contrib import admin

    from invoicetracker.admin_site import ACCUSATIVE_CONTEXT

    entries = {(e.msgctxt, e.msgid) for e in parse_po(PL_PO_PATH if language == "pl" else PO_PATH)}
    lacking = [
        model._meta.label
        for model in admin.site._registry
        if (ACCUSATIVE_CONTEXT, str(model._meta.verbose_name_raw)) not in entries
    ]
    assert not lacking


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "titles"),
    [
        ("pl", ["Wybierz sprawę do zmiany", "Zmień sprawę", "Wybierz fakturę do obejrzenia", "Dodaj grupę"]),
        ("en", ["Select case to change", "Change case", "Select invoice to view", "Add group"]),
    ],
)
def test_admin_titles_take_the_accusative(admin_client, language, titles):
    from cases.tests.conftest import make_case

    case = make_case()
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages = "".join(
        _text(admin_client.get(url))
        for url in ("/admin/cases/case/", f"/admin/cases/case/{case.pk}/change/", "/admin/cases/invoice/",
                    "/admin/auth/group/")
    )  # fmt: skip
    tight = re.sub(r"\s*<", "<", re.sub(r">\s*", ">", pages))
    assert [t for t in titles if f">{t}<" not in tight] == []


def test_month_names_in_day_and_month_take_the_genitive():
    from datetime import date

    from django.utils.formats import date_format

    with translation.override("pl"):
        assert date_format(date(2026, 11, 30), "MONTH_DAY_FORMAT") == "30 listopada"
        assert date_format(date(2026, 11, 30), "YEAR_MONTH_FORMAT").lower() == "listopad 2026"
    with translation.override("en"):
        assert date_format(date(2026, 11, 30), "MONTH_DAY_FORMAT") == "November 30"


# --- Every page in both languages ---------------------------------------------------------------------------------

# Words of the other language that must not appear in a page's visible text. Data stays as it is (client names,
# stage names and wording, e-mail bodies, timeline and error texts stored in Polish): the markers avoid it.
ENGLISH_IN_POLISH = re.compile(
    r"\b(Failed tasks?|Queued tasks?|Scheduled tasks?|Successful tasks?|Select|Change|View|Add|Delete|Save|Search"
    r"|Can (add|change|delete|view)|Progress|None|True|False|invoice_list|client_list|invoice_detail|client_detail"
    r"|Log out|Home|Filter|History|Reminders|Cases|Sync|day|days)\b"
)
POLISH_IN_ENGLISH = re.compile(
    r"\b(Wybierz|Zmień|Zobacz|Dodaj|Usuń|Zapisz|Szukaj|Wyloguj|Bezpieczeństwo|Nieudane logowania|Zadania w tle"
    r"|Sprawy|Faktury|Kontrahenci|Synchronizacje|Synchronizacja|Windykacja|Przypomnienia|Powiadomienia|Raporty"
    r"|Może|odbiorcy|wysłane|błędy|wstrzymane|pominięte|dni po terminie|dzień|Etap|Koniec|tak|brak)\b"
)
ISO_DATE = re.compile(r"\b20\d\d-[01]\d-[0-3]\d\b")
JSON_LIST = re.compile(r"\[\s*\"")
NOT_PAGES = ("/i18n/", "/healthz", "/cron/", "/admin/logout/", "/admin/jsi18n/", "/admin/r/", "/admin/autocomplete/")


def _visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style|textarea|iframe|pre)\b.*?</\1>", " ", html)  # code, templates, message bodies
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    text = re.sub(r"<[^>]+>", " ", html)
    import html as html_lib

    return re.sub(r"\s+", " ", html_lib.unescape(text))


def _page_urls() -> list[str]:
    """Every page without parameters from the URL patterns, one of each page with an id, and the admin's pages."""
    from django.contrib import admin
    from django.urls import URLPattern, URLResolver, get_resolver, reverse

    from cases.models import Case
    from notifications.models import Notification
    from syncstatus.models import SyncRun

    urls: set[str] = set()

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and not p.pattern.regex.groups:
                try:
                    urls.add(reverse(f"{namespace}:{p.name}" if namespace else p.name))
                except Exception:  # noqa: S112 - patterns with arguments
                    continue

    walk(get_resolver().url_patterns)
    case = Case.objects.filter(events__isnull=False, invoice__client__emails__len__gt=0).first() or Case.objects.first()
    urls |= {f"/cases/{case.pk}/", reverse("syncstatus:run", args=[SyncRun.objects.first().pk])}
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.add(reverse(f"{prefix}_changelist"))
        urls.add(reverse("admin:app_list", args=[model._meta.app_label]))
        obj = model._default_manager.order_by("pk").first()
        if model is Notification:
            obj = Notification.objects.filter(status=Notification.Status.SENT).first()
        if obj is not None:
            urls.add(reverse(f"{prefix}_change", args=[obj.pk]))
            urls.add(reverse(f"{prefix}_history", args=[obj.pk]))
        urls.add(reverse(f"{prefix}_add"))
    return sorted(u for u in urls if not u.startswith(NOT_PAGES))


@pytest.fixture
def dunning_day(db, api, world, reminder_settings):  # noqa: F811
    """One morning with the real sync (simulator over HTTP) and the reminders: runs, cases, e-mails, a timeline."""
    import time_machine

    from notifications.services import reminders_send_due
    from syncstatus.services import sync_run
    from syncstatus.tests.conftest import morning

    with time_machine.travel(morning(world.today), tick=True):
        sync_run(target_date=world.today, api=api)
        reminders_send_due(day=world.today)


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["pl", "en"])
def test_every_page_speaks_one_language(admin_client, dunning_day, language):
    from notifications.models import Notification

    assert Notification.objects.filter(status=Notification.Status.SENT).exists()
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    other = ENGLISH_IN_POLISH if language == "pl" else POLISH_IN_ENGLISH
    found: dict[str, list[str]] = {}
    pages = 0
    for url in _page_urls():
        response = admin_client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("content-type", ""):
            continue
        pages += 1
        text = _visible_text(response.content.decode())
        words = sorted({m.group(0) for m in other.finditer(text)})
        words += [f"ISO date {m.group(0)}" for m in ISO_DATE.finditer(text)]
        words += ["JSON list"] if JSON_LIST.search(text) else []
        if words:
            found[url] = words
    assert pages > 35
    assert not found, "\n".join(f"{url}: {words}" for url, words in found.items())
