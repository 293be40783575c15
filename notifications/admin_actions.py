"""The case admin's "send a stage now", added to `cases.admin.CaseAdmin` where the site is assembled
(invoicetracker/admin.py): `cases` never imports `notifications`."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from cases.admin.actions import ActionStep, parameter_action, report
from cases.forms import SendStageForm

from .models import Notification
from .services.batch import reminder_send_stage_now

SEND_STAGE = ActionStep(
    SendStageForm,
    "send_stage_now",
    _("Wyślij etap teraz"),
    _("E-mail wybranego etapu zostanie wysłany od razu do kontrahentów zaznaczonych spraw."),
)


class SendManualPermission:
    """Sending by hand (a stage now, a resend, a confirmation) needs notifications.send_manual."""

    def has_send_manual_permission(self, request):
        return request.user.has_perm("notifications.send_manual")


class SendStageNowAction(SendManualPermission):
    """A model admin of cases with the action `send_stage_now`."""

    @admin.action(description=_("Wyślij wybrany etap teraz…"), permissions=["change", "send_manual"])
    def send_stage_now(self, request, queryset):
        def apply(data):
            stage = data["stage"]
            outcome = reminder_send_stage_now(cases=queryset, stage=stage, user=request.user)
            summary = ", ".join(f"{Notification.Status(s).label}: {n}" for s, n in outcome.by_status.items()) or "0"
            message = _("Etap „%(stage)s”: %(summary)s") % {"stage": stage.name, "summary": summary}
            report(self, request, message, outcome.skipped)
            if outcome.failures:
                self.message_user(request, _("Nie wysłano: %s") % "; ".join(outcome.failures[:10]), messages.ERROR)

        return parameter_action(self, request, queryset, SEND_STAGE, apply)
