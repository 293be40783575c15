"""The clerk's worklist (/cases/today/) and "send the next letter now" from the case page.

Every row acts in place: a form posts here with `action`, the view calls the service the admin
action calls, and redirects back to the section's anchor with a message. Staff act; managers
(view permissions only) read the same page without forms, and their POSTs are refused (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_q.tasks import async_task

from cases.models import Case, Client
from cases.services import case_confirm_amount, case_mark_handed_over, case_promise_end
from common.calendar import business_today
from common.formatting import format_date
from notifications.models import Notification
from notifications.selectors import reminder_review_pending
from notifications.services import (
    ReminderNotSendable,
    notification_confirm_sent,
    notification_resend,
    reminder_hold_client,
    reminder_hold_letter,
    reminder_review_approve,
    reminder_send_manual,
)

from . import selectors

# action -> (permission, the section's anchor)
ACTIONS = {
    "hold_letter": ("notifications.send_manual", "letters"),
    "hold_client": ("notifications.send_manual", "letters"),
    "approve_review": ("notifications.send_manual", "letters"),
    "hand_over": ("cases.change_case", "handover"),
    "promise_end": ("cases.change_case", "promises"),
    "confirm_amount": ("cases.change_case", "review"),
    "confirm_sent": ("notifications.send_manual", "sends"),
    "resend": ("notifications.send_manual", "sends"),
}


@require_http_methods(["GET", "POST"])
@permission_required("cases.view_case", raise_exception=True)
def today(request: HttpRequest) -> HttpResponse:
    day = business_today()
    if request.method == "POST":
        return _act(request, day)
    perms = request.user
    context = {
        "title": _("Na dziś"),
        "tab": "today",
        "day": day,
        "plan": selectors.letters_today(day=day),
        "next_plan": selectors.letters_next_day(today=day),
        "review_pending": reminder_review_pending(),
        "handover": selectors.cases_to_hand_over(),
        "promises": selectors.promises_due(day=day),
        "amount_review": selectors.cases_awaiting_amount_review(),
        "no_email": selectors.clients_without_email(),
        "sends": selectors.sends_to_confirm(),
        "can_send": perms.has_perm("notifications.send_manual"),
        "can_change": perms.has_perm("cases.change_case"),
    }
    context["changes"], context["changed"] = selectors.changes_since_yesterday(day=day)
    return render(request, "worklist/today.html", context)


def _act(request: HttpRequest, day) -> HttpResponse:
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponseBadRequest(_("Nieznane działanie."))
    permission, anchor = ACTIONS[action]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    try:
        text, ok = _apply(request, action, day)
    except (ValidationError, ReminderNotSendable) as exc:
        text, ok = " ".join(getattr(exc, "messages", None) or [str(exc)]), False
    (messages.success if ok else messages.error)(request, text)
    return redirect(reverse("worklist:today") + f"#{anchor}")


def _object(model, request: HttpRequest, name: str):
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise ValidationError(_("Brak wskazanej pozycji."))
    return get_object_or_404(model, pk=int(value))


def _apply(request: HttpRequest, action: str, day) -> tuple[str, bool]:
    user = request.user
    if action == "hold_letter":
        case = _object(Case, request, "case")
        if reminder_hold_letter(case=case, user=user, day=day):
            return _("Wstrzymano list do %(number)s na dziś.") % {"number": case.invoice.number}, True
        return _("Na dziś nie ma listu do %(number)s.") % {"number": case.invoice.number}, False
    if action == "hold_client":
        client = _object(Client, request, "client")
        held = reminder_hold_client(client=client, user=user, day=day)
        return ngettext(
            "Wstrzymano %(count)d list do %(client)s na dziś.",
            "Wstrzymano %(count)d listów do %(client)s na dziś.",
            held,
        ) % {"count": held, "client": client.name}, bool(held)
    if action == "approve_review":
        excluded = [int(pk) for pk in request.POST.getlist("exclude") if pk.isdigit()]
        reminder_review_approve(user=user, exclude_case_ids=excluded, day=day)
        async_task("notifications.tasks.reminders_send_due", day.isoformat(), task_name=f"reminders-review-{day}")
        return _("Zatwierdzono pierwszą wysyłkę. Listy wychodzą w tle.") + " " + ngettext(
            "Wyłączono %(count)d sprawę.", "Wyłączono %(count)d spraw.", len(excluded)
        ) % {"count": len(excluded)}, True
    if action == "hand_over":
        case = _object(Case, request, "case")
        to = request.POST.get("to", "").strip()
        if not to:
            return _("Podaj, komu przekazano sprawę %(number)s.") % {"number": case.invoice.number}, False
        changed = case_mark_handed_over(cases=[case], user=user, to=to, on=day)
        if changed:
            return _("Sprawa %(number)s przekazana: %(to)s.") % {"number": case.invoice.number, "to": to}, True
        return _("Sprawy %(number)s nie można przekazać.") % {"number": case.invoice.number}, False
    if action == "promise_end":
        case = _object(Case, request, "case")
        if case_promise_end(case=case, user=user):
            return _("Obietnica w sprawie %(number)s odnotowana na osi czasu.") % {"number": case.invoice.number}, True
        return _("Sprawa %(number)s nie ma obietnicy zapłaty.") % {"number": case.invoice.number}, False
    if action == "confirm_amount":
        case = _object(Case, request, "case")
        if case_confirm_amount(case=case, user=user):
            return _("Potwierdzono kwotę w sprawie %(number)s; przypomnienia idą dalej.") % {
                "number": case.invoice.number
            }, True
        return _("Sprawa %(number)s nie czekała na potwierdzenie kwoty.") % {"number": case.invoice.number}, False
    notification = _object(Notification, request, "notification")
    number = notification.case.invoice.number
    if action == "confirm_sent":
        if notification_confirm_sent(notification=notification, user=user):
            return _("Potwierdzono wysłanie listu do %(number)s.") % {"number": number}, True
        return _("List do %(number)s nie był niepewny.") % {"number": number}, False
    sent = notification_resend(notification=notification, user=user)
    return _resend_text(sent, number)


def _resend_text(sent: Notification, number: str) -> tuple[str, bool]:
    if sent.status == Notification.Status.SENT:
        return _("Wysłano ponownie list do %(number)s.") % {"number": number}, True
    return _("Nie udało się wysłać listu do %(number)s: %(error)s") % {"number": number, "error": sent.error}, False


@require_POST
@permission_required("notifications.send_manual", raise_exception=True)
def send_next(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page's "send the next letter now": the case's next rung, by hand (policy 1: it counts
    as that rung's letter, lower unsent rungs are skipped by staff choice, the next is timed from today)."""
    case = get_object_or_404(Case.objects.select_related("invoice", "next_stage"), pk=pk)
    stage = case.next_stage
    if stage is None:
        messages.error(request, _("Drabina wezwań nie ma już następnego etapu."))
    else:
        try:
            sent = reminder_send_manual(case=case, stage=stage, user=request.user)
        except ReminderNotSendable as exc:
            messages.error(request, str(exc))
        else:
            if sent.status == Notification.Status.SENT:
                messages.success(
                    request,
                    _("Wysłano list „%(stage)s” (%(day)s) do: %(to)s.")
                    % {"stage": stage.name, "day": format_date(day_of(sent)), "to": ", ".join(sent.recipients)},
                )
            else:
                messages.error(
                    request, _("List nie wyszedł: %(error)s") % {"error": sent.error or sent.get_status_display()}
                )
    return redirect(reverse("cases:detail", args=[case.pk]) + "#actions")


def day_of(notification: Notification):
    return notification.send_date
