"""The case lists' table body, written in Python (`FastBodyTable.body_html`), is the stock django-tables2
template's body cell for cell: every column kind (links, money, dates, choices, claims, marks), odd and
even rows, both lists, both languages."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from django.template.loader import get_template
from django.utils import translation

from cases.models import Case, Invoice
from common.calendar import business_today

from .conftest import make_case, make_client


def tbody(html: str) -> str:
    """The case table's body (the page's sum row is a table of its own, before it)."""
    body = re.search(r'<table class="it-table">.*?<tbody[^>]*>(.*?)</tbody>', html, re.S).group(1)
    return re.sub(r">\s+<", "><", body).strip()


def stock_body(table, request) -> str:
    """The same table rendered by django-tables2's own template (every cell through the template engine)."""
    table._counter = itertools.count()
    return tbody(get_template("django_tables2/table.html").render({"table": table, "request": request}))


@pytest.fixture
def varied_cases(stages, kowalski, nowak):
    today = business_today()
    make_case(client=kowalski, days_past_due=3, last_stage_offset=-1)
    make_case(client=nowak, days_past_due=40, currency="EUR", gross=99999, left_to_pay=1234)
    make_case(client=kowalski, days_past_due=-1, paused_until=today + timedelta(days=5))
    handed = make_case(client=kowalski, days_past_due=35, last_stage_offset=30)
    Case.objects.filter(pk=handed.pk).update(handover=Case.Handover.TO_HAND_OVER)
    advance = make_case(client=make_client("Zaliczka <b>S.A.</b> & syn", nip="1234563218"), days_past_due=8)
    Invoice.objects.filter(pk=advance.invoice_id).update(kind=Invoice.Kind.ADVANCE)
    make_case(client=kowalski, days_past_due=20, status=Case.Status.CLOSED)
    make_case(client=nowak, days_past_due=50, status=Case.Status.CLOSED, currency="EUR")


@pytest.mark.parametrize("path", ["/cases/active/", "/cases/closed/"])
@pytest.mark.parametrize("language", ["pl", "en"])
def test_the_body_written_in_python_is_the_stock_templates_body(staff_client, varied_cases, path, language):
    response = staff_client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    table = response.context["table"]
    with translation.override(language):
        expected = stock_body(table, response.wsgi_request)
    shown = tbody(response.content.decode())
    assert shown == expected
    rows = shown.count("<tr ")
    assert rows == (5 if path.endswith("active/") else 2)
    assert shown.startswith('<tr class="even">')
    assert 'class="odd"' in shown


def test_what_the_clerk_reads_in_the_cells(staff_client, varied_cases):
    body = tbody(staff_client.get("/cases/active/").content.decode())
    assert "zaliczkowa" in body  # the kind's label, not "advance"
    assert "Zaliczka &lt;b&gt;S.A.&lt;/b&gt; &amp; syn" in body  # a client's name is escaped
    assert "12,34 EUR" in body
    assert "do przekazania" in body  # the handover mark
    assert "wstrzymana do" in body
    closed = tbody(staff_client.get("/cases/closed/").content.decode())
    assert "opłacona" in closed


def test_an_empty_list_says_so(staff_client, stages):
    response = staff_client.get("/cases/active/")
    assert "Brak spraw spełniających kryteria." in tbody(response.content.decode())


def test_the_labels_follow_the_language_of_each_request(staff_client, varied_cases):
    """The label lookup is cached per language: the English list after the Polish one says "advance"."""
    staff_client.get("/cases/active/")
    english = tbody(staff_client.get("/cases/active/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    polish = tbody(staff_client.get("/cases/active/", HTTP_ACCEPT_LANGUAGE="pl").content.decode())
    assert "zaliczkowa" in polish
    assert "zaliczkowa" not in english
    assert "advance" in english
