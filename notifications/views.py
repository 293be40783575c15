"""The first-run review page (policy section 4): the held letters by client, approve with one button.

Staff (`notifications.send_manual`) approve; managers read. Login is required by the middleware.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_q.tasks import async_task

from common.calendar import business_today

from .emails import LetterItem, lead_item
from .models import ReminderReview
from .selectors import reminder_letters_planned, reminder_review_pending
from .services import recipients_for, reminder_review_approve
from .services.claims import client_has_too_many_emails


@require_http_methods(["GET", "POST"])
@permission_required("notifications.view_notification", raise_exception=True)
def review(request: HttpRequest) -> HttpResponse:
    can_approve = request.user.has_perm("notifications.send_manual")
    day = business_today()
    if request.method == "POST":
        if not can_approve:
            raise PermissionDenied
        excluded = [int(pk) for pk in request.POST.getlist("exclude") if pk.isdigit()]
        reminder_review_approve(user=request.user, exclude_case_ids=excluded, day=day)
        # The day's run, in the worker (a first day can hold hundreds of letters, throttled).
        async_task("notifications.tasks.reminders_send_due", day.isoformat(), task_name=f"reminders-review-{day}")
        messages.success(
            request,
            _(
                "Zatwierdzono pierwszą wysyłkę (wyłączone sprawy: %(excluded)s). Listy wychodzą w tle; "
                "wynik widać w panelu synchronizacji i w dzienniku przypomnień."
            )
            % {"excluded": len(excluded)},
        )
        return redirect("reminders:review")
    groups = []
    for group in reminder_letters_planned(day=day):
        items = [LetterItem(d.case, d.stage) for d in group.letters]
        groups.append(
            {
                "client": group.client,
                "recipients": recipients_for(group.client),
                "too_many": client_has_too_many_emails(group.client),
                "lead": lead_item(items).stage,
                "letters": group.letters,
            }
        )
    return render(
        request,
        "notifications/review.html",
        {
            "title": _("Pierwsza wysyłka przypomnień"),
            "day": day,
            "pending": reminder_review_pending(),
            "approval": ReminderReview.objects.select_related("approved_by").first(),
            "groups": groups,
            "letters": sum(len(g["letters"]) for g in groups),
            "can_approve": can_approve,
        },
    )
