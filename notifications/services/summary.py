"""The managers' daily summary e-mail: who gets it, and rendering and sending it.

The figures are gathered above (panel.reports.daily_summary_for) and passed down as a plain
`DailySummary`; this module neither reads the sync engine nor computes a report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.utils import translation

from ..emails import render_triplet

log = logging.getLogger("invoicetracker.reports")


@dataclass
class DailySummary:
    """The previous day's figures, as the e-mail templates (emails/daily-summary-*) read them."""

    day: date
    runs: list[Any]  # the day's sync runs (their counters, kind, status), oldest first
    cases_opened: int
    cases_closed: int
    emails: dict[str, int]
    held_reasons: list[str]
    api_requests: int
    api_rate_limited: int
    records_skipped: int
    aging: list[Any]  # rows of currency, cells (label, count, amount), count, amount, interest, compensation
    alerts: list[Any]  # what needs attention: message and links (label, url)

    @property
    def last_run(self) -> Any | None:
        return self.runs[-1] if self.runs else None


def daily_summary_recipients() -> list[str]:
    """DAILY_SUMMARY_RECIPIENTS when set; otherwise the e-mails of the active users in "Managers"."""
    if settings.DAILY_SUMMARY_RECIPIENTS:
        return list(settings.DAILY_SUMMARY_RECIPIENTS)
    users = get_user_model().objects.filter(is_active=True, groups__name="Managers").exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if settings.SITE_URL else ""


def daily_summary_email_send(
    summary: DailySummary, *, recipients: list[str], panel_path: str, reports_path: str, connection=None
) -> int:
    """E-mail `summary` (in Polish) to `recipients`, linking the panel and the reports. Returns recipients."""
    with translation.override("pl"):
        context = {
            "summary": summary,
            "panel_url": absolute(panel_path),
            "reports_url": absolute(reports_path),
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        subject, body_text, body_html = render_triplet("daily-summary", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        connection=connection,
    )
    message.attach_alternative(body_html, "text/html")
    message.send()
    log.info("daily summary for %s sent to %s recipient(s)", summary.day, len(recipients))
    return len(recipients)
