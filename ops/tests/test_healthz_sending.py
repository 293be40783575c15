"""/healthz reports the health of sending too: counts and the age of the last successful send,
503 while reminders fail or sit uncertain, and no personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.tests.conftest import ensure_stages, make_case, make_client
from notifications.models import Notification

from .test_healthz import URL, finished_run

pytestmark = pytest.mark.django_db

S = Notification.Status


@pytest.fixture(autouse=True)
def recent_sync(settings):
    settings.SYNC_STALE_AFTER_HOURS = 26
    settings.REMINDER_CLAIM_STALE_MINUTES = 10
    finished_run(hours_ago=2)


@pytest.fixture
def log():
    stages = ensure_stages()
    client = make_client("Tajna Firma Sp. z o.o.", emails=("prezes@tajna-firma.pl",))

    def write(status: str, *, hours_ago: float, stage: int = 0) -> Notification:
        at = timezone.now() - timedelta(hours=hours_ago)
        case = make_case(client=client, number=f"FV/TAJNE/{Notification.objects.count()}")
        notification = Notification.objects.create(
            case=case,
            stage=stages[stage],
            status=status,
            send_date=timezone.localdate(at),
            recipients=["prezes@tajna-firma.pl"],
            subject=f"Wezwanie: {case.invoice.number}",
            error="550 mailbox prezes@tajna-firma.pl unavailable" if status == S.FAILED else "",
            attempts=1,
            sent_at=at if status == S.SENT else None,
        )
        Notification.objects.filter(pk=notification.pk).update(created_at=at, updated_at=at)
        return notification

    return write


def test_no_reminder_yet_is_healthy(client):
    response = client.get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["email"] == "ok"
    assert data["emails"] == {
        "sent_last_24h": 0,
        "failed_last_24h": 0,
        "uncertain": 0,
        "last_successful_send_age_hours": None,
    }


def test_a_recent_send_is_healthy_and_its_age_shown(client, log):
    log(S.SENT, hours_ago=3)
    log(S.SENT, hours_ago=30)
    data = client.get(URL).json()
    assert data["status"] == "ok"
    assert data["email"] == "ok"
    assert data["emails"]["sent_last_24h"] == 1
    assert 2.9 < data["emails"]["last_successful_send_age_hours"] < 3.1


def test_failures_since_the_last_successful_send_make_it_fail(client, log):
    log(S.SENT, hours_ago=5)
    log(S.FAILED, hours_ago=1)
    log(S.FAILED, hours_ago=1, stage=1)
    response = client.get(URL)
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "fail"
    assert data["email"] == "failing"
    assert data["problems"] == ["email_failing"]
    assert data["emails"]["failed_last_24h"] == 2


def test_a_successful_send_after_a_failure_is_healthy_again(client, log):
    log(S.FAILED, hours_ago=3)
    log(S.SENT, hours_ago=1)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["emails"]["failed_last_24h"] == 1


def test_an_old_failure_no_longer_fails_the_check(client, log):
    log(S.FAILED, hours_ago=30)
    assert client.get(URL).status_code == 200


def test_uncertain_messages_make_it_fail_until_staff_decide(client, log):
    uncertain = log(S.UNCERTAIN, hours_ago=20)
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["email"] == "uncertain"
    assert response.json()["problems"] == ["email_uncertain"]
    assert response.json()["emails"]["uncertain"] == 1
    Notification.objects.filter(pk=uncertain.pk).update(status=S.SENT, sent_at=timezone.now())
    assert client.get(URL).status_code == 200


def test_a_claim_with_no_smtp_answer_for_too_long_counts_as_uncertain(client, log):
    log(S.QUEUED, hours_ago=0.01)  # in flight now
    assert client.get(URL).status_code == 200
    log(S.QUEUED, hours_ago=1, stage=1)  # a crashed run left it
    data = client.get(URL).json()
    assert data["email"] == "uncertain"
    assert data["emails"]["uncertain"] == 1


def test_it_reveals_no_personal_data(client, log):
    log(S.FAILED, hours_ago=1)
    log(S.UNCERTAIN, hours_ago=1, stage=1)
    body = client.get(URL).content.decode()
    for secret in ("tajna", "Tajna", "prezes", "FV/TAJNE", "Wezwanie", "550"):
        assert secret not in body


def test_the_check_costs_a_fixed_number_of_queries(client, log, django_assert_max_num_queries):
    for hours in range(12):
        log(S.SENT, hours_ago=hours + 1, stage=hours % 5)
    with django_assert_max_num_queries(8):
        client.get(URL)
