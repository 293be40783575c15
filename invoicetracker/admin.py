"""The admin site assembled at the top: the models whose admin takes pieces from several layers.

`cases.admin.CaseAdmin` knows only `cases`; here it gets the e-mail log inline and "send a stage now"
(notifications), "refresh from InFakt now" (syncstatus) and "generate demand" (documents).
ReminderStage (a model of `cases`) gets its admin from `notifications` (wording, preview, test send).

`register_admins` runs once, from the admin's AppConfig.ready() right after autodiscovery
(invoicetracker/apps.py); no app's admin module registers these two models, so nothing is unregistered
and the order of autodiscovery does not matter. Importing this module registers nothing.
"""

from __future__ import annotations

from django.contrib import admin

from cases import admin as cases_admin
from cases.models import Case, ReminderStage
from documents.admin_actions import GenerateDemandAction
from notifications.admin import NotificationInline, ReminderStageAdmin
from notifications.admin_actions import SendStageNowAction
from syncstatus.admin_actions import RefreshFromInfaktAction


class CaseAdmin(SendStageNowAction, RefreshFromInfaktAction, GenerateDemandAction, cases_admin.CaseAdmin):
    inlines = [*cases_admin.CaseAdmin.inlines, NotificationInline]
    actions = [
        "pause_cases",
        "resume_cases",
        "confirm_amount",
        "close_cases",
        "send_stage_now",
        "mark_handed_over",
        "refresh_from_infakt",
        "waive_claims",
        "generate_demand",
    ]
    page_actions = [*cases_admin.CaseAdmin.page_actions, "send_stage_now", "refresh_from_infakt"]


def register_admins(site: admin.AdminSite) -> None:
    site.register(Case, CaseAdmin)
    site.register(ReminderStage, ReminderStageAdmin)
