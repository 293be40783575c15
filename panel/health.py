"""The one health module: the banner's alerts (panel, reports, admin start page, daily summary) and the
uptime check's JSON (/healthz). Both read the sync's freshness through `sync_freshness`.

The alerts name what is wrong, how many, and link to the cases (or e-mails) concerned: a handful of
small queries. /healthz reveals nothing sensitive: no host names, versions, keys, addresses or
customer figures; only states, ages, and counts of messages and of background tasks waiting.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Case
from cases.selectors import case_count_to_hand_over, clients_with_too_many_emails, missing_email_q
from common import formatting
from notifications.models import Notification, ReminderRun
from notifications.selectors import reminder_review_pending
from syncstatus.models import SyncRun
from syncstatus.selectors import sync_run_last_successful

from .selectors import data_version

log = logging.getLogger("invoicetracker.health")


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Alert:
    code: str  # sync_stale, sync_partial, sends_held, emails_failed, no_email
    level: str  # "error" or "warning"
    message: str
    count: int = 0
    links: list[Link] = field(default_factory=list)


def _url(name: str, query: dict | None = None, *args) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


@dataclass(frozen=True)
class SyncFreshness:
    last: SyncRun | None  # the last successful daily or full sync (None: never)
    age_hours: float | None
    stale: bool  # never, or finished more than SYNC_STALE_AFTER_HOURS ago


def sync_freshness(*, now: datetime) -> SyncFreshness:
    """Is the InFakt data current? The one rule both the banner and /healthz apply."""
    last = sync_run_last_successful()
    if last is None:
        return SyncFreshness(None, None, True)
    age = (now - last.finished_at).total_seconds() / 3600
    return SyncFreshness(last, age, age > settings.SYNC_STALE_AFTER_HOURS)


def check_sync_fresh(*, now: datetime) -> Alert | None:
    """The last successful daily or full sync finished more than SYNC_STALE_AFTER_HOURS ago (or never)."""
    freshness = sync_freshness(now=now)
    if not freshness.stale:
        return None
    last = freshness.last
    latest = SyncRun.objects.filter(dry_run=False).exclude(status=SyncRun.Status.RUNNING).first()
    links = [Link(_("Sprawy aktywne (dane mogą być nieaktualne)"), _url("cases:active"))]
    if latest is not None:
        links.insert(
            0,
            Link(
                _("Ostatnia próba: synchronizacja #%(id)s") % {"id": latest.pk}, _url("syncstatus:run", None, latest.pk)
            ),
        )
    if last is None:
        message = _("Nie było jeszcze udanej synchronizacji z InFakt.")
    else:
        hours = int(freshness.age_hours)
        message = _(
            "Ostatnia udana synchronizacja z InFakt zakończyła się %(when)s, %(hours)s h temu "
            "(oczekiwana co najmniej raz na %(limit)s h)."
        ) % {
            "when": formatting.format_datetime(last.finished_at),
            "hours": hours,
            "limit": settings.SYNC_STALE_AFTER_HOURS,
        }
    if latest is not None and latest.status == SyncRun.Status.FAILED:
        first_line = (latest.error or "").strip().splitlines()
        message += " " + _("Ostatnia próba (#%(id)s) nie powiodła się: %(error)s") % {
            "id": latest.pk,
            "error": first_line[0][:200] if first_line else "?",
        }
    active = Case.objects.filter(status=Case.Status.ACTIVE).count()
    return Alert("sync_stale", "error", message, active, links)


def check_sync_partial() -> Alert | None:
    """The latest finished real run skipped records or could not read an endpoint: staff should look."""
    latest = (
        SyncRun.objects.filter(dry_run=False)
        .exclude(status=SyncRun.Status.RUNNING)
        .only("pk", "status", "records_skipped", "failed_endpoints", "target_date")
        .first()
    )
    if latest is None or latest.status != SyncRun.Status.PARTIAL:
        return None
    parts = []
    links = []
    if latest.records_skipped:
        parts.append(
            _("pominęła rekordów z InFakt: %(n)s (każdy z identyfikatorem i powodem)") % {"n": latest.records_skipped}
        )
        links.append(Link(_("Pominięte rekordy"), _url("syncstatus:run", None, latest.pk) + "#skipped"))
    failed = [f"/{item.get('endpoint')}.json" for item in latest.failed_endpoints or []]
    if failed:
        parts.append(_("nie odczytała: %(endpoints)s") % {"endpoints": ", ".join(failed)})
        links.append(Link(_("Niedostępne endpointy"), _url("syncstatus:run", None, latest.pk) + "#failed-endpoints"))
    if not parts:
        links.append(Link(_("Synchronizacja #%(id)s") % {"id": latest.pk}, _url("syncstatus:run", None, latest.pk)))
        parts.append(_("zakończyła się z problemami"))
    message = _("Ostatnia synchronizacja (#%(id)s, %(day)s) %(what)s.") % {
        "id": latest.pk,
        "day": formatting.format_date(latest.target_date),
        "what": "; ".join(str(part) for part in parts),
    }
    return Alert("sync_partial", "warning", message, latest.records_skipped or len(failed), links)


def check_sends_held() -> Alert | None:
    """The latest reminder run held sends (its sync failed, was stale, missing or still running)."""
    run = ReminderRun.objects.order_by("-started_at").first()
    if run is None or not run.held:
        return None
    held = Notification.objects.filter(status=Notification.Status.HELD, send_date=run.day)
    cases = held.values("case_id").distinct().count()
    message = _("Wstrzymano wysyłkę przypomnień z dnia %(day)s (sprawy: %(n)s). Powód: %(reason)s") % {
        "day": formatting.format_date(run.day),
        "n": cases or run.held,
        "reason": run.held_reason or "?",
    }
    links = [
        Link(
            _("Wstrzymane przypomnienia i ich sprawy"),
            _url(
                "admin:notifications_notification_changelist",
                {"status__exact": Notification.Status.HELD, "send_date": run.day.isoformat()},
            ),
        )
    ]
    if run.sync_run_id:
        links.append(
            Link(_("Synchronizacja #%(id)s") % {"id": run.sync_run_id}, _url("syncstatus:run", None, run.sync_run_id))
        )
    return Alert("sends_held", "error", message, cases or run.held, links)


def check_emails_failed() -> Alert | None:
    """E-mails that failed on active cases, or whose outcome is uncertain: staff must look at them."""
    status = Notification.Status
    failed = Notification.objects.filter(status=status.FAILED, case__status=Case.Status.ACTIVE).count()
    uncertain = Notification.objects.filter(status=status.UNCERTAIN).count()
    if not failed and not uncertain:
        return None
    message = _("E-maile z błędem wysyłki: %(failed)s; o niepewnym wyniku (do sprawdzenia ręcznie): %(uncertain)s.") % {
        "failed": failed,
        "uncertain": uncertain,
    }
    links = [
        Link(
            _("E-maile z błędem lub niepewne, z ich sprawami"),
            _url("admin:notifications_notification_changelist", {"outcome": "error"}),
        )
    ]
    return Alert("emails_failed", "error", message, failed + uncertain, links)


def check_clients_without_email() -> Alert | None:
    """Active cases whose client has no usable e-mail address: no reminder can reach them."""
    # One query; `missing_email_q` reads the clients without a usable address (few), not every case's client.
    figures = (
        Case.objects.filter(status=Case.Status.ACTIVE)
        .filter(missing_email_q())
        .aggregate(cases=Count("id"), clients=Count("invoice__client_infakt_id", distinct=True))
    )
    count = figures["cases"]
    if not count:
        return None
    clients = figures["clients"]
    message = _(
        "Aktywne sprawy bez poprawnego adresu e-mail kontrahenta: %(cases)s (kontrahenci: %(clients)s). "
        "Przypomnienia do nich nie wyjdą, dopóki adres nie zostanie uzupełniony w InFakt."
    ) % {"cases": count, "clients": clients}
    links = [Link(_("Sprawy bez adresu e-mail"), _url("cases:active", {"missing_email": "true"}))]
    return Alert("no_email", "warning", message, count, links)


def check_first_run_review() -> Alert | None:
    """The first letters the app would ever send wait for staff approval (policy section 4)."""
    if not reminder_review_pending():
        return None
    held = Notification.objects.filter(
        status=Notification.Status.HELD, reason=Notification.Reason.FIRST_RUN_REVIEW
    ).count()
    if not held:
        return None
    message = _(
        "Pierwsza wysyłka przypomnień czeka na zatwierdzenie: wstrzymanych listów %(held)s. "
        "Przejrzyj je i zatwierdź jednym przyciskiem."
    ) % {"held": held}
    return Alert(
        "first_run_review", "warning", message, held, [Link(_("Przejrzyj i zatwierdź"), _url("reminders:review"))]
    )


def check_to_hand_over() -> Alert | None:
    """Cases at the end of the ladder that nobody has handed over yet."""
    count = case_count_to_hand_over()[Case.Handover.TO_HAND_OVER]
    if not count:
        return None
    message = _("Sprawy po ostatnim etapie przypomnień, do przekazania (windykacja, kancelaria): %(count)s.") % {
        "count": count
    }
    links = [Link(_("Sprawy do przekazania"), _url("cases:active", {"handover": "to_hand_over"}))]
    return Alert("to_hand_over", "warning", message, count, links)


def check_too_many_addresses() -> Alert | None:
    """Clients with more addresses than one e-mail may carry: only the first REMINDER_MAX_RECIPIENTS get it."""
    limit = settings.REMINDER_MAX_RECIPIENTS
    # The count first: the partial index on the address count (cases 0017) answers it from the few
    # clients concerned; the names (in name order) are read only when there are some.
    count = clients_with_too_many_emails(limit=limit).count()
    if not count:
        return None
    names = list(clients_with_too_many_emails(limit=limit).values_list("company_name", "last_name")[:6])
    shown = ", ".join((company or last) for company, last in names[:5]) + ("…" if count > 5 else "")
    message = _(
        "Kontrahenci z więcej niż %(limit)s adresami e-mail: %(count)s (%(names)s). Przypomnienia trafiają "
        "tylko do pierwszych %(limit)s adresów; uporządkuj adresy w InFakt."
    ) % {"limit": limit, "count": count, "names": shown}
    return Alert("too_many_addresses", "warning", message, count, [])


HEALTH_CACHE_SECONDS = 60


def health_alerts_cached() -> list[Alert]:
    """`health_alerts()` for the pages (panel, reports, admin start page): computed again when the data
    changes (panel.selectors.data_version) or the minute turns (the sync's age), else from the cache."""
    now = timezone.now()
    key = (
        "health:"
        + hashlib.sha256(
            repr((now.replace(second=0, microsecond=0), translation.get_language(), data_version())).encode()
        ).hexdigest()
    )
    return cache.get_or_set(key, lambda: health_alerts(now=now), HEALTH_CACHE_SECONDS)


def health_alerts(*, now: datetime | None = None) -> list[Alert]:
    """Every failing check, most serious first; an empty list means all is well."""
    now = now or timezone.now()
    checks = [
        check_sync_fresh(now=now),
        check_sync_partial(),
        check_sends_held(),
        check_emails_failed(),
        check_clients_without_email(),
        check_first_run_review(),
        check_to_hand_over(),
        check_too_many_addresses(),
    ]
    return [alert for alert in checks if alert is not None]


# --- /healthz: the uptime check's answer -----------------------------------------------------------


def _database_freshness(now: datetime) -> SyncFreshness | None:
    """The sync's freshness, or None when the database does not answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return sync_freshness(now=now)
    except DatabaseError as exc:
        log.error("health: database unreachable (%s)", type(exc).__name__)
        return None


def _queue_backlog() -> int | None:
    """Tasks waiting for a worker (None when the broker cannot say)."""
    try:
        from django_q.brokers import get_broker  # django_q reads Q_CLUSTER at import

        return int(get_broker().queue_size())
    except Exception as exc:
        log.warning("health: task queue unreadable (%s)", type(exc).__name__)
        return None


def _sending_health(now: datetime) -> tuple[str, dict]:
    """("ok" | "failing" | "uncertain", counts): failing while an SMTP failure of the last 24 hours
    came after the last successful send; uncertain while a message may or may not have gone (staff
    must confirm or resend it), including a claim left without an SMTP answer by a crashed run."""
    status = Notification.Status
    since = now - timedelta(hours=24)
    recent = Notification.objects.filter(
        status__in=[status.SENT, status.FAILED], send_date__gte=timezone.localdate(since)
    ).aggregate(
        sent=Count("pk", filter=Q(status=status.SENT, sent_at__gte=since)),
        failed=Count("pk", filter=Q(status=status.FAILED, updated_at__gte=since)),
    )
    stale_claim = now - timedelta(minutes=settings.REMINDER_CLAIM_STALE_MINUTES)
    uncertain = Notification.objects.filter(
        Q(status=status.UNCERTAIN) | Q(status=status.QUEUED, updated_at__lt=stale_claim)
    ).count()
    last_sent = (
        Notification.objects.filter(status=status.SENT, sent_at__isnull=False)
        .order_by("-send_date", "-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    failing = (
        Notification.objects.filter(status=status.FAILED, updated_at__gte=since)
        .filter(Q(updated_at__gt=last_sent) if last_sent else Q())
        .exists()
    )
    counts = {
        "sent_last_24h": recent["sent"],
        "failed_last_24h": recent["failed"],
        "uncertain": uncertain,
        "last_successful_send_age_hours": round((now - last_sent).total_seconds() / 3600, 2) if last_sent else None,
    }
    return ("failing" if failing else "uncertain" if uncertain else "ok"), counts


def health_status(*, now: datetime | None = None) -> dict:
    """{status, database, sync, last_successful_sync_age_hours, email, emails, ...}; status "ok" or "fail"."""
    now = now or timezone.now()
    problems: list[str] = []
    data: dict = {
        "status": "ok",
        "database": "ok",
        "sync": "ok",
        "last_successful_sync_age_hours": None,
        "sync_stale_after_hours": settings.SYNC_STALE_AFTER_HOURS,
        "queue_backlog": None,
        "email": "unknown",
        "emails": None,
        "checked_at": now.isoformat(timespec="seconds"),
    }
    freshness = _database_freshness(now)
    if freshness is None:
        data["database"] = "unreachable"
        data["sync"] = "unknown"
        problems.append("database_unreachable")
    else:
        if freshness.last is None:
            data["sync"] = "never"
            problems.append("sync_never_succeeded")
        else:
            data["last_successful_sync_age_hours"] = round(freshness.age_hours, 2)
            if freshness.stale:
                data["sync"] = "stale"
                problems.append("sync_stale")
        data["queue_backlog"] = _queue_backlog()
        try:
            data["email"], data["emails"] = _sending_health(now)
        except DatabaseError as exc:
            log.error("health: e-mail log unreadable (%s)", type(exc).__name__)
            problems.append("database_unreachable")
        else:
            if data["email"] != "ok":
                problems.append(f"email_{data['email']}")
    if problems:
        data["status"] = "fail"
    data["problems"] = problems
    return data
