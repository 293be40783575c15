"""The case admin: cases are never edited through a form.

Every change goes through an action that calls the same service as the commands (pause, resume,
close, hand over, waive a claim); the higher layers add theirs at the site's assembly
(invoicetracker/admin.py). Managers (view permissions only) see everything read-only and get no
actions; a POST from them is refused with 403.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common import formatting
from common.admin_search import CappedSearchMixin
from common.admin_utils import ReadOnlyAdminMixin, fieldset_fields
from common.calendar import business_today

from ..forms import CloseForm, HandOverForm, PauseForm, WaiverForm
from ..models import Case, CaseEvent
from ..selectors import CasePaginator, case_list_for_ui, case_search_q, invoice_search_dense_q, search_terms
from ..services import (
    case_close,
    case_confirm_amount,
    case_mark_handed_over,
    case_pause,
    case_resume,
    case_set_waivers,
)
from .actions import ActionStep, is_active, parameter_action, per_case_action, report
from .case_columns import CaseColumns
from .changelist import CaseChangeList
from .filters import (
    CurrencyFilter,
    DaysPastDueFilter,
    KindFilter,
    LastStageFilter,
    MissingEmailFilter,
    PausedFilter,
)

# The parameter pages of the actions that need some (form, action, title, intro).
PAUSE = ActionStep(
    PauseForm,
    "pause_cases",
    _("Wstrzymaj przypomnienia"),
    _("Do podanego dnia (włącznie) sprawy nie dostaną przypomnień."),
)
CLOSE = ActionStep(CloseForm, "close_cases", _("Zamknij sprawy"), _("Zamknięte sprawy nie dostaną więcej przypomnień."))
WAIVE = ActionStep(
    WaiverForm,
    "waive_claims",
    _("Rezygnacja z odsetek lub rekompensaty"),
    _("Zaznaczone pozycje nie będą żądane od dłużnika; odznaczone wracają. Zapisywane na osi czasu."),
)
HAND_OVER = ActionStep(
    HandOverForm,
    "mark_handed_over",
    _("Przekaż sprawy"),
    _("Zaznaczone sprawy zostaną oznaczone jako przekazane (np. do firmy windykacyjnej lub kancelarii)."),
)


class CaseEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    verbose_name = _("zdarzenie")
    verbose_name_plural = _("oś czasu")
    fields = ("when", "kind", "what", "who")
    readonly_fields = fields
    ordering = ("at", "id")

    @admin.display(description=_("opis"))
    def what(self, obj):
        """The text in the reader's language (a coded row), or the message as written (an older row)."""
        return obj.text

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.display(description=_("kiedy"), ordering="at")
    def when(self, obj):
        return formatting.format_datetime(obj.at)

    @admin.display(description=_("kto"))
    def who(self, obj):
        return obj.user or _("system")


