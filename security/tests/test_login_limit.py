"""The failed-login limit on the admin login (the app's only login page), on django-axes.

Locks per address and per (user name, address); never per user name alone, so nobody can lock
another person out from elsewhere. A user name failing from many addresses is slowed down instead.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from security import services
from security.forms import ThrottledAdminAuthenticationForm

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "Poprawne-Haslo-2026!"
LOCKED = "Zbyt wiele nieudanych prób logowania"
ATTACKERS = [f"203.0.113.{n}" for n in range(1, 41)]


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_WINDOW_MINUTES = 15
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.LOGIN_USER_SLOWDOWN_THRESHOLD = 20
    settings.LOGIN_USER_SLOWDOWN_SECONDS = 1
    settings.CLIENT_IP_HEADER = ""
    return settings


@pytest.fixture
def anna(db):
    return get_user_model().objects.create_user("anna", "anna@firma.test", PASSWORD, is_staff=True)


def attempt(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra)


def logged_in(response) -> bool:
    return response.status_code == 302 and response.url == "/admin/"


def failures(**scope) -> int:
    return AccessAttempt.objects.filter(**scope).aggregate(n=Sum("failures_since_start"))["n"] or 0


def test_the_admin_site_uses_the_throttled_form():
    assert admin.site.login_form is ThrottledAdminAuthenticationForm


def test_four_failures_still_let_the_right_password_in(client, anna):
    for _ in range(4):
        response = attempt(client, "anna", "zle")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
    assert logged_in(attempt(client, "anna", PASSWORD))


def test_five_failures_for_a_user_name_lock_it_from_that_address_even_with_the_right_password(client, anna):
    for _ in range(4):
        attempt(client, "anna", "zle")
    # The attempt that reaches the limit already says so.
    assert LOCKED in attempt(client, "anna", "zle").content.decode()
    response = attempt(client, "anna", PASSWORD)
    assert response.status_code == 200
    page = response.content.decode()
    assert LOCKED in page
    assert "zablokowane do" in page
    assert "_auth_user_id" not in client.session
    # The user name is matched however it is typed.
    assert LOCKED in attempt(client, "  ANNA ", PASSWORD).content.decode()


def test_an_attacker_elsewhere_cannot_lock_out_the_superuser(client, db):
    """The finding: five wrong passwords for a name from anywhere locked that name out everywhere."""
    get_user_model().objects.create_superuser("szef", "szef@firma.test", PASSWORD)
    for address in ATTACKERS[:10]:
        attempt(client, "szef", "zle", REMOTE_ADDR=address)
    for _ in range(5):  # the same attacker keeps trying from one address
        attempt(client, "szef", "zle", REMOTE_ADDR=ATTACKERS[0])
    assert LOCKED in attempt(client, "szef", PASSWORD, REMOTE_ADDR=ATTACKERS[0]).content.decode()
    assert logged_in(attempt(client, "szef", PASSWORD, REMOTE_ADDR="198.51.100.20"))


def test_five_failures_from_one_address_lock_that_address_for_every_user_name(client, anna):
    for name in ["jan", "ewa", "piotr", "ola", "adam"]:
        attempt(client, name, "zle", REMOTE_ADDR="203.0.113.7")
    assert LOCKED in attempt(client, "anna", PASSWORD, REMOTE_ADDR="203.0.113.7").content.decode()
    # Another address is not affected: none of those names failed five times.
    assert logged_in(attempt(client, "anna", PASSWORD, REMOTE_ADDR="198.51.100.20"))


def test_many_failures_from_many_addresses_slow_the_user_name_down_but_never_lock_it(client, anna, monkeypatch):
    # The pauses the login makes, recorded instead of slept (the clock is stubbed, not measured).
    pauses: list[float] = []
    monkeypatch.setattr(services, "time", SimpleNamespace(sleep=pauses.append))
    for address in ATTACKERS[:20]:
        attempt(client, "anna", "zle", REMOTE_ADDR=address)
    assert failures(username="anna") == 20
    assert pauses == []  # below the threshold nobody waits
    response = attempt(client, "anna", "zle", REMOTE_ADDR=ATTACKERS[20])
    assert pauses == [1]
    assert LOCKED not in response.content.decode()
    # Other user names are not slowed down.
    attempt(client, "ewa", "zle", REMOTE_ADDR=ATTACKERS[21])
    assert pauses == [1]
    # The real user still gets in, from a fresh address, just a second later.
    assert logged_in(attempt(client, "anna", PASSWORD, REMOTE_ADDR="198.51.100.20"))
    assert pauses == [1, 1]


def test_the_lock_ends_when_the_window_has_passed(client, anna):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            attempt(client, "anna", "zle")
    with time_machine.travel(start + timedelta(minutes=14, seconds=59), tick=False):
        assert LOCKED in attempt(client, "anna", PASSWORD).content.decode()
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert logged_in(attempt(client, "anna", PASSWORD))


def test_attempts_refused_by_the_lock_do_not_prolong_it(client, anna):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            attempt(client, "anna", "zle")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        for _ in range(5):
            assert LOCKED in attempt(client, "anna", "zle").content.decode()
    assert failures(username="anna") == 5
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert logged_in(attempt(client, "anna", PASSWORD))


def test_the_message_says_until_when_in_polish(client, anna):
    start = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            attempt(client, "anna", "zle")
        page = attempt(client, "anna", PASSWORD).content.decode()
    until = timezone.localtime(start + timedelta(minutes=15)).strftime("%H:%M")
    assert f"zablokowane do {until} (jeszcze ok. 15 min)" in page


def test_a_successful_login_clears_the_user_names_failures(client, anna):
    for _ in range(4):
        attempt(client, "anna", "zle")
    assert logged_in(attempt(client, "anna", PASSWORD))
    client.logout()
    for _ in range(4):
        attempt(client, "anna", "zle")
    assert logged_in(attempt(client, "anna", PASSWORD))


def test_the_right_password_of_a_non_staff_account_is_not_counted_as_a_failure(client, db):
    get_user_model().objects.create_user("gosc", "gosc@firma.test", PASSWORD, is_staff=False)
    for _ in range(6):
        attempt(client, "gosc", PASSWORD)
    assert failures() == 0


def test_the_limit_is_shared_through_the_database(client, anna):
    """Failures recorded by any process or instance (here: a row written directly) lock the login everywhere."""
    AccessAttempt.objects.create(
        username="anna",
        ip_address="127.0.0.1",
        user_agent="other instance",
        failures_since_start=5,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info=LOGIN,
    )
    assert LOCKED in attempt(client, "anna", PASSWORD).content.decode()


def test_the_address_comes_from_the_configured_header(client, anna, settings):
    settings.CLIENT_IP_HEADER = "X-Appengine-User-Ip"
    for name in ["jan", "ewa", "piotr", "ola", "adam"]:
        attempt(client, name, "zle", HTTP_X_APPENGINE_USER_IP="203.0.113.9")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    assert LOCKED in attempt(client, "anna", PASSWORD, HTTP_X_APPENGINE_USER_IP="203.0.113.9").content.decode()
    assert logged_in(attempt(client, "anna", PASSWORD, HTTP_X_APPENGINE_USER_IP="203.0.113.10"))


def test_old_failures_are_pruned(client, anna):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        attempt(client, "anna", "zle")
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        attempt(client, "ewa", "zle")
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["ewa"]


def test_no_password_is_stored_with_a_failure(client, anna):
    attempt(client, "anna", "Tajne-Haslo-Zle-123")
    stored = AccessAttempt.objects.get()
    assert "Tajne-Haslo-Zle-123" not in stored.post_data + stored.get_data


def test_a_command_unlocks_a_user(client, anna):
    for _ in range(5):
        attempt(client, "anna", "zle")
    assert LOCKED in attempt(client, "anna", PASSWORD).content.decode()
    call_command("unlock_login", "ANNA")
    assert logged_in(attempt(client, "anna", PASSWORD))


def test_a_command_unlocks_an_address(client, anna):
    for name in ["jan", "ewa", "piotr", "ola", "adam"]:
        attempt(client, name, "zle", REMOTE_ADDR="203.0.113.7")
    call_command("unlock_login", ip="203.0.113.7")
    assert logged_in(attempt(client, "anna", PASSWORD, REMOTE_ADDR="203.0.113.7"))


def test_the_admin_lists_failures_and_deleting_them_unlocks(client, anna, admin_client):
    for _ in range(5):
        attempt(client, "anna", "zle")
    changelist = reverse("admin:security_loginfailure_changelist")
    page = admin_client.get(changelist).content.decode()
    assert "anna" in page
    assert "127.0.0.1" in page
    row = AccessAttempt.objects.get(username="anna")
    response = admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert response.status_code == 302
    assert logged_in(attempt(client, "anna", PASSWORD))


def test_staff_and_managers_cannot_see_or_lift_locks(client, anna):
    from django.contrib.auth.models import Group

    for role in ("Staff", "Managers"):
        user = get_user_model().objects.create_user(f"u-{role}", "", PASSWORD)
        user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        assert client.get(reverse("admin:security_loginfailure_changelist")).status_code == 403
