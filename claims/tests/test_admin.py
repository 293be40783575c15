"""Rate tables in the admin: staff edit, managers read only, a warning when today is not covered."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from claims.models import CommercialRate, ExchangeRate, ReferenceRate


def make_user(username: str, *, group: str) -> User:
    user = User.objects.create_user(username=username, password="haslo-testowe-123", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def staff(client, db):
    client.force_login(make_user("anna.staff", group="Staff"))
    return client


@pytest.fixture
def manager(client, db):
    client.force_login(make_user("marek.manager", group="Managers"))
    return client


def test_seeded_rates_are_listed_with_their_sources_and_today_is_flagged(staff):
    html = staff.get(reverse("admin:claims_commercialrate_changelist")).content.decode()
    assert "M.P. 2016 poz. 43" in html
    assert "15,75 %" in html
    assert CommercialRate.objects.get(valid_from=date(2024, 1, 1)).rate_bp == 1575
    assert ReferenceRate.objects.get(valid_from=date(2025, 12, 4)).rate_bp == 400
    # The clock of the tests is late 2026: the seeded tables stop earlier, so the admin warns.
    html = staff.get(reverse("admin:claims_referencerate_changelist")).content.decode()
    assert "nie obejmuje dzisiejszej daty" in html


def test_staff_add_a_rate_and_an_eur_rate_by_hand(staff):
    response = staff.post(
        reverse("admin:claims_exchangerate_add"),
        {
            "currency": "EUR",
            "month": "2026-10-01",
            "effective_date": "2026-10-30",
            "rate": "4.2500",
            "table_no": "",
            "source": "",
        },
    )
    assert response.status_code == 302
    row = ExchangeRate.objects.get(month=date(2026, 10, 1))
    assert row.origin == ExchangeRate.Origin.MANUAL
    assert "anna.staff" in row.source


def test_managers_read_only(manager):
    assert manager.get(reverse("admin:claims_commercialrate_changelist")).status_code == 200
    assert manager.get(reverse("admin:claims_exchangerate_add")).status_code == 403
    rate = CommercialRate.objects.first()
    response = manager.post(
        reverse("admin:claims_commercialrate_change", args=[rate.pk]),
        {"valid_from": "2016-01-01", "valid_to": "2016-06-30", "rate_bp": 1, "medical_rate_bp": 1, "source": "x"},
    )
    assert response.status_code == 403
    rate.refresh_from_db()
    assert rate.rate_bp == 950
