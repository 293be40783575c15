"""Roles: Staff act on cases; Managers read cases and sync reports and can change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent
from common.calendar import business_today
from syncstatus.models import SyncRun

from .conftest import make_case

CHANGELIST = reverse("admin:cases_case_changelist")
ALL_ACTIONS = ["pause_cases", "resume_cases", "close_cases", "send_stage_now", "refresh_from_infakt"]


def codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_the_migration_creates_both_groups_with_their_permissions(db):
    staff = codenames("Staff")
    assert {
        "cases.view_case",
        "cases.change_case",
        "cases.view_client",
        "cases.change_client",
        "cases.view_invoice",
        "cases.change_invoice",
        "notifications.view_notification",
        "notifications.change_notification",
        "notifications.send_manual",
        "syncstatus.run_sync",
        "syncstatus.view_syncrun",
    } <= staff
    # Staff add rate rows (a new half-year, a new reference rate) but never delete anything.
    assert not any(p.split(".")[1].startswith(("add_", "delete_")) for p in staff if not p.startswith("claims."))
    assert not any(p.split(".")[1].startswith("delete_") for p in staff)
    managers = codenames("Managers")
    assert {
        "cases.view_case",
        "cases.view_client",
        "cases.view_invoice",
        "cases.view_caseevent",
        "notifications.view_notification",
        "syncstatus.view_syncrun",
        "syncstatus.view_skippedrecord",
    } <= managers
    assert all(p.split(".")[1].startswith("view_") for p in managers)


@pytest.fixture
def cases(stages, kowalski):
    return {
        "active": make_case(client=kowalski, number="FV/ACTIVE"),
        "paused": make_case(client=kowalski, number="FV/PAUSED", paused_until=business_today() + timedelta(days=9)),
        "closed": make_case(client=kowalski, number="FV/CLOSED", status=Case.Status.CLOSED),
    }


def test_a_manager_reads_every_list_and_page(manager_client, cases, kowalski):
    now = timezone.now()
    run = SyncRun.objects.create(
        target_date=now.date(), started_at=now, finished_at=now, heartbeat_at=now, status=SyncRun.Status.SUCCESS
    )
    urls = [
        reverse("admin:index"),
        CHANGELIST,
        reverse("admin:cases_case_change", args=[cases["active"].pk]),
        reverse("admin:cases_case_change", args=[cases["closed"].pk]),
        reverse("admin:cases_client_changelist"),
        reverse("admin:cases_client_change", args=[kowalski.pk]),
        reverse("admin:cases_invoice_changelist"),
        reverse("admin:syncstatus_syncrun_changelist"),
        reverse("admin:syncstatus_syncrun_change", args=[run.pk]),
        reverse("cases:active"),
        reverse("cases:closed"),
        reverse("cases:detail", args=[cases["closed"].pk]),
        reverse("cases:active") + "?_export=csv",
    ]
    for url in urls:
        assert manager_client.get(url).status_code == 200, url


def test_a_manager_sees_no_actions_and_no_save_buttons(manager_client, cases):
    response = manager_client.get(CHANGELIST)
    html = response.content.decode()
    assert 'name="action"' not in html
    assert 'name="_selected_action"' not in html
    page = manager_client.get(reverse("admin:cases_case_change", args=[cases["active"].pk])).content.decode()
    assert 'name="_save"' not in page
    assert "pause_cases" not in page
    assert response.context["cl"].model_admin.get_actions(response.wsgi_request) == {}


@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_a_manager_cannot_run_any_action(manager_client, cases, action):
    before = {c.pk: (c.status, c.paused_until, c.refresh_requested_at) for c in Case.objects.all()}
    events = CaseEvent.objects.count()
    data = {
        "action": action,
        "_selected_action": [c.pk for c in cases.values()],
        "index": 0,
        "apply": "1",
        "until": (business_today() + timedelta(days=5)).isoformat(),
        "reason": "other",
        "note": "próba",
    }
    assert manager_client.post(CHANGELIST, data).status_code == 403
    assert {c.pk: (c.status, c.paused_until, c.refresh_requested_at) for c in Case.objects.all()} == before
    assert CaseEvent.objects.count() == events


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:cases_case_change",
        "admin:cases_case_delete",
        "admin:cases_client_change",
        "admin:cases_reminderstage_change",
        "admin:syncstatus_syncrun_change",
    ],
)
def test_a_manager_cannot_post_any_change(manager_client, cases, stages, kowalski, url_name):
    now = timezone.now()
    objects = {
        "case": cases["active"],
        "client": kowalski,
        "reminderstage": stages[0],
        "syncrun": SyncRun.objects.create(
            target_date=now.date(), started_at=now, finished_at=now, heartbeat_at=now, status="success"
        ),
    }
    obj = objects[url_name.split("_")[-2]]
    assert manager_client.post(reverse(url_name, args=[obj.pk]), {"name": "x", "status": "closed"}).status_code == 403
    assert (
        manager_client.post(reverse("admin:cases_reminderstage_add"), {"name": "x", "offset_days": 99}).status_code
        == 403
    )


def test_staff_get_every_action(staff_client, cases):
    response = staff_client.get(CHANGELIST)
    actions = response.context["cl"].model_admin.get_actions(response.wsgi_request)
    assert set(ALL_ACTIONS) <= set(actions)
    assert staff_client.get(reverse("admin:cases_case_delete", args=[cases["active"].pk])).status_code == 403


def test_staff_without_run_sync_do_not_get_the_refresh_action(staff_client, staff_user, cases):
    from django.contrib.auth.models import Permission

    staff_user.groups.clear()
    staff_user.user_permissions.add(*Permission.objects.filter(codename__in=["view_case", "change_case"]))
    response = staff_client.get(CHANGELIST)
    actions = response.context["cl"].model_admin.get_actions(response.wsgi_request)
    assert "refresh_from_infakt" not in actions
    assert "pause_cases" in actions


def test_staff_can_act_through_the_same_post(staff_client, cases):
    response = staff_client.post(
        CHANGELIST, {"action": "resume_cases", "_selected_action": [cases["paused"].pk], "index": 0}
    )
    assert response.status_code == 302
    cases["paused"].refresh_from_db()
    assert cases["paused"].paused_until is None
