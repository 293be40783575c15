"""Reports (issue 12): principal, interest and compensation apart in the aging table and the daily summary;
interest noted per month and the totals noted and collected."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.services import case_claims_refresh, case_set_waivers, client_set_public_medical
from cases.tests.conftest import make_case, make_client
from claims.models import CommercialRate, ExchangeRate
from documents.models import InterestNote
from panel.reports import aging_report, daily_summary_for

WARSAW = ZoneInfo("Europe/Warsaw")
REPORTS = reverse("syncstatus:reports")


@pytest.fixture
def world(db, stages):
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=False):
        CommercialRate.objects.create(
            valid_from=date(2026, 7, 1), valid_to=date(2026, 12, 31), rate_bp=1375, medical_rate_bp=1175, source="t"
        )
        ExchangeRate.objects.create(
            currency="EUR", month=date(2026, 10, 1), effective_date=date(2026, 10, 30), rate=Decimal("4.2500")
        )
        client = make_client()
        # 1 234,56 due 20.11: 4,65 interest, 170,00 compensation (8–14 days bucket)
        make_case(client=client, number="FV/A", gross=123_456, days_past_due=10)
        make_case(client=client, number="FV/B", gross=50_000, days_past_due=-3)  # not due: no claim
        paid = make_case(client=client, number="FV/P", gross=1_000_000, left_to_pay=0, status="closed")
        InterestNote.objects.create(
            case=paid,
            year=2026,
            sequence=1,
            number="NO/1/2026",
            issue_date=date(2026, 11, 3),
            currency="PLN",
            principal=1_000_000,
            interest=11_301,
            interest_from=date(2026, 10, 1),
            interest_to=date(2026, 10, 30),
            issued_at=timezone.now(),
            paid_at=date(2026, 11, 20),
        )
        case_claims_refresh(day=date(2026, 11, 30))  # what the morning's sync does after reading InFakt
        yield


def test_aging_shows_interest_and_compensation_apart_from_the_principal(world):
    (row,) = aging_report(today=date(2026, 11, 30))
    assert (row.amount, row.interest, row.compensation, row.incomplete) == (173_456, 465, 17_000, 0)
    cell = next(c for c in row.cells if c.key == "8-14")
    assert (cell.amount, cell.interest, cell.compensation) == (123_456, 465, 17_000)
    not_due = next(c for c in row.cells if c.key == "not_due")
    assert (not_due.amount, not_due.interest, not_due.compensation) == (50_000, 0, 0)


def test_reports_page_has_the_claims_the_notes_and_the_chart(world, manager_client):
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=False):
        html = manager_client.get(REPORTS).content.decode()
    assert 'data-interest="465"' in html
    assert 'data-compensation="17000"' in html
    assert 'id="chart-interest-notes"' in html
    assert "11.2026" in html
    assert 'class="num noted" data-amount="11301"' in html
    assert 'class="num collected" data-amount="11301"' in html


def test_the_daily_summary_states_interest_and_compensation(world):
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=False):
        summary = daily_summary_for(day=date(2026, 11, 29))
    (row,) = summary.aging
    assert (row.interest, row.compensation) == (465, 17_000)


def test_the_aging_reads_the_stored_claims_and_says_as_of_when(world, manager_client):
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=False):
        html = manager_client.get(REPORTS).content.decode()
    assert "Odsetki i rekompensata według stanu na 30.11.2026" in html
    # A case the sync has not stored a claim for yet counts as "do uzupełnienia", never as a zero.
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=False):
        make_case(client=make_client(), number="FV/NEW", gross=10_000, days_past_due=10)
    (row,) = aging_report(today=date(2026, 11, 30))
    assert (row.interest, row.compensation, row.incomplete) == (465, 17_000, 1)


def test_a_waiver_and_the_medical_switch_update_the_stored_claim_at_once(world):
    case = Case.objects.get(invoice__number="FV/A")
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=False):
        case_set_waivers(case=case, waive_interest=False, waive_compensation=True, reason="stały klient")
    (row,) = aging_report(today=date(2026, 11, 30))
    assert (row.interest, row.compensation) == (465, 0)
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=False):
        client_set_public_medical(client=case.invoice.client, value=True)
    (row,) = aging_report(today=date(2026, 11, 30))
    # 1 234,56 zł, 10 days (21.11–30.11) at 11,75 % instead of 13,75 %: 3,97 zł instead of 4,65 zł.
    assert row.interest == 397


def test_a_rate_edited_in_the_admin_refreshes_the_stored_claims(
    world, staff_user, client, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(*Permission.objects.filter(codename="change_commercialrate"))
    client.force_login(staff_user)
    rate = CommercialRate.objects.get(valid_from=date(2026, 7, 1))
    with (
        time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("admin:claims_commercialrate_change", args=[rate.pk]),
            {
                "valid_from": "01.07.2026",
                "valid_to": "31.12.2026",
                "rate_bp": 1175,
                "medical_rate_bp": 975,
                "source": "poprawka",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    (row,) = aging_report(today=date(2026, 11, 30))
    assert row.interest == 397  # 10 days at 11,75 % on 1 234,56 zł


def test_the_aging_is_one_query_however_many_cases(world, django_assert_num_queries):
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW), tick=False):
        for n in range(20):
            make_case(client=make_client(), number=f"FV/M{n}", gross=10_000, days_past_due=n)
    with django_assert_num_queries(1):
        aging_report(today=date(2026, 11, 30))
