"""The reports page served from a snapshot in the database (panel.snapshots): the first visit computes and
stores it, a change of the data serves the old figures marked stale and queues one refresh for the
worker, the worker's refresh (queued, or after each sync and sending run) brings the new figures."""

from __future__ import annotations

import json
import pydoc
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task

from cases.tests.conftest import make_case, make_client
from common import formatting
from common.calendar import business_today
from panel import services, snapshots
from panel.models import ReportSnapshot
from panel.reports import reports_compute
from panel.snapshots import page_decode, page_encode, snapshot_version

from .test_reports import book  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

REPORTS = reverse("syncstatus:reports")
AGING_TOTAL = re.compile(r'data-currency="PLN" data-bucket="total" data-count="(\d+)" data-amount="(\d+)"')
STALE_PL = "Stan na {time}; odświeżanie w toku"
STALE_EN = "As of {time}; refreshing"


@pytest.fixture(autouse=True)
def queued_for_the_worker(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)  # a queued refresh waits on the ORM broker, as in production


def aging_total(html: str) -> tuple[int, int]:
    """(cases, grosze) of the PLN total row of the aging table."""
    count, amount = AGING_TOTAL.search(html).groups()
    return int(count), int(amount)


def visit(client, *, language: str = "pl", days: int = 30) -> str:
    client.cookies["django_language"] = language
    response = client.get(REPORTS, {"days": days})
    assert response.status_code == 200
    return response.content.decode()


def run_queued() -> list[str]:
    """Run the tasks waiting on the ORM broker, as a worker would call them; returns their functions."""
    done = []
    for queued in OrmQ.objects.order_by("id"):
        pydoc.locate(queued.func())(*queued.args(), **queued.kwargs())
        done.append(queued.func())
        queued.delete()
    return done


@pytest.mark.usefixtures("book")
def test_the_first_visit_computes_and_stores_the_snapshot(manager_client):
    assert not ReportSnapshot.objects.exists()
    html = visit(manager_client)
    snapshot = ReportSnapshot.objects.get()
    today = business_today()
    assert (snapshot.days, snapshot.language, snapshot.version) == (30, "pl", snapshot_version(today=today))
    assert snapshot.refresh_requested_at is None
    assert page_decode(snapshot.payload) == reports_compute(days=30, today=today)
    assert 'id="reports-stale"' not in html
    assert not OrmQ.objects.exists()
    # Served again unchanged: the same row, nothing queued.
    visit(manager_client)
    assert ReportSnapshot.objects.get().computed_at == snapshot.computed_at
    assert not OrmQ.objects.exists()


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize("language", ["pl", "en"])
def test_the_snapshot_comes_back_from_the_database_exactly(language):
    today = business_today()
    with translation.override(language):
        page = reports_compute(days=90, today=today)
        services.report_snapshot_store(days=90, language=language, version="v", payload=page_encode(page))
    back = page_decode(ReportSnapshot.objects.get(days=90, language=language).payload)
    assert back == page
    assert page_decode(json.loads(json.dumps(page_encode(page)))) == page
    assert all(isinstance(chart.svg, SafeString) for chart in back["charts"] + back["aging_charts"])
    assert all(isinstance(label, str) and isinstance(cells, list) for label, cells in back["aging_by_bucket"])
    assert isinstance(back["aging_by_bucket"][0][1][0], tuple)


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize(("language", "stale_text"), [("pl", STALE_PL), ("en", STALE_EN)])
def test_a_change_of_the_data_serves_the_old_figures_marked_stale_and_queues_one_refresh(
    manager_client, django_capture_on_commit_callbacks, language, stale_text
):
    before = aging_total(visit(manager_client, language=language))
    computed_at = ReportSnapshot.objects.get().computed_at
    make_case(client=make_client("Nowy Klient", nip="5260250274"), days_past_due=20, left_to_pay=777_00)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = visit(manager_client, language=language)
        second = visit(manager_client, language=language)
    assert len(callbacks) == 1  # the second visitor finds the refresh already queued
    for html in (first, second):
        assert aging_total(html) == before  # the old figures, at once
        assert stale_text.format(time=formatting.format_datetime(computed_at)) in html
    (queued,) = OrmQ.objects.all()
    assert (queued.func(), queued.args()) == ("panel.tasks.reports_refresh", (30, language))

    assert run_queued() == ["panel.tasks.reports_refresh"]
    html = visit(manager_client, language=language)
    assert aging_total(html) == (before[0] + 1, before[1] + 777_00)
    assert 'id="reports-stale"' not in html
    assert ReportSnapshot.objects.get().refresh_requested_at is None
    assert not OrmQ.objects.exists()


