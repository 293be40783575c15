"""The client page (`/clients/<id>/`, issue 13): what a client owes, its cases, its letters, notes and contacts.

It shows `cases` and `notifications` data together, so it lives at the top layer (nothing below may
import `notifications` data upwards). Every section is capped and links to the full, filtered list, so
the page runs a constant number of queries however many cases and letters the client has.
Staff and managers read it (`cases.view_case`); the letters section needs the log's view permission.
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.db.models import Count, F, Min, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from cases.claim_selectors import case_claims, claim_display
from cases.models import Case, CaseEvent, Client, Invoice
from cases.selectors import InArray, case_list_for_ui
from common.calendar import business_today
from notifications.models import Notification, ReminderMessage

# How many rows each section shows before it links to the full list (with how many more there are).
# Small enough that the biggest client's page shows as many rows as an ordinary client's (issue 13).
OPEN_CASES_SHOWN = 20
CLOSED_CASES_SHOWN = 10
LETTERS_SHOWN = 30
NOTES_SHOWN = 20


def _client_cases(client: Client):
    """The client's cases as `invoice_id = ANY(ARRAY(the client's invoices))`: PostgreSQL probes the case's
    invoice index with the client's invoices (the client_id index) instead of reading every open or
    closed case of the database and keeping the client's (0.03-0.05 s at 100,000 cases)."""
    invoices = Invoice.objects.filter(client=client).order_by().values("pk")
    return Q(InArray(F("invoice_id"), invoices))


def client_totals(*, client: Client) -> tuple[list[dict], int]:
    """Per currency of the client's open cases: how many, the total left to pay (grosze), the oldest due
    date; and how many closed cases the client has. One aggregate over the client's own cases."""
    active, closed = Q(status=Case.Status.ACTIVE), Q(status=Case.Status.CLOSED)
    rows = (
        Case.objects.filter(_client_cases(client))
        .order_by()
        .values("invoice__currency")
        .annotate(
            count=Count("pk", filter=active),
            left_to_pay=Sum("invoice__left_to_pay", filter=active),
            oldest_due=Min("invoice__due_date", filter=active),
            closed=Count("pk", filter=closed),
        )
        .order_by("invoice__currency")
    )
    totals, closed_count = [], 0
    for row in rows:
        closed_count += row["closed"]
        if row["count"]:
            totals.append(
                {
                    "currency": row["invoice__currency"],
                    "count": row["count"],
                    "left_to_pay": row["left_to_pay"] or 0,
                    "oldest_due": row["oldest_due"],
                }
            )
    return totals, closed_count


def _capped(queryset, limit: int) -> tuple[list, bool]:
    """The first `limit` rows and whether there are more (one query: limit + 1 rows)."""
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


@permission_required("cases.view_case", raise_exception=True)
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client, pk=pk)
    today = business_today()
    totals, closed_count = client_totals(client=client)
    cases = case_list_for_ui(today=today)
    open_cases = list(
        cases.filter(invoice__client=client, status=Case.Status.ACTIVE).order_by("invoice__due_date", "pk")[
            :OPEN_CASES_SHOWN
        ]
    )
    closed_cases = list(
        cases.filter(_client_cases(client), status=Case.Status.CLOSED).order_by("-closed_at", "-pk")[
            :CLOSED_CASES_SHOWN
        ]
    )
    # "N more" from the totals' counts: no second count.
    more_open = max(0, sum(row["count"] for row in totals) - len(open_cases))
    more_closed = max(0, closed_count - len(closed_cases))
    claims = case_claims(cases=open_cases, day=today)
    for case in open_cases:
        claim = claims.get(case.pk)
        case.claim_text = claim_display(claim, currency=case.invoice.currency).total if claim else ""
    can_read_letters = request.user.has_perm("notifications.view_remindermessage")
    letters, more_letters = [], False
    if can_read_letters:
        letters, more_letters = _capped(
            ReminderMessage.objects.filter(client=client).defer("body_text", "body_html").order_by("-send_date", "-id"),
            LETTERS_SHOWN,
        )
    statuses = dict(Notification.Status.choices)
    for letter in letters:
        letter.status_label = statuses.get(letter.status, letter.status)
    notes, more_notes = _capped(
        CaseEvent.objects.filter(case__invoice__client=client, kind=CaseEvent.Kind.NOTE)
        .select_related("user", "case__invoice")
        .order_by("-at", "-id"),
        NOTES_SHOWN,
    )
    kind = (client.business_activity_kind or "").strip()
    consumer = kind == "private_person" if kind else not (client.nip or "").strip()
    active_url = reverse("cases:active")
    return render(
        request,
        "clients/client_detail.html",
        {
            "title": client.name or f"#{client.infakt_id}",
            "client": client,
            "consumer": consumer,
            "totals": totals,
            "open_cases": open_cases,
            "more_open": more_open,
            "closed_cases": closed_cases,
            "more_closed": more_closed,
            "letters": letters,
            "more_letters": more_letters,
            "can_read_letters": can_read_letters,
            "notes": notes,
            "more_notes": more_notes,
            "active_url": f"{active_url}?client_id={client.pk}",
            "closed_url": f"{reverse('cases:closed')}?client_id={client.pk}",
            "letters_url": f"{reverse('admin:notifications_remindermessage_changelist')}?client__id__exact={client.pk}",
            "open_cases_shown": OPEN_CASES_SHOWN,
        },
    )


app_name = "clients"

urlpatterns = [
    path("<int:pk>/", client_detail, name="detail"),
]
