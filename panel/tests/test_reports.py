"""Reports: every chart and the aging table agree with the database; the daily summary e-mail."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, ReminderStage
from cases.tests.conftest import make_case, make_client, make_user
from common.calendar import WARSAW, business_today
from invoicetracker.schedules import declared_schedules
from notifications.models import Notification
from panel import charts, reports
from panel.tasks import daily_summary
from syncstatus.models import SyncRun

from .test_panel import make_reminder_run, make_run

pytestmark = pytest.mark.django_db

REPORTS = reverse("syncstatus:reports")
BAR = re.compile(r'<rect class="bar"[^>]*data-series="([^"]+)" data-category="([^"]+)" data-value="([^"]+)"')


def bars(html: str, chart: str) -> dict[tuple[str, str], float]:
    """{(series, category): value} of the bars drawn in the chart section `chart`."""
    section = re.search(rf'<section class="it-chart" id="chart-{chart}">(.*?)</section>', html, re.S).group(1)
    return {(series, category): float(value) for series, category, value in BAR.findall(section)}


def local_day(moment):
    return moment.astimezone(WARSAW).date()


@pytest.fixture
def book(stages):
    """Active cases in every bucket in PLN and EUR, closed cases over 90 days, e-mails at several stages."""
    now = timezone.now()
    kowalski, nowak = make_client(), make_client("Nowak Handel", nip="7740001454", emails=())
    for i, days in enumerate([-5, 0, 1, 7, 8, 14, 15, 30, 31, 60, 61, 90, 91, 200, 3, 3, 45]):
        make_case(
            client=kowalski if i % 3 else nowak,
            days_past_due=days,
            gross=100_00 + i * 1_111,
            left_to_pay=50_00 + i * 999,
            now=now - timedelta(days=i * 4),
        )
    for days in [-1, 10, 100]:
        make_case(client=kowalski, days_past_due=days, gross=250_00, currency="EUR", now=now - timedelta(days=days))
    paid = [
        make_case(client=kowalski, days_past_due=d, status=Case.Status.CLOSED, now=now - timedelta(days=d // 3))
        for d in (5, 12, 20, 40, 75)
    ]
    # Closed long ago: outside the 30-day window, inside the 90-day one.
    Case.objects.filter(pk=paid[4].pk).update(closed_at=now - timedelta(days=50))
    # E-mails: sent at several stages over the last weeks, plus ones that did not go out.
    for offset_index, case in zip([0, 1, 1, 2], paid[:4], strict=True):
        for stage in stages[: offset_index + 1]:
            Notification.objects.create(
                case=case,
                stage=stage,
                status=Notification.Status.SENT,
                send_date=business_today(),
                sent_at=now - timedelta(days=stage.offset_days % 9 + 1),
            )
    active = list(Case.objects.filter(status=Case.Status.ACTIVE)[:6])
    for n, case in enumerate(active):
        Notification.objects.create(
            case=case,
            stage=stages[n % 3],
            status=Notification.Status.SENT if n % 2 else Notification.Status.FAILED,
            send_date=business_today(),
            sent_at=now - timedelta(days=n * 11) if n % 2 else None,
        )
    return {"paid": paid}


# --- Aging -------------------------------------------------------------------------------------


def expected_aging(today):
    bucket_of = [
        ("not_due", lambda d: d <= 0),
        ("1-7", lambda d: 1 <= d <= 7),
        ("8-14", lambda d: 8 <= d <= 14),
        ("15-30", lambda d: 15 <= d <= 30),
        ("31-60", lambda d: 31 <= d <= 60),
        ("61-90", lambda d: 61 <= d <= 90),
        ("90+", lambda d: d >= 91),
    ]
    counts, amounts = Counter(), Counter()
    for currency, due, left in Case.objects.filter(status=Case.Status.ACTIVE).values_list(
        "invoice__currency", "invoice__due_date", "invoice__left_to_pay"
    ):
        days = (today - due).days
        (key,) = [key for key, test in bucket_of if test(days)]
        for k in (key, "total"):
            counts[(currency, k)] += 1
            amounts[(currency, k)] += left
    return counts, amounts


def test_the_aging_table_agrees_with_the_database(manager_client, book):
    today = business_today()
    counts, amounts = expected_aging(today)
    html = manager_client.get(REPORTS).content.decode()
    table = html[html.index('id="aging-table"') : html.index("</table>", html.index('id="aging-table"'))]
    shown_counts, shown_amounts = Counter(), Counter()
    cells = r'data-currency="([A-Z]{3})" data-bucket="([^"]+)" data-count="(\d+)" data-amount="(\d+)"'
    for currency, key, count, amount in re.findall(cells, table):
        shown_counts[(currency, key)] += int(count)
        shown_amounts[(currency, key)] += int(amount)
    assert +shown_counts == counts
    assert +shown_amounts == amounts
    assert {c for c, _k in counts} == {"PLN", "EUR"}
    assert table.index('data-currency="PLN"') < table.index('data-currency="EUR"')


def test_each_aging_link_opens_the_cases_of_that_bucket(manager_client, book):
    counts, _amounts = expected_aging(business_today())
    for row in reports.aging_report():
        for cell in row.cells:
            if row.currency != "PLN" or not cell.count:
                continue
            listed = manager_client.get(cell.url).context["table"].paginator.count
            # The case list spans every currency.
            assert listed == counts[("PLN", cell.key)] + counts[("EUR", cell.key)], cell.key


def test_paid_after_stage_counts_the_last_reminder_sent_before_payment(manager_client, book, stages):
    html = manager_client.get(REPORTS + "?days=90").content.decode()
    expected = Counter()
    for case in Case.objects.filter(status=Case.Status.CLOSED, close_reason=Case.CloseReason.PAID):
        sent = [n.stage.offset_days for n in case.notifications.filter(status="sent").select_related("stage")]
        expected[str(max(sent)) if sent else "none"] += 1
    shown = {
        offset: int(count)
        for offset, count in re.findall(r'<tr data-offset="([^"]+)" data-count="(\d+)">', html)
        if int(count)
    }
    assert shown == dict(expected)
    # In 30 days the case paid 50 days ago drops out.
    rows = reports.paid_after_stage(start=business_today() - timedelta(days=29), end=business_today())
    assert sum(row.count for row in rows) == sum(expected.values()) - 1
    assert round(sum(row.share for row in rows)) == 100


# --- Charts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [30, 90])
def test_cases_opened_and_closed_per_day_agree_with_the_database(manager_client, book, days):
    today = business_today()
    start = today - timedelta(days=days - 1)
    expected = Counter()
    for opened_at, closed_at, status in Case.objects.values_list("opened_at", "closed_at", "status"):
        if start <= local_day(opened_at) <= today:
            expected[("opened", local_day(opened_at).isoformat())] += 1
        if status == Case.Status.CLOSED and start <= local_day(closed_at) <= today:
            expected[("closed", local_day(closed_at).isoformat())] += 1
    html = manager_client.get(f"{REPORTS}?days={days}").content.decode()
    assert bars(html, "cases") == {key: float(n) for key, n in expected.items()}
    assert sum(expected.values()) > 0


@pytest.mark.parametrize("days", [30, 90])
def test_emails_sent_per_stage_per_day_agree_with_the_database(manager_client, book, days):
    today = business_today()
    start = today - timedelta(days=days - 1)
    expected = Counter()
    for sent_at, offset in Notification.objects.filter(status="sent").values_list("sent_at", "stage__offset_days"):
        if start <= local_day(sent_at) <= today:
            expected[(f"stage-{offset}", local_day(sent_at).isoformat())] += 1
    html = manager_client.get(f"{REPORTS}?days={days}").content.decode()
    assert bars(html, "emails") == {key: float(n) for key, n in expected.items()}
    assert len({series for series, _day in expected}) >= 2


def test_api_requests_per_run_are_drawn_against_the_infakt_limit(manager_client, settings):
    settings.INFAKT_MAX_GET_PER_MINUTE = 240
    short = make_run(minutes_ago=60 * 24 * 3, seconds=40, api_requests=57, api_rate_limited=2)
    long = make_run(minutes_ago=60 * 24, seconds=300, api_requests=600, api_rate_limited=0)
    outside = make_run(minutes_ago=60 * 24 * 40, seconds=60, api_requests=10)
    make_run(minutes_ago=1, status=SyncRun.Status.RUNNING, api_requests=5)  # unfinished: not drawn
    html = manager_client.get(REPORTS).content.decode()
    assert bars(html, "api") == {
        ("per_minute", str(short.pk)): 57.0,  # under a minute: all its requests fall in one window
        ("per_minute", str(long.pk)): 120.0,  # 600 over 5 minutes
        ("rate_limited", str(short.pk)): 2.0,
    }
    section = re.search(r'id="chart-api">(.*?)</section>', html, re.S).group(1)
    assert 'data-line="infakt" data-value="300"' in section
    assert 'data-line="client" data-value="240"' in section
    assert str(outside.pk) not in re.findall(r'data-category="(\d+)"', section)
    ninety = manager_client.get(REPORTS + "?days=90").content.decode()
    assert ("per_minute", str(outside.pk)) in bars(ninety, "api")


def test_the_charts_page_loads_nothing_from_a_cdn(manager_client, book):
    html = manager_client.get(REPORTS).content.decode()
    assert "<svg" in html
    assert not re.search(r'(src|href)="https?://', html)


def test_an_unknown_period_falls_back_to_30_days(manager_client):
    assert manager_client.get(REPORTS + "?days=abc").context["days"] == 30
    assert manager_client.get(REPORTS + "?days=7").context["days"] == 30


def test_the_svg_escapes_labels_and_draws_nothing_for_zero():
    svg = charts.bar_chart(
        title="<b>x</b>",
        categories=[charts.Category("a", "A"), charts.Category("b", "B")],
        series=[charts.Series("s", "<i>", [0, 3])],
    )
    assert "<b>" not in svg
    assert "&lt;i&gt;" in svg
    assert BAR.findall(svg) == [("s", "b", "3")]


def test_the_axis_has_four_round_whole_number_steps():
    assert [charts.nice_step(v) for v in (0, 0.5, 1, 3, 7, 11, 78.75)] == [1, 1, 1, 5, 10, 20, 100]
    svg = charts.bar_chart(title="t", categories=[charts.Category("a", "A")], series=[charts.Series("s", "s", [2])])
    ticks = re.findall(r'text-anchor="end" font-size="11" fill="#5f6b7a">([^<]+)<', svg)
    assert ticks == ["0", "1", "2", "3", "4"]


# --- Daily summary ----------------------------------------------------------------------------------------


@pytest.fixture
def yesterday_figures(stages):
    """Yesterday: one partial sync, two cases opened, one closed, e-mails sent, failed and held."""
    yesterday = business_today() - timedelta(days=1)
    morning = timezone.now() - timedelta(days=1)
    run = make_run(
        minutes_ago=24 * 60,
        target_date=yesterday,
        status=SyncRun.Status.PARTIAL,
        cases_opened=2,
        api_requests=44,
        api_rate_limited=1,
        records_skipped=3,
    )
    make_reminder_run(
        sync_run=run, day=yesterday, sent=6, failed=1, held=2, held_reason="Synchronizacja nie była świeża."
    )
    kowalski = make_client()
    make_case(client=kowalski, days_past_due=-2, now=morning)  # opened_at = now - (days past due + 2) days
    make_case(client=kowalski, days_past_due=-2, now=morning, number="FV/2/11/2026")
    closed = make_case(client=kowalski, days_past_due=9, status=Case.Status.CLOSED)
    Case.objects.filter(pk=closed.pk).update(closed_at=morning)
    make_run(minutes_ago=60, target_date=business_today())  # today's sync: keeps the banner quiet
    return run


def test_the_daily_summary_goes_to_the_managers_with_yesterdays_figures(yesterday_figures, mailoutbox, settings):
    settings.SITE_URL = "https://it.example.com"
    settings.DAILY_SUMMARY_RECIPIENTS = []
    manager = make_user("marek.manager", group="Managers")
    manager.email = "marek@example.com"
    manager.save()
    make_user("bez.adresu", group="Managers")  # no e-mail: skipped
    staff = make_user("anna.staff", group="Staff")  # not a manager: not a recipient
    staff.email = "anna@example.com"
    staff.save()

    assert daily_summary() == 1

    (message,) = mailoutbox
    assert message.to == ["marek@example.com"]
    day = f"{business_today() - timedelta(days=1):%d.%m.%Y}"
    assert day in message.subject
    text = message.body
    assert "otwarte 2, zamknięte 1" in text
    assert "wysłane 6, błędy 1, wstrzymane 2" in text
    assert "Synchronizacja nie była świeża." in text
    assert "zapytania 44, odpowiedzi 429 1" in text
    assert "pominięte rekordy: 3" in text
    assert f"#{yesterday_figures.pk}" in text
    assert "https://it.example.com/sync/" in text
    html = message.alternatives[0][0]
    assert f"https://it.example.com/sync/runs/{yesterday_figures.pk}/" in html
    assert "Aktywne sprawy wg dni po terminie" in html


def test_the_daily_summary_names_what_needs_attention_in_the_subject(yesterday_figures, mailoutbox, settings):
    settings.DAILY_SUMMARY_RECIPIENTS = ["szef@example.com"]
    nowak = make_client("Nowak Handel", nip="7740001454", emails=())
    make_case(client=nowak, days_past_due=3)
    daily_summary()
    (message,) = mailoutbox
    assert message.to == ["szef@example.com"]
    assert "wymaga uwagi" in message.subject
    assert "bez poprawnego adresu e-mail" in message.body


def test_the_daily_summary_can_be_switched_off(yesterday_figures, mailoutbox, settings):
    settings.DAILY_SUMMARY_ENABLED = False
    settings.DAILY_SUMMARY_RECIPIENTS = ["szef@example.com"]
    assert daily_summary() == 0
    assert mailoutbox == []
    assert "daily-summary" not in [d.name for d in declared_schedules()]
    settings.DAILY_SUMMARY_ENABLED = True
    settings.DAILY_SUMMARY_TIME = "07:45"
    (declared,) = [d for d in declared_schedules() if d.name == "daily-summary"]
    assert (declared.func, declared.at) == ("panel.tasks.daily_summary", "07:45")


def test_the_daily_summary_without_recipients_sends_nothing(yesterday_figures, mailoutbox, settings):
    settings.DAILY_SUMMARY_RECIPIENTS = []
    assert daily_summary() == 0
    assert mailoutbox == []


def test_the_daily_summary_figures_agree_with_the_database(yesterday_figures):
    yesterday = business_today() - timedelta(days=1)
    summary = reports.daily_summary_for(day=yesterday)
    assert [run.pk for run in summary.runs] == [yesterday_figures.pk]
    assert (summary.cases_opened, summary.cases_closed) == (
        Case.objects.filter(opened_at__date=yesterday).count(),
        Case.objects.filter(closed_at__date=yesterday).count(),
    )
    assert summary.emails["sent"] == 6
    assert summary.api_requests == 44
    by_currency = defaultdict(int)
    for left in Case.objects.filter(status="active").values_list("invoice__left_to_pay", flat=True):
        by_currency["PLN"] += left
    assert {row.currency: row.amount for row in summary.aging} == dict(by_currency)


# --- Charts that read -------------------------------------------------------------------------------------


def _legend(svg: str) -> list[tuple[str, float, float]]:
    return [
        (key, float(x), float(y))
        for key, x, y in re.findall(r'<g class="legend" data-series="([^"]+)"><rect x="([\d.]+)" y="([\d.]+)"', svg)
    ]


def test_the_legend_lists_every_series_and_wraps_inside_the_chart():
    names = [f"Etap numer {i} o bardzo długiej nazwie, jak je nazywają użytkownicy" for i in range(6)]
    svg = charts.bar_chart(
        title="t",
        categories=[charts.Category("a", "A")],
        series=[charts.Series(f"s{i}", name, [i + 1]) for i, name in enumerate(names)],
        stacked=True,
    )
    legend = _legend(svg)
    assert [key for key, _x, _y in legend] == [f"s{i}" for i in range(6)]
    rows = sorted({y for _key, _x, y in legend})
    assert len(rows) > 1
    for _key, x, _y in legend:  # each entry, its text included, ends inside the 960-wide chart
        assert x + 16 + charts.LEGEND_CHAR_PX * len(names[0]) <= 960
    first_grid = float(re.search(r'<line class="grid"[^>]* y1="([\d.]+)"', svg).group(1))
    grid_top = min(float(v) for v in re.findall(r'<line class="grid"[^>]* y1="([\d.]+)"', svg))
    assert grid_top > rows[-1] + 12, "the plot starts below the last legend row"
    assert first_grid > grid_top


def test_a_limit_far_above_the_data_does_not_flatten_the_bars():
    svg = charts.bar_chart(
        title="t",
        categories=[charts.Category(str(i), f"{i:02d}.11") for i in range(1, 4)],
        series=[charts.Series("per_minute", "zapytań/min", [4, 11, 1])],
        lines=[charts.Line("infakt", "limit InFakt", 300), charts.Line("client", "nasz limit", 240, dashed=True)],
    )
    ticks = re.findall(r'text-anchor="end" font-size="11" fill="#5f6b7a">([^<]+)<', svg)
    assert ticks[-1] == "20"  # the scale fits the data (11), not the limit (300)
    heights = [float(h) for h in re.findall(r'class="bar"[^>]* height="([\d.]+)"', svg)]
    assert min(heights) >= charts.MIN_BAR_PX
    assert max(heights) > 80
    assert len(re.findall(r'data-line="(infakt|client)"[^>]* data-off-scale="true"', svg)) == 2
    assert "▲ limit InFakt: 300" in svg
    assert "▲ nasz limit: 240" in svg


def test_a_limit_near_the_data_is_drawn_where_it_belongs():
    svg = charts.bar_chart(
        title="t",
        categories=[charts.Category("a", "A")],
        series=[charts.Series("s", "s", [200])],
        lines=[charts.Line("infakt", "limit", 300)],
    )
    assert "data-off-scale" not in svg
    ticks = re.findall(r'text-anchor="end" font-size="11" fill="#5f6b7a">([^<]+)<', svg)
    assert ticks[-1] == "400"


def test_a_small_value_next_to_a_large_one_stays_visible():
    svg = charts.bar_chart(
        title="t",
        categories=[charts.Category("a", "A"), charts.Category("b", "B")],
        series=[charts.Series("s", "s", [1, 3000])],
    )
    heights = [float(h) for h in re.findall(r'class="bar"[^>]* height="([\d.]+)"', svg)]
    assert min(heights) >= charts.MIN_BAR_PX


def test_axis_labels_are_not_repeated_and_long_ones_fit():
    svg = charts.bar_chart(
        title="t",
        categories=[charts.Category(str(i), "29.11" if i < 3 else "30.11") for i in range(6)],
        series=[charts.Series("s", "s", [12_000_000] * 6)],
    )
    assert re.findall(r'class="x-label"[^>]*>([^<]+)<', svg) == ["29.11", "30.11"]
    first_bar_x = float(re.search(r'class="bar" x="([\d.]+)"', svg).group(1))
    assert first_bar_x > 12 + charts.AXIS_CHAR_PX * len("20 000 000") - 1  # the plot starts right of "20 000 000"


def test_aging_shows_money_as_prominently_as_counts(manager_client, book):
    html = manager_client.get(REPORTS).content.decode()
    section = html[html.index('id="aging"') : html.index('id="paid-after"')]
    amounts = re.findall(r'<span class="amount">([^<]+)</span>', section)
    assert amounts
    assert all(re.fullmatch(r"[\d ]+,\d\d (zł|EUR)", a) for a in amounts)
    assert re.search(r'id="chart-aging-PLN".*?data-series="amount-PLN"', section, re.S)
    assert "<small>" not in section


def test_paid_after_stage_uses_the_offset_each_e_mail_recorded_when_sent(stages):
    case = make_case(days_past_due=30, status=Case.Status.CLOSED)
    for stage, recorded in ((stages[0], -1), (stages[1], 7)):
        Notification.objects.create(
            case=case, stage=stage, stage_offset=recorded, status=Notification.Status.SENT,
            send_date=business_today(), sent_at=timezone.now(),
        )  # fmt: skip
    ReminderStage.objects.filter(pk=stages[1].pk).update(offset_days=10)  # edited after the e-mail went out
    rows = {row.offset: row.count for row in reports.paid_after_stage(start=business_today(), end=business_today())}
    assert rows[7] == 1
    assert rows.get(10, 0) == 0