@pytest.mark.usefixtures("book")
def test_a_lost_refresh_is_queued_again_once_its_lease_ends(manager_client, django_capture_on_commit_callbacks):
    visit(manager_client)
    make_case(days_past_due=3)
    with django_capture_on_commit_callbacks(execute=True):
        visit(manager_client)
    OrmQ.objects.all().delete()  # the task was lost
    with django_capture_on_commit_callbacks(execute=True):
        visit(manager_client)
    assert not OrmQ.objects.exists()  # within the lease: not again
    ReportSnapshot.objects.update(refresh_requested_at=timezone.now() - services.REFRESH_LEASE - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        visit(manager_client)
    assert OrmQ.objects.count() == 1


@pytest.mark.usefixtures("book")
def test_a_refresh_of_a_current_snapshot_computes_nothing():
    assert snapshots.reports_refresh(days=30, language="pl") is True
    computed_at = ReportSnapshot.objects.get().computed_at
    assert snapshots.reports_refresh(days=30, language="pl") is False
    assert ReportSnapshot.objects.get().computed_at == computed_at


@pytest.mark.usefixtures("book")
def test_a_new_day_makes_the_snapshot_stale():
    snapshots.reports_refresh(days=30, language="pl", today=business_today() - timedelta(days=1))
    page = snapshots.reports_page(days=30, today=business_today())
    assert page["snapshot_stale"]
    assert page["today"] == business_today() - timedelta(days=1)  # the figures' own day, shown as they were


def test_a_served_snapshot_costs_the_same_few_queries_however_many_cases(
    manager_client, stages, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    def served_queries() -> int:
        visit(manager_client)  # computes or queues a refresh; then the snapshot is current again
        snapshots.reports_refresh(days=30, language="pl")
        with CaptureQueriesContext(connection) as captured:
            visit(manager_client)
        return len(captured)

    def snapshot_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            snapshots.reports_page(days=30, today=business_today())
        return len(captured)

    few = served_queries()
    with django_assert_max_num_queries(3):  # the data's version (two) and the snapshot
        snapshot_queries()
    client = make_client()
    for days in range(0, 400, 10):
        make_case(client=client, days_past_due=days)
    with django_capture_on_commit_callbacks(execute=True):
        assert served_queries() == few
    with django_assert_max_num_queries(4):  # stale: and the refresh's lease
        snapshot_queries()


@pytest.mark.usefixtures("book")
def test_the_worker_refreshes_every_period_and_language_after_a_sending_run(monkeypatch):
    snapshots.reports_refresh_usual()
    assert ReportSnapshot.objects.count() == 4
    make_case(days_past_due=12)
    assert not ReportSnapshot.objects.filter(version=snapshot_version(today=business_today())).exists()
    monkeypatch.setattr(Conf, "SYNC", True)  # the task runs through django-q2's worker, here
    async_task("notifications.tasks.reminders_send_due", business_today().isoformat())
    version = snapshot_version(today=business_today())  # the sending run wrote its own row
    assert set(ReportSnapshot.objects.values_list("days", "language", "version")) == {
        (days, language, version) for days in (30, 90) for language in ("pl", "en")
    }


@pytest.mark.usefixtures("book")
def test_other_tasks_do_not_refresh_the_snapshots(monkeypatch):
    snapshots.reports_refresh_usual()
    make_case(days_past_due=12)
    monkeypatch.setattr(Conf, "SYNC", True)
    async_task("math.floor", 1.5)
    assert not ReportSnapshot.objects.filter(version=snapshot_version(today=business_today())).exists()


@pytest.mark.usefixtures("book")
def test_a_snapshot_of_another_shape_is_computed_again(manager_client):
    visit(manager_client)
    ReportSnapshot.objects.update(payload={"charts": []})  # as stored by a code before a change of the page
    html = visit(manager_client)
    assert 'id="reports-stale"' not in html
    assert page_decode(ReportSnapshot.objects.get().payload) == reports_compute(days=30, today=business_today())
