"""Interest notes to issue and issued, the notes' PDFs, and the demand PDF for cases of one client.

Every page needs login (middleware); managers read (view permission), staff issue and send
(`documents.issue_interestnote`).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.models import Case
from common.calendar import business_today
from common.formatting import format_money

from .models import InterestNote
from .services import (
    DemandError,
    InterestNoteError,
    demand_failure_record,
    demand_pdf_for_cases,
    interest_note_candidates,
    interest_note_issue,
    interest_note_mark_paid,
    interest_note_pdf,
    interest_note_send,
)

view_required = permission_required("documents.view_interestnote", raise_exception=True)
issue_required = permission_required("documents.issue_interestnote", raise_exception=True)
NOTES_PER_PAGE = 200


def pdf_response(content: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response


@require_GET
@view_required
def interest_notes(request):
    day = business_today()
    candidates = interest_note_candidates(day=day)
    notes = list(InterestNote.objects.select_related("case__invoice__client", "issued_by")[:NOTES_PER_PAGE])
    totals = InterestNote.objects.values("currency").annotate(noted=Sum("interest")).order_by("currency")
    collected = dict(
        InterestNote.objects.filter(paid_at__isnull=False)
        .values("currency")
        .annotate(total=Sum("interest"))
        .values_list("currency", "total")
    )
    return render(
        request,
        "documents/interest_notes.html",
        {
            "title": _("Noty odsetkowe"),
            "tab": "notes",
            "candidates": [
                {"case": case, "claim": claim, "interest": format_money(claim.interest, case.invoice.currency)}
                for case, claim in candidates
            ],
            "notes": notes,
            "totals": [
                {
                    "currency": row["currency"],
                    "noted": format_money(row["noted"], row["currency"]),
                    "collected": format_money(collected.get(row["currency"], 0), row["currency"]),
                }
                for row in totals
            ],
            "can_issue": request.user.has_perm("documents.issue_interestnote"),
        },
    )


def _note_service(request, service, failure: str, **params):
    """Run a note service; its InterestNoteError becomes `failure` (`%(error)s` and `params`) on the next page.

    Returns what the service returned, or None when it failed.
    """
    try:
        return service()
    except InterestNoteError as exc:
        messages.error(request, failure % {**params, "error": exc})
        return None


def note_action(view):
    """A staff POST that issues, sends or marks a note (messages on the way), then back to the notes page."""

    @require_POST
    @issue_required
    @wraps(view)
    def action(request, *args, **kwargs):
        view(request, *args, **kwargs)
        return redirect("documents:interest_notes")

    return action


@note_action
def interest_note_issue_view(request, case_id: int):
    case = get_object_or_404(Case, pk=case_id)
    note = _note_service(
        request, lambda: interest_note_issue(case=case, user=request.user), _("Nie wystawiono noty: %(error)s")
    )
    if note is not None:
        messages.success(request, _("Wystawiono notę odsetkową %(number)s.") % {"number": note.number})


@note_action
def interest_note_send_view(request, pk: int):
    note = get_object_or_404(InterestNote, pk=pk)
    sent = _note_service(
        request,
        lambda: interest_note_send(note=note, user=request.user),
        _("Nie wysłano noty %(number)s: %(error)s"),
        number=note.number,
    )
    if sent:
        messages.success(request, _("Wysłano notę %(number)s.") % {"number": note.number})
    elif sent is not None:
        messages.error(request, _("Serwer poczty odrzucił notę %(number)s.") % {"number": note.number})


@note_action
def interest_note_paid_view(request, pk: int):
    note = get_object_or_404(InterestNote, pk=pk)
    if interest_note_mark_paid(note=note, day=business_today(), user=request.user):
        messages.success(request, _("Nota %(number)s: odsetki zapłacone.") % {"number": note.number})


@require_GET
@view_required
def interest_note_pdf_view(request, pk: int):
    note = get_object_or_404(InterestNote.objects.select_related("case"), pk=pk)
    try:
        content = interest_note_pdf(note)
    except InterestNoteError as exc:
        return HttpResponse(str(exc), status=500, content_type="text/plain; charset=utf-8")
    return pdf_response(content, f"{note.number.replace('/', '-')}.pdf")


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def demand_pdf_view(request):
    """`?case=1&case=2[&lang=en]`: the demand for those cases (one client) as of today."""
    ids = [int(value) for value in request.GET.getlist("case") if value.isdigit()]
    cases = list(Case.objects.filter(pk__in=ids))
    language = request.GET.get("lang") if request.GET.get("lang") in {"pl", "en"} else None
    try:
        content = demand_pdf_for_cases(cases=cases, day=business_today(), language=language)
    except DemandError as exc:
        if cases and request.user.has_perm("cases.change_case"):
            demand_failure_record(cases=cases, error=str(exc), user=request.user)
        return HttpResponse(
            _("Nie można przygotować wezwania: %(error)s") % {"error": exc},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return pdf_response(content, f"wezwanie-{business_today():%Y-%m-%d}.pdf")
