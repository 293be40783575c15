"""The reminder's wording: variables, plurals, money, escaping, languages, the stage schedule."""

from __future__ import annotations

from datetime import date

import pytest

from cases.models import ReminderStage
from notifications.emails import (
    STAGE_VARIABLES,
    StageTexts,
    days_text,
    reminder_context,
    render_reminder,
)

MON_16 = date(2026, 11, 16)


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 dni"), (1, "1 dzień"), (2, "2 dni"), (5, "5 dni"), (12, "12 dni"), (21, "21 dni"), (22, "22 dni")],
)
def test_days_take_the_right_polish_plural(n, expected):
    assert days_text(n) == expected


@pytest.mark.parametrize(
    ("n", "expected"), [(1, "rok"), (2, "lata"), (5, "lat"), (12, "lat"), (22, "lata"), (25, "lat")]
)
def test_the_polish_plural_follows_the_few_and_many_rules(n, expected):
    """The Polish catalogue's plural rule (three forms), which the letters' counts go through."""
    from django.utils import translation

    with translation.override("pl"):
        assert translation.ngettext("%(n)s rok", "%(n)s lat", n) % {"n": n} == f"{n} {expected}"


def test_english_days_have_english_plurals():
    assert (days_text(1, "en"), days_text(5, "en")) == ("1 day", "5 days")


@pytest.mark.parametrize(
    ("gross", "currency", "expected"),
    [(123456, "PLN", "1 234,56 zł"), (5, "PLN", "0,05 zł"), (123456789, "EUR", "1 234 567,89 EUR")],
)
def test_money_is_formatted_at_the_edge(world, stages, gross, currency, expected):
    case = world.case(due=date(2026, 11, 9), gross=gross, currency=currency)

    context = reminder_context(case=case, stage=stages[7], day=MON_16)

    assert context["invoice_gross"] == expected
    assert context["invoice_left_to_pay"] == expected


def test_paid_and_left_to_pay_follow_a_partial_payment(world, stages):
    case = world.case(due=date(2026, 11, 9), gross=100000, paid=25050)

    context = reminder_context(case=case, stage=stages[7], day=MON_16)

    assert (context["invoice_paid"], context["invoice_left_to_pay"]) == ("250,50 zł", "749,50 zł")


def test_the_following_stage_dates_come_from_the_real_schedule(world, stages):
    # +14 goes 17.12; +21 = max(24.12, 17.12 + 7) = 24.12 (holiday) -> Mon 28.12;
    # +30 = max(2.01.2027, 28.12 + 9 = 6.01, Epiphany) -> Thu 7.01: the ladder keeps its spacing.
    case = world.case(due=date(2026, 12, 3))

    context = reminder_context(case=case, stage=stages[14], day=date(2026, 12, 17))

    assert [(s["offset"], s["date"]) for s in context["next_stages"]] == [(21, "28.12.2026"), (30, "07.01.2027")]
    assert context["next_stage_date"] == "28.12.2026"
    assert context["final_stage_date"] == "07.01.2027"


def test_the_invoice_bank_account_wins_over_the_settings(world, stages):
    own = world.case(due=date(2026, 11, 9), bank_account="PL27 1140 2004 0000 3002 0135 5387")
    default = world.case(due=date(2026, 11, 9))

    assert reminder_context(case=own, stage=stages[7], day=MON_16)["seller_bank_account"].startswith("PL27")
    assert reminder_context(case=default, stage=stages[7], day=MON_16)["seller_bank_account"].startswith("PL61")


def test_text_from_infakt_is_escaped_in_html_but_not_in_plain_text(world, stages):
    client = world.client(company_name='<script>alert("x")</script> & Syn', street="Pańska <b>7</b>")
    case = world.case(due=date(2026, 11, 9), client=client, number="FV <1>/2026")

    rendered = render_reminder(case=case, stage=stages[14], day=MON_16)

    assert "<script>" not in rendered.body_html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Syn" in rendered.body_html
    assert "Pańska &lt;b&gt;7&lt;/b&gt;" in rendered.body_html
    assert "FV &lt;1&gt;/2026" in rendered.body_html
    assert '<script>alert("x")</script> & Syn' in rendered.body_text
    assert rendered.subject == "Wezwanie do zapłaty – faktura FV <1>/2026"


def test_an_english_client_gets_the_english_wording(world, stages):
    case = world.case(due=date(2026, 11, 9), client=world.client(language="en"), currency="EUR")

    rendered = render_reminder(case=case, stage=stages[7], day=MON_16)

    assert rendered.language == "en"
    assert rendered.subject == "Payment overdue – invoice FV 2/11/2026" or rendered.subject.startswith(
        "Payment overdue"
    )
    assert "7 days ago" in rendered.body_text
    assert "1 234,56 EUR" in rendered.body_text
    assert 'lang="en"' in rendered.body_html


def test_an_empty_english_text_falls_back_to_polish(world, stages):
    ReminderStage.objects.filter(pk=stages[7].pk).update(subject_en="")
    stages[7].refresh_from_db()
    case = world.case(due=date(2026, 11, 9), client=world.client(language="en"))

    assert render_reminder(case=case, stage=stages[7], day=MON_16).subject.startswith("Minął termin")


@pytest.mark.parametrize("offset", [-1, 7, 14, 21, 30])
@pytest.mark.parametrize("language", ["pl", "en"])
def test_every_seeded_stage_renders_completely_in_both_languages(world, stages, offset, language):
    case = world.case(due=date(2026, 11, 9), client=world.client(language=language))
    day = date(2026, 11, 6) if offset < 0 else MON_16

    rendered = render_reminder(case=case, stage=stages[offset], day=day)

    for part in (rendered.subject, rendered.body_text, rendered.body_html):
        assert "{{" not in part
        assert "{%" not in part
    assert case.invoice.number in rendered.subject
    assert "Firma Testowa Sp. z o.o." in rendered.body_text
    assert "1 234,56 zł" in rendered.body_text
    assert "PL61 1090 1014 0000 0712 1981 2874" in rendered.body_text


def test_the_before_due_reminder_names_the_due_date_and_days_left(world, stages):
    case = world.case(due=date(2026, 11, 16))

    context = reminder_context(case=case, stage=stages[-1], day=date(2026, 11, 13))

    assert (context["invoice_due_date"], context["days_to_due_text"], context["days_overdue"]) == (
        "16.11.2026",
        "3 dni",
        0,
    )


def test_a_preview_renders_unsaved_texts(world, stages):
    case = world.case(due=date(2026, 11, 9))
    texts = StageTexts(
        subject="Zaległość {{ days_overdue_text }}",
        body_text="{{ client_name }}: {{ invoice_left_to_pay }}",
        body_html="<p>{{ client_name }}</p>",
    )

    rendered = render_reminder(case=case, stage=stages[7], day=date(2026, 11, 10), texts=texts)

    assert rendered.subject == "Zaległość 1 dzień"
    assert rendered.body_text.startswith(f"{case.invoice.client.name}: 1 234,56 zł")


def test_every_documented_variable_is_in_the_context(world, stages):
    case = world.case(due=date(2026, 11, 9))

    context = reminder_context(case=case, stage=stages[7], day=MON_16)

    assert set(STAGE_VARIABLES) <= set(context)
