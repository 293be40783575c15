"""Reads of the sync engine's own state: the running, latest and last successful runs, a "run now" waiting
for a worker, and the labels the admin and the panel show for phases and request kinds. Nothing here writes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification
from notifications.selectors import SyncCheck

from .models import SyncRun

# InFakt allows 300 GET requests per 60 s per source IP (Reference: https://github.com/infakt/API, limits).
INFAKT_GET_LIMIT_PER_MINUTE = 300

# The phases `_Sync.execute` (services/run.py) walks through, in order, per kind of run.
PHASE_LABELS = {
    "": _("Start"),
    "unpaid": _("Faktury nieopłacone"),
    "paid": _("Faktury opłacone od ostatniej synchronizacji"),
    "late": _("Faktury wystawione po terminie okna"),
    "confirm": _("Potwierdzanie brakujących faktur"),
    "clients": _("Kontrahenci"),
    "done": _("Zakończona"),
}
# InFakt request kinds as the client counts them (infakt.client.RequestKind), for people.
REQUEST_KIND_LABELS = {
    "invoice_list": _("listy faktur"),
    "invoice_detail": _("pojedyncze faktury"),
    "client_list": _("listy kontrahentów"),
    "client_detail": _("pojedynczy kontrahenci"),
}


def request_kinds_display(by_kind: dict | None) -> list[tuple[str, int]]:
    """[(label, requests)] in a fixed order; unknown kinds keep their key."""
    order = list(REQUEST_KIND_LABELS)
    items = sorted((by_kind or {}).items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0]))
    return [(str(REQUEST_KIND_LABELS.get(kind, kind)), n) for kind, n in items]


PHASES = {
    SyncRun.Kind.DAILY: ["unpaid", "paid", "late", "confirm", "clients"],
    SyncRun.Kind.FULL: ["unpaid", "paid", "late", "confirm", "clients"],
    SyncRun.Kind.REFRESH: ["unpaid", "confirm", "clients"],
}

# The django-q2 group of "run now" tasks, to tell a queued one apart.
PANEL_SYNC_GROUP = "panel-sync"


# --- Runs ---------------------------------------------------------------------------------


def sync_run_running() -> SyncRun | None:
    return SyncRun.objects.filter(status=SyncRun.Status.RUNNING).first()


def sync_run_latest() -> SyncRun | None:
    return SyncRun.objects.order_by("-started_at").first()


def sync_run_last_successful() -> SyncRun | None:
    """The latest finished real sync (daily or full) that completed: success or partial."""
    return (
        SyncRun.objects.filter(
            status__in=[SyncRun.Status.SUCCESS, SyncRun.Status.PARTIAL],
            dry_run=False,
            kind__in=[SyncRun.Kind.DAILY, SyncRun.Kind.FULL],
        )
        .order_by("-finished_at")
        .first()
    )


def panel_sync_queued_at() -> datetime | None:
    """When a "run now" task was queued and no worker has picked it up yet (ORM broker only)."""
    if "orm" not in settings.Q_CLUSTER:
        return None
    from django_q.models import OrmQ  # django_q reads settings at import

    now = timezone.now()
    waiting = [q for q in OrmQ.objects.filter(lock__lte=now).order_by("lock") if q.group() == PANEL_SYNC_GROUP]
    return waiting[0].lock if waiting else None


# --- May the reminders go out? (the freshness rule notifications relies on) ---------------------


def reminder_sync_for_day(*, day: date) -> SyncRun | None:
    """The latest real (not dry, not a case refresh) sync run for `day`."""
    return (
        SyncRun.objects.filter(target_date=day, dry_run=False, kind__in=[SyncRun.Kind.DAILY, SyncRun.Kind.FULL])
        .order_by("-started_at")
        .first()
    )


def reminder_sync_check(*, day: date, now: datetime | None = None) -> SyncCheck:
    """May reminders for `day` be sent? Only on the strength of that day's finished, successful sync.
    Registered with notifications (notifications.selectors.reminder_sync_check) by SyncstatusConfig.ready()."""
    now = now or timezone.now()
    run = reminder_sync_for_day(day=day)
    reason = Notification.Reason
    if run is None:
        return SyncCheck(None, reason.SYNC_MISSING, f"Brak synchronizacji z InFakt na dzień {day:%d.%m.%Y}.")
    if run.status == SyncRun.Status.RUNNING:
        return SyncCheck(run, reason.SYNC_RUNNING, f"Synchronizacja #{run.pk} jeszcze trwa.")
    if run.status == SyncRun.Status.FAILED:
        detail = (run.error or "").strip().splitlines()
        suffix = f": {detail[0][:200]}" if detail else ""
        return SyncCheck(run, reason.SYNC_FAILED, f"Synchronizacja #{run.pk} nie powiodła się{suffix}.")
    max_age = timedelta(hours=settings.REMINDER_SYNC_MAX_AGE_HOURS)
    if run.finished_at is None or run.finished_at < now - max_age:
        finished = timezone.localtime(run.finished_at).strftime("%d.%m.%Y %H:%M") if run.finished_at else "?"
        return SyncCheck(
            run,
            reason.SYNC_STALE,
            f"Synchronizacja #{run.pk} zakończyła się {finished}, ponad "
            f"{settings.REMINDER_SYNC_MAX_AGE_HOURS} h temu; potrzebna świeża.",
        )
    return SyncCheck(run)
