"""The admin site assembled at the top (invoicetracker/admin.py): each model registered once, by one place,
the case admin with every layer's inline and actions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import translation

from cases.admin import CaseEventInline
from cases.models import Case, Client, Invoice, ReminderStage
from notifications.admin import NotificationInline, ReminderStageAdmin
from tests.test_layers import ROOT, product_modules


def test_the_case_admin_has_the_timeline_and_email_inlines_and_every_layers_actions(admin_user):
    case_admin = admin.site._registry[Case]
    assert case_admin.inlines == [CaseEventInline, NotificationInline]
    request = RequestFactory().get("/admin/cases/case/")
    request.user = admin_user
    offered = list(case_admin.get_actions(request))
    assert offered == list(case_admin.actions)
    # The higher layers' actions, in their places in the list's menu.
    added = ["send_stage_now", "refresh_from_infakt", "generate_demand"]
    assert [offered.index(name) for name in added] == [4, 6, 8]
    assert case_admin.page_actions == ["pause_cases", "close_cases", "send_stage_now", "refresh_from_infakt"]


def test_reminder_stages_are_registered_with_the_notifications_admin():
    assert isinstance(admin.site._registry[ReminderStage], ReminderStageAdmin)
    assert isinstance(admin.site._registry[Client], admin.ModelAdmin)
    assert isinstance(admin.site._registry[Invoice], admin.ModelAdmin)


def registrations(path: Path) -> set[str]:
    """The models a module registers with the admin (`@admin.register(M)` or `site.register(M, ...)`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "register":
            found.update(arg.id for arg in node.args[:1] if isinstance(arg, ast.Name))
    return found


def test_only_the_top_registers_case_and_reminder_stage_and_nobody_unregisters():
    product = product_modules()
    registering = {p.relative_to(ROOT).as_posix() for p in product if {"Case", "ReminderStage"} & registrations(p)}
    assert registering == {"invoicetracker/admin.py"}
    assert not [p for p in product if ".unregister(" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("language", ["pl", "en"])
def test_the_rows_checkbox_is_djangos_written_without_a_widget_template(db, language):
    """Every list's row checkbox (`AccusativeTitlesMixin.action_checkbox`) is the HTML Django's own
    `ModelAdmin.action_checkbox` renders through the form widget template: same name, value, label."""
    client = Client.objects.create(infakt_id=77, company_name='Zaliczka <b>"S.A."</b> & syn', emails=[])
    client_admin = admin.site._registry[Client]
    with translation.override(language):
        ours = client_admin.action_checkbox(client)
        djangos = admin.ModelAdmin.action_checkbox(client_admin, client)
    assert ours == djangos
    assert 'name="_selected_action"' in ours
    assert f'value="{client.pk}"' in ours
    assert "&lt;b&gt;" in ours  # the object's name escaped once, as Django does


def test_an_action_on_the_rows_checked_in_the_list_still_applies(admin_client):
    client = Client.objects.create(infakt_id=78, company_name="Szpital Miejski", emails=[])
    changelist = admin_client.get("/admin/cases/client/").content.decode()
    assert f'<input type="checkbox" name="_selected_action" value="{client.pk}" class="action-select"' in changelist
    admin_client.post(
        "/admin/cases/client/",
        {"action": "mark_public_medical", "_selected_action": [str(client.pk)], "index": 0},
    )
    client.refresh_from_db()
    assert client.is_public_medical_entity
