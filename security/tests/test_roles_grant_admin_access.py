"""A person put in the Staff or Managers group can log in without anyone ticking "staff status":
membership of a role is what opens the admin."""

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


def test_unticking_staff_status_while_holding_a_role_does_not_lock_the_person_out(client):
    ewa = User.objects.create_user("ewa", "ewa@firma.test", PASSWORD)
    ewa.groups.add(Group.objects.get(name="Managers"))
    ewa.refresh_from_db()
    ewa.is_staff = False
    ewa.save()
    assert log_in(client, "ewa").status_code == 302


def test_leaving_a_role_leaves_staff_status_to_the_administrator():
    """Permissions of the person's own may remain; deactivating the account is how to shut them out."""
    ewa = User.objects.create_user("ewa", "ewa@firma.test", PASSWORD)
    ewa.groups.add(Group.objects.get(name="Staff"))
    ewa.groups.clear()
    ewa.refresh_from_db()
    assert ewa.is_staff
    assert not ewa.has_perm("cases.view_case")


def test_other_groups_do_not_grant_it():
    helper = User.objects.create_user("pomoc", "pomoc@firma.test", PASSWORD)
    helper.groups.add(Group.objects.create(name="Księgowość"))
    helper.refresh_from_db()
    assert not helper.is_staff
