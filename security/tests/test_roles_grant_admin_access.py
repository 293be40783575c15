"""A person put in the Staff or Managers group can log in without anyone ticking "staff status":
membership of a role is what opens the admin. Leaving the last role closes it again (not for
superusers, and not for a staff status an administrator set by hand without a role)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "Poprawne-Haslo-2026!"


def log_in(client, username):
    return client.post(reverse("admin:login"), {"username": username, "password": PASSWORD, "next": "/admin/"})


def test_a_user_added_to_staff_logs_in_without_the_staff_tick(client):
    ewa = User.objects.create_user("ewa", "ewa@firma.test", PASSWORD)
    assert not ewa.is_staff
    ewa.groups.add(Group.objects.get(name="Staff"))
    response = log_in(client, "ewa")
    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get(reverse("cases:active")).status_code == 200


def test_a_user_added_to_managers_from_the_group_side_logs_in_too(client):
    marek = User.objects.create_user("marek", "marek@firma.test", PASSWORD)
    Group.objects.get(name="Managers").user_set.add(marek)
    assert log_in(client, "marek").status_code == 302


def test_the_admin_user_form_grants_it_with_the_group(admin_client):
    response = admin_client.post(
        reverse("admin:auth_user_add"),
        {"username": "jan", "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    jan = User.objects.get(username="jan")
    change = reverse("admin:auth_user_change", args=[jan.pk])
    data = {
        "username": "jan",
        "email": "jan@firma.test",
        "is_active": "on",
        "groups": [Group.objects.get(name="Staff").pk],
        "date_joined_0": "2026-11-30",
        "date_joined_1": "10:00:00",
        "initial-date_joined_0": "2026-11-30",
        "initial-date_joined_1": "10:00:00",
    }
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    jan.refresh_from_db()
    assert jan.is_staff


def test_leaving_the_last_role_closes_the_admin(client):
    ewa = User.objects.create_user("ewa", "ewa@firma.test", PASSWORD)
    staff, managers = Group.objects.get(name="Staff"), Group.objects.get(name="Managers")
    ewa.groups.add(staff, managers)
    ewa.groups.remove(staff)
    ewa.refresh_from_db()
    assert ewa.is_staff  # still a manager
    ewa.groups.clear()
    ewa.refresh_from_db()
    assert not ewa.is_staff
    assert log_in(client, "ewa").status_code == 200  # refused


def test_superusers_and_hand_set_staff_status_are_left_alone():
    boss = User.objects.create_superuser("szef", "szef@firma.test", PASSWORD)
    boss.groups.add(Group.objects.get(name="Staff"))
    boss.groups.clear()
    boss.refresh_from_db()
    assert boss.is_staff
    helper = User.objects.create_user("pomoc", "pomoc@firma.test", PASSWORD, is_staff=True)
    other = Group.objects.create(name="Księgowość")
    helper.groups.add(other)
    helper.groups.remove(other)
    helper.refresh_from_db()
    assert helper.is_staff
