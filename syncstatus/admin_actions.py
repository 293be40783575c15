"""The case admin's "refresh from InFakt now", added to `cases.admin.CaseAdmin` where the site is
assembled (invoicetracker/admin.py): `cases` never imports `syncstatus`. The decision is the service's
(syncstatus/services/refresh.py); the action words its outcome."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from cases.admin.actions import back_to_case

from .models import SyncRun
from .services.refresh import REFRESH_MAX_CASES, RefreshResult, sync_refresh_cases_or_mark


class RefreshFromInfaktAction:
    """A model admin of cases with the action `refresh_from_infakt` (needs syncstatus.run_sync)."""

    def has_run_sync_permission(self, request):
        return request.user.has_perm("syncstatus.run_sync")

    @admin.action(description=_("Odśwież z InFakt teraz"), permissions=["run_sync"])
    def refresh_from_infakt(self, request, queryset):
        outcome = sync_refresh_cases_or_mark(cases=queryset, user=request.user, trigger=SyncRun.Trigger.ADMIN)
        match outcome.result:
            case RefreshResult.NONE_ACTIVE:
                self.message_user(request, _("Żadna z zaznaczonych spraw nie jest aktywna."), messages.WARNING)
                return None
            case RefreshResult.TOO_MANY:
                self.message_user(
                    request,
                    _("Odświeżyć można najwyżej %(max)s spraw naraz; zawęź wybór.") % {"max": REFRESH_MAX_CASES},
                    messages.ERROR,
                )
                return None
            case RefreshResult.MARKED:
                self.message_user(
                    request,
                    _("%(why)s Spraw oznaczonych do odświeżenia przy następnej synchronizacji: %(n)s")
                    % {"why": outcome.why, "n": outcome.marked},
                    messages.WARNING,
                )
            case RefreshResult.FAILED:
                self.message_user(
                    request,
                    _("Odświeżenie nie powiodło się (synchronizacja nr %(run)s): %(error)s")
                    % {"run": outcome.run.pk, "error": outcome.run.error},
                    messages.ERROR,
                )
            case RefreshResult.REFRESHED:
                run = outcome.run
                self.message_user(
                    request,
                    _(
                        "Odświeżono z InFakt spraw: %(refreshed)s, zmienionych: %(updated)s, zamkniętych: %(closed)s "
                        "(synchronizacja nr %(run)s, %(status)s)."
                    )
                    % {
                        "refreshed": run.cases_refreshed,
                        "updated": run.cases_updated,
                        "closed": run.cases_closed,
                        "run": run.pk,
                        "status": run.get_status_display(),
                    },
                    messages.SUCCESS if run.status == SyncRun.Status.SUCCESS else messages.WARNING,
                )
        return back_to_case(request)
