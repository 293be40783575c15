"""django-q2 entry points of the reports: fetch arguments, call the service, nothing else."""

from __future__ import annotations

import logging

from django.conf import settings

from .reports import daily_summary_send
from .snapshots import reports_refresh as reports_snapshot_refresh
from .snapshots import reports_refresh_usual

log = logging.getLogger("invoicetracker.tasks")

# After these tasks (a sync, a sending run) the worker refreshes the reports snapshots (panel.apps).
REFRESH_AFTER = frozenset(
    {
        "syncstatus.tasks.daily_sync",
        "syncstatus.tasks.panel_sync",
        "notifications.tasks.reminders_send_due",
    }
)


def daily_summary() -> int:
    """The managers' morning e-mail with yesterday's figures (off with DAILY_SUMMARY_ENABLED=false)."""
    if not settings.DAILY_SUMMARY_ENABLED:
        return 0
    return daily_summary_send()


def reports_refresh(days: int, language: str) -> bool:
    """The reports snapshot of one period and language, queued by a visitor who was served a stale one."""
    return reports_snapshot_refresh(days=days, language=language)


def reports_refresh_after_task(sender, func=None, task=None, **kwargs) -> None:
    """django-q2's post_execute_in_worker: in the worker, right after a sync or a sending run (succeeded
    or not: either changes the figures), the snapshots of every period and language. Never raises (the
    signal is sent outside the task's error handling)."""
    name = (task or {}).get("func")
    if not isinstance(name, str) or name not in REFRESH_AFTER:
        return
    try:
        reports_refresh_usual()
    except Exception:
        log.exception("reports snapshots not refreshed after %s", name)