class CaseAdmin(CappedSearchMixin, CaseColumns, admin.ModelAdmin):
    """Registered by the site's assembly (invoicetracker/admin.py), which adds the higher layers' inline
    (the e-mail log) and actions (send a stage, refresh from InFakt, the formal demand)."""

    # The columns a clerk works from, narrow enough for the admin's content box (791 px at 1440 px
    # with the sidebar); NIP, gross, paid and the e-mail addresses are on the case page.
    list_display = (
        "invoice_number",
        "client_name",
        "left_to_pay",
        "days_past_due",
        "reminders",
        "status_display",
        "claim_column",
    )
    list_display_links = ("invoice_number",)
    list_filter = (
        "status",
        LastStageFilter,
        DaysPastDueFilter,
        PausedFilter,
        "handover",
        MissingEmailFilter,
        CurrencyFilter,
        KindFilter,
    )
    date_hierarchy = "invoice__due_date"
    search_fields = (
        "invoice__number",
        "invoice__client__company_name",
        "invoice__client__first_name",
        "invoice__client__last_name",
        "invoice__client__nip",
        "invoice__client__nip_normalized",
        "invoice__client__email_raw",
    )
    search_help_text = _("Numer faktury, nazwa kontrahenta, NIP lub e-mail.")
    list_per_page = 100
    show_full_result_count = False  # one COUNT per page, not two
    paginator = CasePaginator  # unsearched; a search is counted by `CappedSearchMixin`, up to 1000
    search_words = staticmethod(search_terms)  # a NIP typed with spaces ("PL 526 104 08 28") is one word
    actions = [
        "pause_cases",
        "resume_cases",
        "confirm_amount",
        "close_cases",
        "mark_handed_over",
        "waive_claims",
    ]
    # The actions offered as buttons on an active case's page (see `_object_actions`).
    page_actions = ["pause_cases", "close_cases"]
    fieldsets = (
        (
            _("Faktura"),
            {
                "fields": (
                    "invoice_number",
                    "client_link",
                    "client_nip",
                    "client_emails",
                    "gross",
                    "paid",
                    "left_to_pay",
                    "issue_date",
                    "due_date",
                    "days_past_due",
                )
            },
        ),
        (
            _("Windykacja"),
            {
                "fields": (
                    "status_display",
                    "opened",
                    "progress",
                    "next_reminder",
                    "dunning_state",
                    "pause",
                    "closed",
                    "last_refreshed",
                    "public_link",
                )
            },
        ),
        (_("Roszczenie"), {"fields": ("claim_summary",)}),
    )
    readonly_fields = fieldset_fields(fieldsets)

    inlines = [CaseEventInline]

    def get_queryset(self, request):
        return case_list_for_ui(today=business_today())

    def search_shapes(self, term: str):
        """Each word must match the invoice number, client name, e-mail or NIP (as the admin's own search;
        `search_fields` stay for the box), in both shapes of `CappedSearchMixin` (common/admin_search.py).
        Sparse (`case_search_q`): one BitmapOr on the invoices (the number's trigram index, the client_id
        index probed with the clients found through theirs), counted up to 1000 and then read and sorted.
        Dense, for a word of more than 1000 cases (a name a tenth of the clients share): the same conditions
        with the clients as a hashed set, tested while PostgreSQL walks the invoices' due-date index (or the
        sort's) and joins each case, stopping after a page, instead of joining ~10,000 cases to sort them."""
        return case_search_q(term), invoice_search_dense_q(term, prefix="invoice__")

    def get_ordering(self, request):
        # Most overdue first. Days past due = today - due date, so ordering by the due date
        # gives the same order and lets PostgreSQL walk the due-date index instead of sorting.
        return ["invoice__due_date"]

    def get_changelist(self, request, **kwargs):
        return CaseChangeList

    def has_add_permission(self, request):
        return False  # cases are opened by the sync

    def has_delete_permission(self, request, obj=None):
        return False  # the timeline and the e-mail log must survive

    def has_change_permission(self, request, obj=None):
        # A closed case opens in full, read-only; acting needs an active case.
        if obj is not None and obj.status == Case.Status.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied  # a read-only user posting an action
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            # Everything is read-only: the actions change cases, never the form.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        obj = self.get_object(request, object_id)
        if obj is not None and obj.status == Case.Status.ACTIVE and self.has_change_permission(request, obj):
            extra_context["case_actions"] = self._object_actions(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def _object_actions(self, request, obj):
        """The changelist actions offered as buttons on an active case's page."""
        actions = self.get_actions(request)
        wanted = list(self.page_actions)
        if obj.paused_until is not None:
            wanted.insert(1, "resume_cases")
        if obj.awaits_amount_review:
            wanted.insert(0, "confirm_amount")
        if obj.handover != Case.Handover.HANDED_OVER:
            wanted.insert(0 if obj.handover == Case.Handover.TO_HAND_OVER else len(wanted), "mark_handed_over")
        return [(name, actions[name][2]) for name in wanted if name in actions]

    # --- Actions -------------------------------------------------------------------------

    @admin.action(description=_("Wstrzymaj przypomnienia do dnia…"), permissions=["change"])
    def pause_cases(self, request, queryset):
        return per_case_action(
            self,
            request,
            queryset,
            step=PAUSE,
            cases=queryset.select_related(None).only("pk", "status"),
            run=lambda case, data: case_pause(
                case=case, until=data["until"], reason=data["reason"], note=data["note"], user=request.user
            ),
            message=lambda done, data: (
                ngettext("Wstrzymano %(done)s sprawę do %(until)s.", "Wstrzymano %(done)s spraw do %(until)s.", done)
                % {"done": done, "until": formatting.format_date(data["until"])}
            ),
        )

    @admin.action(description=_("Wznów przypomnienia"), permissions=["change"])
    def resume_cases(self, request, queryset):
        return per_case_action(
            self,
            request,
            queryset,
            cases=queryset.select_related(None).only("pk", "status", "paused_until"),
            applies=lambda case: is_active(case) and case.paused_until is not None,
            run=lambda case, data: case_resume(case=case, user=request.user),
            message=lambda done, data: (
                ngettext("Wznowiono %(done)s sprawę.", "Wznowiono %(done)s spraw.", done) % {"done": done}
            ),
        )

    @admin.action(description=_("Potwierdź kwotę po korekcie (wznów przypomnienia)"), permissions=["change"])
    def confirm_amount(self, request, queryset):
        """Staff confirm the amount still owed after a correction; who and what go on the timeline."""
        return per_case_action(
            self,
            request,
            queryset,
            cases=queryset.select_related("invoice"),
            applies=lambda case: is_active(case) and case.awaits_amount_review,
            run=lambda case, data: case_confirm_amount(case=case, user=request.user),
            message=lambda done, data: _("Potwierdzono kwotę w sprawach: %(done)s") % {"done": done},
        )

    @admin.action(description=_("Zamknij z podanym powodem…"), permissions=["change"])
    def close_cases(self, request, queryset):
        now = timezone.now()
        return per_case_action(
            self,
            request,
            queryset,
            step=CLOSE,
            cases=queryset.select_related("invoice"),
            run=lambda case, data: case_close(
                case=case, reason=Case.CloseReason.MANUAL, now=now, user=request.user, note=data["note"]
            ),
            message=lambda done, data: (
                ngettext("Zamknięto %(done)s sprawę.", "Zamknięto %(done)s spraw.", done) % {"done": done}
            ),
        )

    @admin.action(description=_("Zrezygnuj z odsetek lub rekompensaty…"), permissions=["change"])
    def waive_claims(self, request, queryset):
        return per_case_action(
            self,
            request,
            queryset,
            step=WAIVE,
            cases=queryset.select_related(None).only("pk", "status"),
            applies=lambda case: True,
            run=lambda case, data: case_set_waivers(
                case=case,
                waive_interest=data["waive_interest"],
                waive_compensation=data["waive_compensation"],
                reason=data["reason"],
                user=request.user,
            ),
            message=lambda done, data: _("Zmieniono roszczenie spraw: %(done)s") % {"done": done},
        )

    @admin.action(description=_("Oznacz jako przekazane…"), permissions=["change"])
    def mark_handed_over(self, request, queryset):
        def apply(data):
            done = case_mark_handed_over(
                cases=queryset.select_related(None).only("pk"),
                user=request.user,
                to=data["to"],
                on=data["on"],
                note=data["note"],
            )
            report(self, request, _("Przekazano spraw: %(done)s") % {"done": done}, queryset.count() - done)

        return parameter_action(self, request, queryset, HAND_OVER, apply)
