"""The sync status panel, a page per run, the JSON the live poller reads, "run now", and the reports.

The sync engine (syncstatus) does the work; these views read it and format what it says.

Login is required by the middleware; reading needs `syncstatus.view_syncrun` (Staff and Managers),
starting a sync needs `syncstatus.run_sync` (Staff): anyone else gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from common import formatting
from common.calendar import business_today
from documents.selectors import interest_note_totals
from syncstatus import selectors as sync_selectors
from syncstatus.models import SyncRun
from syncstatus.services import sync_run_enqueue, sync_run_is_stalled

from . import reports, selectors, snapshots
from .health import health_alerts_cached

view_required = permission_required("syncstatus.view_syncrun", raise_exception=True)
RUN_LIST_LIMIT = 50
DETAIL_ROW_LIMIT = 500


def live_state(*, run_id: int | None = None) -> dict:
    """What the live box shows: the running run (or `run_id`'s), else the latest finished, and a queued task."""
    now = timezone.now()
    if run_id is not None:
        run = get_object_or_404(SyncRun, pk=run_id)
    else:
        run = sync_selectors.sync_run_running() or sync_selectors.sync_run_latest()
    queued_at = sync_selectors.panel_sync_queued_at() if run_id is None else None
    data = {"run": None, "state": "idle", "queued_at": None}
    if queued_at is not None:
        data["queued_at"] = formatting.format_datetime(queued_at)
    if run is not None:
        emails = None
        if run.status != SyncRun.Status.RUNNING:
            emails = selectors.email_counts_by_sync_run(run_ids=[run.pk]).get(run.pk, {})
        data["run"] = selectors.run_as_json(run, emails=emails, now=now)
        data["run"]["stalled"] = sync_run_is_stalled(run, now=now)
        data["run"]["url"] = reverse("syncstatus:run", args=[run.pk])
        data["run"]["fields"]["heartbeat"] = formatting.format_datetime(run.heartbeat_at)
        data["state"] = "running" if run.status == SyncRun.Status.RUNNING else "finished"
    if data["state"] != "running" and queued_at is not None:
        data["state"] = "queued"
    return data


@require_GET
@view_required
def panel(request: HttpRequest) -> HttpResponse:
    runs = selectors.sync_run_list(limit=RUN_LIST_LIMIT)
    return render(
        request,
        "syncstatus/panel.html",
        {
            "title": _("Synchronizacja z InFakt"),
            "alerts": health_alerts_cached(),
            "runs": runs,
            "live": live_state(),
            "can_run": request.user.has_perm("syncstatus.run_sync"),
            "last_successful": sync_selectors.sync_run_last_successful(),
        },
    )


@require_GET
@never_cache
@view_required
def status_json(request: HttpRequest) -> JsonResponse:
    """The panel's poller: the running (or latest) run's phase, progress and counters."""
    return JsonResponse(live_state())


@require_GET
@never_cache
@view_required
def run_status_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The run page's poller: this run's phase, progress and counters."""
    return JsonResponse(live_state(run_id=pk))


@require_GET
@never_cache
@view_required
def health_fragment(request: HttpRequest) -> HttpResponse:
    """The health banner as an HTML fragment, for the admin start page."""
    return render(request, "syncstatus/_alerts.html", {"alerts": health_alerts_cached()})


@require_GET
@view_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SyncRun.objects.select_related("triggered_by"), pk=pk)
    notifications = selectors.sync_run_notifications(run=run)
    skipped = selectors.sync_run_skipped_records(run=run)
    return render(
        request,
        "syncstatus/run_detail.html",
        {
            "title": _("Synchronizacja #%(id)s") % {"id": run.pk},
            "run": run,
            "live": live_state(run_id=run.pk),
            "skipped": skipped[:DETAIL_ROW_LIMIT],
            "skipped_count": skipped.count(),
            "notifications": notifications[:DETAIL_ROW_LIMIT],
            "notifications_count": notifications.count(),
            "reminder_runs": selectors.sync_run_reminder_runs(run=run),
            "by_kind": sync_selectors.request_kinds_display(run.api_requests_by_kind),
            "row_limit": DETAIL_ROW_LIMIT,
        },
    )


@require_POST
@permission_required("syncstatus.run_sync", raise_exception=True)
def run_now(request: HttpRequest) -> HttpResponse:
    """Queue today's sync (syncstatus.services.sync_run_enqueue) and say what happened."""
    outcome = sync_run_enqueue(user=request.user)
    if outcome.running is not None:
        messages.error(
            request,
            _(
                "Nie uruchomiono: synchronizacja #%(id)s trwa od %(time)s (etap: %(phase)s). "
                "Jej postęp widać poniżej; nową można uruchomić po jej zakończeniu."
            )
            % {
                "id": outcome.running.pk,
                "time": formatting.format_datetime(outcome.running.started_at),
                "phase": sync_selectors.PHASE_LABELS.get(outcome.running.phase, outcome.running.phase),
            },
        )
    elif outcome.waiting_since is not None:
        messages.error(
            request,
            _(
                "Nie uruchomiono: synchronizacja zlecona o %(time)s czeka już na proces w tle. "
                "Jeśli czeka dłużej niż minutę, sprawdź, czy działa proces zadań (qcluster)."
            )
            % {"time": formatting.format_datetime(outcome.waiting_since)},
        )
    else:
        messages.success(
            request,
            _("Zlecono synchronizację na dzień %(day)s. Jej postęp pojawi się poniżej.")
            % {"day": formatting.format_date(outcome.day)},
        )
    return redirect("syncstatus:panel")


@require_GET
@view_required
def reports_view(request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.GET.get("days", reports.PERIODS[0]))
    except ValueError:
        days = reports.PERIODS[0]
    if days not in reports.PERIODS:
        days = reports.PERIODS[0]
    # The snapshot's own day and period: a stale one shows the figures as they were, with their time.
    page = snapshots.reports_page(days=days, today=business_today())
    return render(
        request,
        "syncstatus/reports.html",
        {
            "title": _("Raporty"),
            "days": days,
            "periods": reports.PERIODS,
            **page,
            "note_totals": interest_note_totals(),
            "alerts": health_alerts_cached(),
        },
    )
