"""The health banner: quiet when all is well; each of its four cases shows and links to the cases concerned."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.tests.conftest import ensure_stages, make_case, make_client
from common.calendar import business_today
from notifications.models import Notification
from panel.health import health_alerts
from syncstatus.models import SyncRun

from .test_panel import make_reminder_run, make_run

pytestmark = pytest.mark.django_db

PAGES = [reverse("syncstatus:panel"), reverse("syncstatus:reports"), reverse("syncstatus:health")]


@pytest.fixture
def healthy(db):
    """A fresh successful sync, the reminders sent on it, every active client reachable."""
    stages = ensure_stages()
    run = make_run(minutes_ago=90)
    make_reminder_run(sync_run=run, sent=3)
    kowalski = make_client()
    cases = [make_case(client=kowalski, days_past_due=d) for d in (3, 8, 20)]
    return {"run": run, "stages": stages, "cases": cases, "kowalski": kowalski}


def banner(client, url=PAGES[0]) -> dict[str, list[str]]:
    """{alert code: [link hrefs]} of the banner on the page."""
    html = client.get(url).content.decode()
    block = html[html.index('class="it-health"') :]
    block = block[: block.index("</div>")]
    found = {}
    for code, body in re.findall(r'data-alert="([a-z_]+)">(.*?)</li>', block, re.S):
        found[code] = [unescape(href) for href in re.findall(r'href="([^"]+)"', body)]
    if 'data-alert="ok"' in block:
        found["ok"] = []
    return found


def test_all_is_well_shows_a_quiet_ok_line_on_every_page(manager_client, healthy):
    assert health_alerts() == []
    for url in PAGES:
        assert banner(manager_client, url) == {"ok": []}, url


def test_a_stale_sync_shows_the_banner_and_links_the_last_attempt_and_the_cases(manager_client, healthy, settings):
    settings.SYNC_STALE_AFTER_HOURS = 26
    SyncRun.objects.update(
        started_at=timezone.now() - timedelta(hours=30), finished_at=timezone.now() - timedelta(hours=29)
    )
    failed = make_run(minutes_ago=30, status=SyncRun.Status.FAILED, error="InfaktAuthError: 401 Unauthorized")
    (alert,) = [a for a in health_alerts() if a.code == "sync_stale"]
    assert "29 h temu" in alert.message
    assert f"Ostatnia próba (#{failed.pk}) nie powiodła się: InfaktAuthError: 401 Unauthorized" in alert.message
    for url in PAGES:
        links = banner(manager_client, url)["sync_stale"]
        assert links == [reverse("syncstatus:run", args=[failed.pk]), reverse("cases:active")], url
    assert manager_client.get(links[1]).context["table"].paginator.count == len(healthy["cases"])


def test_no_successful_sync_ever_is_stale_too(manager_client, db):
    make_run(status=SyncRun.Status.FAILED, error="ConnectionError: no route")
    (alert,) = health_alerts()
    assert alert.code == "sync_stale"
    assert "Nie było jeszcze udanej synchronizacji" in alert.message


def test_a_dry_or_refresh_run_does_not_count_as_fresh(manager_client, healthy):
    SyncRun.objects.update(
        finished_at=timezone.now() - timedelta(days=3), started_at=timezone.now() - timedelta(days=3)
    )
    make_run(minutes_ago=10, dry_run=True)
    make_run(minutes_ago=5, kind=SyncRun.Kind.REFRESH)
    assert [a.code for a in health_alerts()] == ["sync_stale"]


def test_held_sends_show_the_banner_and_link_the_held_emails_with_their_cases(manager_client, healthy):
    stages, cases = healthy["stages"], healthy["cases"]
    failed_sync = make_run(minutes_ago=20, status=SyncRun.Status.FAILED, error="boom")
    make_reminder_run(
        sync_run=failed_sync, held=2, held_reason=f"Synchronizacja #{failed_sync.pk} nie powiodła się: boom."
    )
    for case in cases[:2]:
        Notification.objects.create(
            case=case,
            stage=stages[1],
            status=Notification.Status.HELD,
            send_date=business_today(),
            reason=Notification.Reason.SYNC_FAILED,
        )
    yesterday_held = Notification.objects.create(
        case=cases[2], stage=stages[1], status="held", send_date=business_today() - timedelta(days=1)
    )
    (alert,) = [a for a in health_alerts() if a.code == "sends_held"]
    assert alert.count == 2
    assert "nie powiodła się: boom" in alert.message
    links = banner(manager_client)["sends_held"]
    assert links[1] == reverse("syncstatus:run", args=[failed_sync.pk])
    listed = manager_client.get(links[0])
    assert listed.status_code == 200
    assert {n.case_id for n in listed.context["cl"].result_list} == {c.pk for c in cases[:2]}
    assert yesterday_held not in listed.context["cl"].result_list


def test_a_later_run_that_sent_clears_the_held_banner(manager_client, healthy):
    make_reminder_run(sync_run=None, held=4, held_reason="Brak synchronizacji.")
    assert "sends_held" in banner(manager_client)
    make_reminder_run(sync_run=healthy["run"], sent=4)
    assert "sends_held" not in banner(manager_client)


def test_failed_or_uncertain_emails_show_the_banner_and_link_them(manager_client, healthy):
    stages, cases = healthy["stages"], healthy["cases"]
    failed = Notification.objects.create(
        case=cases[0], stage=stages[1], status=Notification.Status.FAILED, send_date=business_today(), error="550"
    )
    uncertain = Notification.objects.create(
        case=cases[1], stage=stages[1], status=Notification.Status.UNCERTAIN, send_date=business_today()
    )
    (alert,) = [a for a in health_alerts() if a.code == "emails_failed"]
    assert alert.count == 2
    assert "z błędem wysyłki: 1" in alert.message
    assert "niepewnym wyniku (do sprawdzenia ręcznie): 1" in alert.message
    (link,) = banner(manager_client)["emails_failed"]
    listed = manager_client.get(link).context["cl"].result_list
    assert {n.pk for n in listed} == {failed.pk, uncertain.pk}


def test_a_failure_on_a_closed_case_no_longer_alerts(manager_client, healthy):
    closed = make_case(client=healthy["kowalski"], status=Case.Status.CLOSED)
    Notification.objects.create(case=closed, stage=healthy["stages"][1], status="failed", send_date=business_today())
    assert "emails_failed" not in banner(manager_client)


def test_clients_without_email_show_the_banner_and_link_their_cases(manager_client, healthy):
    nowak = make_client("Nowak Handel Jan Nowak", nip="7740001454", emails=())
    unreachable = [make_case(client=nowak, days_past_due=d) for d in (1, 15)]
    orphan = make_case(client=None, days_past_due=4)  # no client record at all
    make_case(client=nowak, status=Case.Status.CLOSED)  # closed: not concerned
    (alert,) = [a for a in health_alerts() if a.code == "no_email"]
    assert alert.level == "warning"
    assert alert.count == 3
    (link,) = banner(manager_client)["no_email"]
    table = manager_client.get(link).context["table"]
    assert {row.record.pk for row in table.paginated_rows} == {c.pk for c in [*unreachable, orphan]}


def test_every_case_of_the_banner_at_once_on_the_admin_start_page_fragment(manager_client, healthy):
    SyncRun.objects.update(
        finished_at=timezone.now() - timedelta(days=2), started_at=timezone.now() - timedelta(days=2)
    )
    make_reminder_run(sync_run=None, held=1, held_reason="Brak synchronizacji.")
    Notification.objects.create(
        case=healthy["cases"][0], stage=healthy["stages"][0], status="uncertain", send_date=business_today()
    )
    make_case(client=make_client("Bez Adresu", nip="1", emails=()))
    shown = banner(manager_client, reverse("syncstatus:health"))
    assert list(shown) == ["sync_stale", "sends_held", "emails_failed", "no_email"]
