"""The letters section of a case's timeline, registered into `cases` from the top layer.

`cases` renders the case page but must not import `notifications`; this module (which may import
both) gives `cases.selectors.case_timeline` one row per letter through an explicit hook.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from notifications.models import Notification


def case_letters(case: Case) -> list[dict]:
    """One timeline row per letter row of the case (sent, skipped, held, failed, uncertain), oldest first."""
    rows = (
        Notification.objects.filter(case=case)
        .select_related("stage", "triggered_by")
        .defer("body_text", "body_html", "stage__body_text_pl", "stage__body_html_pl")
        .defer("stage__body_text_en", "stage__body_html_en")
        .order_by("created_at", "id")
    )
    entries = []
    for letter in rows:
        offset = letter.stage_offset if letter.stage_offset is not None else letter.stage.offset_days
        if letter.email_id:
            body_url = reverse("admin:notifications_remindermessage_change", args=[letter.email_id])
        elif letter.status in (Notification.Status.SKIPPED, Notification.Status.HELD):
            body_url = ""  # nothing was written to the client
        else:
            body_url = reverse("admin:notifications_notification_change", args=[letter.pk])
        entries.append(
            {
                "at": letter.sent_at or letter.created_at,
                "kind": "email",
                "label": _("list"),
                "text": f"„{letter.stage.name}” ({offset:+d})",
                "user": letter.triggered_by,
                "muted": letter.status == Notification.Status.SKIPPED,
                "letter": letter,
                "body_url": body_url,
                "offsets": [offset],
            }
        )
    return entries
