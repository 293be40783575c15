"""The database itself refuses impossible states."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case, Client, Invoice


@pytest.fixture
def invoice(db):
    client = Client.objects.create(infakt_id=1, company_name="Alfa Sp. z o.o.")
    return Invoice.objects.create(
        infakt_id=10,
        uuid="u-10",
        number="1/11/2026",
        status="sent",
        due_date=date(2026, 11, 27),
        gross=12300,
        left_to_pay=12300,
        client=client,
        client_infakt_id=1,
        last_seen_at=timezone.now(),
    )


def test_a_second_case_for_the_same_invoice_fails_in_the_database(invoice):
    Case.objects.create(invoice=invoice, opened_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.bulk_create([Case(invoice=invoice, opened_at=timezone.now())])
    assert Case.objects.filter(invoice=invoice).count() == 1


@pytest.mark.parametrize(
    "values",
    [{"gross": -1}, {"paid": -5}, {"left_to_pay": -1}, {"left_to_pay": 99999}, {"currency": "zł"}],
)
def test_money_constraints_hold_in_the_database(invoice, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(**values)


def test_a_closed_case_needs_a_time_and_a_reason(invoice):
    case = Case.objects.create(invoice=invoice, opened_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status="closed")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status="closed", closed_at=timezone.now())
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=timezone.now(), close_reason="paid")


def test_a_pause_needs_a_date_and_a_reason(invoice):
    case = Case.objects.create(invoice=invoice, opened_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(paused_until=date(2026, 12, 1))


def test_a_client_flagged_usable_needs_an_address(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(infakt_id=2, has_usable_email=True, emails=[])


def test_default_stages_are_seeded(db):
    from cases.models import ReminderStage

    assert list(ReminderStage.objects.values_list("offset_days", flat=True)) == [-1, 7, 14, 21, 30]
