"""django-q2 entry points of the reports: fetch arguments, call the service, nothing else."""

from __future__ import annotations

from django.conf import settings

from .reports import daily_summary_send


def daily_summary() -> int:
    """The managers' morning e-mail with yesterday's figures (off with DAILY_SUMMARY_ENABLED=false)."""
    if not settings.DAILY_SUMMARY_ENABLED:
        return 0
    return daily_summary_send()
