"""Staff admin for the dunning domain.

Cases are never edited through a form: every change goes through an action that
calls the same service as the commands (pause, resume, close, send a stage,
refresh from InFakt). Managers (view permissions only) see everything read-only
and get no actions; a POST from them is refused with 403.
"""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from invoicetracker.admin_utils import ReadOnlyAdminMixin
from notifications.admin import NotificationInline

from . import formatting
from .admin_dates import DateHierarchyQuerySet
from .calendar import business_today
from .claim_selectors import case_claim_context, case_claims, claim_display
from .forms import CloseForm, HandOverForm, PauseForm, SendStageForm, WaiverForm
from .models import Case, CaseEvent, Client, Invoice, ReminderStage, case_paused_q
from .selectors import (
    DAYS_PAST_DUE_BUCKETS,
    CasePaginator,
    case_dunning_state,
    case_filter_days_bucket,
    case_list_for_ui,
    case_search_q,
    invoice_currencies,
    invoice_search_q,
    missing_email_q,
    search_terms,
)
from .services import (
    case_close,
    case_confirm_amount,
    case_mark_handed_over,
    case_pause,
    case_request_refresh,
    case_resume,
    case_set_waivers,
    client_set_public_medical,
)
from .tables import progress_html

log = logging.getLogger("invoicetracker.admin")

admin.site.site_header = "InvoiceTracker"
admin.site.site_title = "InvoiceTracker"
admin.site.site_url = reverse_lazy("worklist:today")  # the admin's "view site": the clerk's worklist

# A refresh asks InFakt about every case selected: keep it to about a page.
REFRESH_MAX_CASES = 100


# --- List filters ------------------------------------------------------------------


class DaysPastDueFilter(admin.SimpleListFilter):
    title = _("dni po terminie")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [(key, label) for key, label, _low, _high in DAYS_PAST_DUE_BUCKETS]

    def queryset(self, request, queryset):
        if self.value():
            return case_filter_days_bucket(queryset, today=business_today(), bucket=self.value())
        return queryset


class LastStageFilter(admin.SimpleListFilter):
    title = _("ostatni etap")
    parameter_name = "last_stage"

    def lookups(self, request, model_admin):
        stages = ReminderStage.objects.order_by("offset_days").values_list("offset_days", "name")
        return [("none", _("jeszcze żaden")), *((str(offset), name) for offset, name in stages)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(last_stage_offset__isnull=True)
        if value and value.lstrip("-").isdigit():
            return queryset.filter(last_stage_offset=int(value))
        return queryset


class PausedFilter(admin.SimpleListFilter):
    title = _("wstrzymana")
    parameter_name = "paused"

    def lookups(self, request, model_admin):
        return [("yes", _("tak")), ("no", _("nie"))]

    def queryset(self, request, queryset):
        paused = case_paused_q(business_today())
        if self.value() == "yes":
            return queryset.filter(paused)
        if self.value() == "no":
            return queryset.exclude(paused)
        return queryset


class MissingEmailFilter(admin.SimpleListFilter):
    title = _("e-mail kontrahenta")
    parameter_name = "email"

    def lookups(self, request, model_admin):
        return [("missing", _("brak poprawnego e-maila")), ("ok", _("jest e-mail"))]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(missing_email_q())
        if self.value() == "ok":
            return queryset.filter(invoice__client__has_usable_email=True)
        return queryset


class CurrencyFilter(admin.SimpleListFilter):
    title = _("waluta")
    parameter_name = "currency"

    def lookups(self, request, model_admin):
        return [(code, code) for code in invoice_currencies()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(invoice__currency=self.value())
        return queryset


class KindFilter(admin.SimpleListFilter):
    title = _("rodzaj dokumentu")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return Invoice.Kind.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(invoice__kind=self.value())
        return queryset


class CaseChangeList(ChangeList):
    def _get_deterministic_ordering(self, ordering):
        """A sort on an invoice column breaks ties by the invoice (one case per invoice): PostgreSQL then
        walks the invoice's (column, id) index and joins each case, instead of sorting every case."""
        ordering = super()._get_deterministic_ordering(ordering)
        first = ordering[0] if ordering else None
        if isinstance(first, str) and first.lstrip("-").startswith("invoice__") and ordering[-1] in {"pk", "-pk"}:
            ordering[-1] = "-invoice_id" if first.startswith("-") else "invoice_id"
        return ordering

    def get_results(self, request):
        super().get_results(request)
        # The claim of each row on the page, in a constant number of queries (column "roszczenie").
        claims = case_claims(cases=self.result_list, day=business_today())
        for case in self.result_list:
            case.claim_today = claims.get(case.pk)
        # Read after the results only by the date hierarchy.
        self.queryset = DateHierarchyQuerySet(self.queryset, self.date_hierarchy, searched=bool(self.query))


# --- Inlines -------------------------------------------------------------------------


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


# --- Cases ---------------------------------------------------------------------------


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
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
    actions = [
        "pause_cases",
        "resume_cases",
        "confirm_amount",
        "close_cases",
        "send_stage_now",
        "mark_handed_over",
        "refresh_from_infakt",
        "waive_claims",
    ]
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
    readonly_fields = (
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
        "status_display",
        "opened",
        "progress",
        "next_reminder",
        "dunning_state",
        "pause",
        "closed",
        "last_refreshed",
        "public_link",
        "claim_summary",
    )

    inlines = [CaseEventInline, NotificationInline]

    def get_queryset(self, request):
        return case_list_for_ui(today=business_today())

    def get_search_results(self, request, queryset, search_term):
        """Each word must match the invoice number, client name, e-mail or NIP (as the admin's own search),
        through `case_search_q`, which PostgreSQL's trigram indexes serve; `search_fields` stay for the box."""
        for term in search_terms(search_term):  # a NIP typed with spaces ("PL 526 104 08 28") is one term
            queryset = queryset.filter(case_search_q(term))
        return queryset, False

    def get_ordering(self, request):
        # Most overdue first. Days past due = today - due date, so ordering by the due date
        # gives the same order and lets PostgreSQL walk the due-date index instead of sorting.
        return ["invoice__due_date"]

    def get_changelist(self, request, **kwargs):
        return CaseChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return CasePaginator(queryset, per_page, orphans, allow_empty_first_page)

    def has_add_permission(self, request):
        return False  # cases are opened by the sync

    def has_delete_permission(self, request, obj=None):
        return False  # the timeline and the e-mail log must survive

    def has_change_permission(self, request, obj=None):
        # A closed case opens in full, read-only; acting needs an active case.
        if obj is not None and obj.status == Case.Status.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    def has_run_sync_permission(self, request):
        return request.user.has_perm("syncstatus.run_sync")

    def has_send_manual_permission(self, request):
        return request.user.has_perm("notifications.send_manual")

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
        wanted = ["pause_cases", "close_cases", "send_stage_now", "refresh_from_infakt"]
        if obj.paused_until is not None:
            wanted.insert(1, "resume_cases")
        if obj.awaits_amount_review:
            wanted.insert(0, "confirm_amount")
        if obj.handover != Case.Handover.HANDED_OVER:
            wanted.insert(0 if obj.handover == Case.Handover.TO_HAND_OVER else len(wanted), "mark_handed_over")
        return [(name, actions[name][2]) for name in wanted if name in actions]

    # --- Display helpers ---------------------------------------------------------------

    @admin.display(description=_("numer faktury"), ordering="invoice__number")
    def invoice_number(self, obj):
        """The number, and under it the document's kind when it is not a plain VAT invoice."""
        if obj.invoice.kind == Invoice.Kind.VAT:
            return obj.invoice.number
        return format_html(
            '{}<br><small class="it-kind">{}</small>', obj.invoice.number, obj.invoice.get_kind_display()
        )

    @admin.display(description=_("rodzaj"), ordering="invoice__kind")
    def kind(self, obj):
        return obj.invoice.get_kind_display()

    @admin.display(description=_("kontrahent"), ordering="invoice__client_sort_name")
    def client_name(self, obj):
        client = obj.invoice.client
        if client is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("clients:detail", args=[client.pk]), client.name or "—")

    @admin.display(description=_("kontrahent"))
    def client_link(self, obj):
        client = obj.invoice.client
        if client is None:
            return "—"
        url = reverse("admin:cases_client_change", args=[client.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            url,
            client.name,
            reverse("clients:detail", args=[client.pk]),
            _("strona kontrahenta"),
        )

    @admin.display(description=_("NIP"), ordering="invoice__client__nip_normalized")
    def client_nip(self, obj):
        client = obj.invoice.client
        return client.nip_normalized if client else ""

    @admin.display(description=_("e-mail"))
    def client_emails(self, obj):
        client = obj.invoice.client
        if client is None or not client.has_usable_email:
            return format_html('<span class="it-warn">{}</span>', _("brak poprawnego e-maila"))
        return ", ".join(client.emails)

    @admin.display(description=_("brutto"), ordering="invoice__gross")
    def gross(self, obj):
        return formatting.format_money(obj.invoice.gross, obj.invoice.currency)

    @admin.display(description=_("zapłacono"))
    def paid(self, obj):
        return formatting.format_money(obj.invoice.paid, obj.invoice.currency)

    @admin.display(description=_("pozostało"), ordering="invoice__left_to_pay")
    def left_to_pay(self, obj):
        return formatting.format_money(obj.invoice.left_to_pay, obj.invoice.currency)

    @admin.display(description=_("wystawiona"))
    def issue_date(self, obj):
        return formatting.format_date(obj.invoice.issue_date)

    @admin.display(description=_("termin"), ordering="invoice__due_date")
    def due_date(self, obj):
        return formatting.format_date(obj.invoice.due_date)

    # Sorted through the due date (reversed): the same order as the computed days, and indexable.
    @admin.display(description=_("dni po terminie"), ordering="-invoice__due_date")
    def days_past_due(self, obj):
        days = obj.days_past_due
        if days is None:
            return "—"
        css = "it-overdue" if days > 0 else "it-notdue"
        if obj.invoice.due_date is None:
            return format_html('<span class="{}">{}</span>', css, days)
        return format_html(
            '<span class="{}">{}</span><br><small title="{}">{}</small>',
            css,
            days,
            _("termin"),
            formatting.format_date(obj.invoice.due_date),
        )

    @admin.display(description=_("przypomnienia"), ordering="next_reminder_date")
    def reminders(self, obj):
        """Letters actually sent of the rungs (and the last rung handled), then the next reminder's date."""
        progress = progress_html(obj)
        if obj.next_reminder_date is None:
            return progress
        return format_html(
            "{}<br><small>{} {}</small>",
            progress,
            _("następne"),
            formatting.format_date(obj.next_reminder_date),
        )

    @admin.display(description=_("przypomnienia"), ordering=F("last_stage_offset").asc(nulls_first=True))
    def progress(self, obj):
        return progress_html(obj)

    @admin.display(description=_("drabina wezwań"))
    def dunning_state(self, obj):
        labels = {
            "sent": _("wysłany"),
            "uncertain": _("niepewny (do sprawdzenia)"),
            "skipped": _("pominięty"),
            "next": _("następny"),
            "later": _("jeszcze nie"),
        }
        rows = format_html_join(
            "",
            '<tr class="rung {}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    rung.state,
                    rung.name,
                    f"{rung.offset:+d}",
                    labels[rung.state],
                    formatting.format_date(rung.day) if rung.day else rung.note,
                )
                for rung in case_dunning_state(case=obj)
            ),
        )
        handover = ""
        if obj.handover == Case.Handover.TO_HAND_OVER:
            handover = format_html('<p class="handover to_hand_over"><strong>{}</strong></p>', _("Do przekazania"))
        elif obj.handover == Case.Handover.HANDED_OVER:
            handover = format_html(
                '<p class="handover handed_over"><strong>{}</strong> {} · {}{}</p>',
                _("Przekazana"),
                formatting.format_date(obj.handed_over_on),
                obj.handed_over_to,
                f" · {obj.handover_note}" if obj.handover_note else "",
            )
        return format_html('<table class="it-ladder">{}</table>{}', rows, handover)

    @admin.action(description=_("Oznacz jako przekazane…"), permissions=["change"])
    def mark_handed_over(self, request, queryset):
        step = self._parameters(
            request,
            queryset,
            HandOverForm,
            title=_("Przekaż sprawy"),
            action="mark_handed_over",
            intro=_("Zaznaczone sprawy zostaną oznaczone jako przekazane (np. do firmy windykacyjnej lub kancelarii)."),
        )
        if isinstance(step, TemplateResponse):
            return step
        data = step.cleaned_data
        done = case_mark_handed_over(
            cases=queryset.select_related(None).only("pk"),
            user=request.user,
            to=data["to"],
            on=data["on"],
            note=data["note"],
        )
        skipped = queryset.count() - done
        self._report(request, _("Przekazano spraw: %(done)s") % {"done": done}, skipped)
        return self._done(request)

    @admin.display(description=_("następne przypomnienie"), ordering="next_reminder_date")
    def next_reminder(self, obj):
        if obj.next_reminder_date is None:
            return "—"
        if obj.next_stage is not None:
            return format_html(
                "{} <small>{}</small>", formatting.format_date(obj.next_reminder_date), obj.next_stage.name
            )
        return formatting.format_date(obj.next_reminder_date)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj):
        label = obj.get_status_display()
        if obj.status == Case.Status.CLOSED:
            return format_html('<span class="it-closed">{}: {}</span>', label, obj.get_close_reason_display())
        if obj.is_paused:
            label = format_html(
                '{} <span class="it-paused">{} {}</span>',
                label,
                _("wstrzymana do"),
                obj.paused_until_display,
            )
        if obj.handover:
            label = format_html('{} <span class="it-handover">{}</span>', label, obj.get_handover_display())
        mark = self.email_mark(obj)
        return format_html("{}<br>{}", label, mark) if mark else label

    @admin.display(description=_("e-mail"), ordering="invoice__client__has_usable_email")
    def email_mark(self, obj):
        client = obj.invoice.client
        if client is None or not client.has_usable_email:
            return format_html('<span class="it-warn" title="{}">✉ {}</span>', _("brak poprawnego e-maila"), _("brak"))
        return ""

    @admin.display(description=_("otwarta"))
    def opened(self, obj):
        return formatting.format_datetime(obj.opened_at)

    @admin.display(description=_("wstrzymanie"))
    def pause(self, obj):
        if obj.paused_until is None and not obj.awaits_amount_review:
            return "—"
        text = f"{obj.paused_until_display}: {obj.get_pause_reason_display()}"
        return f"{text} ({obj.pause_note})" if obj.pause_note else text

    @admin.display(description=_("zamknięcie"))
    def closed(self, obj):
        if obj.closed_at is None:
            return "—"
        by = f", {obj.closed_by}" if obj.closed_by_id else ""
        return f"{formatting.format_datetime(obj.closed_at)}: {obj.get_close_reason_display()}{by}"

    @admin.display(description=_("ostatnio odświeżona"))
    def last_refreshed(self, obj):
        return formatting.format_datetime(obj.last_refreshed_at) or "—"

    @admin.display(description=_("strona sprawy"))
    def public_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("cases:detail", args=[obj.pk]), _("oś czasu sprawy"))

    # The claim computed for today; sorted by the total stored at the last daily refresh.
    @admin.display(description=_("roszczenie"), ordering="claim_total")
    def claim_column(self, obj):
        claim = getattr(obj, "claim_today", None)
        if claim is None:
            return ""
        text = claim_display(claim, currency=obj.invoice.currency)
        if claim.total is None:  # what is missing is in the hover text and on the case page
            return format_html(
                '<span class="it-warn" title="{} / {}">{}</span>', text.interest, text.compensation, _("brak stawki")
            )
        return format_html(
            '<span title="{}: {} · {}: {}">{}</span>',
            _("odsetki"),
            text.interest,
            _("rekompensata"),
            text.compensation,
            text.total,
        )

    @admin.display(description=_("roszczenie na dziś"))
    def claim_summary(self, obj):
        context = case_claim_context(obj, day=business_today())
        text, claim = context["claim_text"], context["claim"]
        rows = [
            (_("należność główna"), formatting.format_money(claim.left_to_pay, obj.invoice.currency)),
            (_("odsetki"), text.interest),
        ]
        if not context["claim_consumer"]:
            detail = f" ({text.compensation_detail})" if text.compensation_detail else ""
            rows.append((_("rekompensata"), f"{text.compensation}{detail}"))
        rows.append((_("razem"), text.total))
        if obj.waiver_reason:
            rows.append((_("powód rezygnacji"), obj.waiver_reason))
        return format_html_join(mark_safe("<br>"), "{}: {}", rows)

    @admin.action(description=_("Zrezygnuj z odsetek lub rekompensaty…"), permissions=["change"])
    def waive_claims(self, request, queryset):
        step = self._parameters(
            request,
            queryset,
            WaiverForm,
            title=_("Rezygnacja z odsetek lub rekompensaty"),
            action="waive_claims",
            intro=_("Zaznaczone pozycje nie będą żądane od dłużnika; odznaczone wracają. Zapisywane na osi czasu."),
        )
        if isinstance(step, TemplateResponse):
            return step
        data = step.cleaned_data
        done, skipped = self._run_per_case(
            queryset.select_related(None).only("pk", "status"),
            lambda case: case_set_waivers(
                case=case,
                waive_interest=data["waive_interest"],
                waive_compensation=data["waive_compensation"],
                reason=data["reason"],
                user=request.user,
            ),
            applies=lambda case: True,
        )
        self._report(request, _("Zmieniono roszczenie spraw: %(done)s") % {"done": done}, skipped)
        return self._done(request)

    # --- Actions -------------------------------------------------------------------------

    def _parameters(self, request, queryset, form_class, *, title, action, intro):
        """An intermediate step like Django's delete confirmation: returns a valid form or a page to show."""
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                return form
        else:
            form = form_class()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "action": action,
            "cases": queryset[:REFRESH_MAX_CASES],
            "count": queryset.count(),
            "select_across": request.POST.get("select_across", "0"),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "return_case": request.POST.get("_case", "") if request.POST.get("_case", "").isdigit() else "",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/cases/case/action_form.html", context)

    @admin.action(description=_("Wstrzymaj przypomnienia do dnia…"), permissions=["change"])
    def pause_cases(self, request, queryset):
        step = self._parameters(
            request,
            queryset,
            PauseForm,
            title=_("Wstrzymaj przypomnienia"),
            action="pause_cases",
            intro=_("Do podanego dnia (włącznie) sprawy nie dostaną przypomnień."),
        )
        if isinstance(step, TemplateResponse):
            return step
        data = step.cleaned_data
        done, skipped = self._run_per_case(
            queryset.select_related(None).only("pk", "status"),
            lambda case: case_pause(
                case=case, until=data["until"], reason=data["reason"], note=data["note"], user=request.user
            ),
        )
        self._report(
            request,
            ngettext("Wstrzymano %(done)s sprawę do %(until)s.", "Wstrzymano %(done)s spraw do %(until)s.", done)
            % {"done": done, "until": formatting.format_date(data["until"])},
            skipped,
        )
        return self._done(request)

    @admin.action(description=_("Wznów przypomnienia"), permissions=["change"])
    def resume_cases(self, request, queryset):
        done, skipped = self._run_per_case(
            queryset.select_related(None).only("pk", "status", "paused_until"),
            lambda case: case_resume(case=case, user=request.user),
            applies=lambda case: case.status == Case.Status.ACTIVE and case.paused_until is not None,
        )
        self._report(
            request, ngettext("Wznowiono %(done)s sprawę.", "Wznowiono %(done)s spraw.", done) % {"done": done}, skipped
        )
        return self._done(request)

    @admin.action(description=_("Potwierdź kwotę po korekcie (wznów przypomnienia)"), permissions=["change"])
    def confirm_amount(self, request, queryset):
        """Staff confirm the amount still owed after a correction; who and what go on the timeline."""
        done, skipped = self._run_per_case(
            queryset.select_related("invoice"),
            lambda case: case_confirm_amount(case=case, user=request.user),
            applies=lambda case: case.status == Case.Status.ACTIVE and case.awaits_amount_review,
        )
        self._report(request, _("Potwierdzono kwotę w sprawach: %(done)s") % {"done": done}, skipped)
        return self._done(request)

    @admin.action(description=_("Zamknij z podanym powodem…"), permissions=["change"])
    def close_cases(self, request, queryset):
        step = self._parameters(
            request,
            queryset,
            CloseForm,
            title=_("Zamknij sprawy"),
            action="close_cases",
            intro=_("Zamknięte sprawy nie dostaną więcej przypomnień."),
        )
        if isinstance(step, TemplateResponse):
            return step
        now, note = timezone.now(), step.cleaned_data["note"]
        done, skipped = self._run_per_case(
            queryset.select_related("invoice"),
            lambda case: case_close(case=case, reason=Case.CloseReason.MANUAL, now=now, user=request.user, note=note),
        )
        self._report(
            request, ngettext("Zamknięto %(done)s sprawę.", "Zamknięto %(done)s spraw.", done) % {"done": done}, skipped
        )
        return self._done(request)

    @admin.action(description=_("Wyślij wybrany etap teraz…"), permissions=["change", "send_manual"])
    def send_stage_now(self, request, queryset):
        from notifications import services as reminder_services

        step = self._parameters(
            request,
            queryset,
            SendStageForm,
            title=_("Wyślij etap teraz"),
            action="send_stage_now",
            intro=_("E-mail wybranego etapu zostanie wysłany od razu do kontrahentów zaznaczonych spraw."),
        )
        if isinstance(step, TemplateResponse):
            return step
        stage = step.cleaned_data["stage"]
        outcomes: dict[str, int] = {}
        failures: list[str] = []
        skipped = 0
        for case in queryset:
            if case.status != Case.Status.ACTIVE:
                skipped += 1
                continue
            try:
                notification = reminder_services.reminder_send_manual(case=case, stage=stage, user=request.user)
            except reminder_services.ReminderNotSendable as exc:
                failures.append(f"{case.invoice.number}: {exc}")
                continue
            except Exception as exc:  # report every case, keep going with the rest
                log.exception("manual send of stage %s for case %s failed", stage.pk, case.pk)
                failures.append(f"{case.invoice.number}: {type(exc).__name__}: {exc}")
                continue
            label = notification.get_status_display()
            outcomes[str(label)] = outcomes.get(str(label), 0) + 1
        summary = ", ".join(f"{label}: {n}" for label, n in outcomes.items()) or "0"
        self._report(request, _("Etap „%(stage)s”: %(summary)s") % {"stage": stage.name, "summary": summary}, skipped)
        if failures:
            self.message_user(request, _("Nie wysłano: %s") % "; ".join(failures[:10]), messages.ERROR)
        return self._done(request)

    @admin.action(description=_("Odśwież z InFakt teraz"), permissions=["run_sync"])
    def refresh_from_infakt(self, request, queryset):
        from syncstatus import services as sync_services
        from syncstatus.models import SyncRun

        ids = list(queryset.filter(status=Case.Status.ACTIVE).values_list("pk", flat=True)[: REFRESH_MAX_CASES + 1])
        if not ids:
            self.message_user(request, _("Żadna z zaznaczonych spraw nie jest aktywna."), messages.WARNING)
            return
        if len(ids) > REFRESH_MAX_CASES:
            self.message_user(
                request,
                _("Odświeżyć można najwyżej %(max)s spraw naraz; zawęź wybór.") % {"max": REFRESH_MAX_CASES},
                messages.ERROR,
            )
            return
        try:
            run = sync_services.sync_run(
                kind=SyncRun.Kind.REFRESH, trigger=SyncRun.Trigger.ADMIN, case_ids=ids, user=request.user
            )
        except sync_services.SyncAlreadyRunning as exc:
            marked = case_request_refresh(cases=Case.objects.filter(pk__in=ids))
            self.message_user(
                request,
                _("%(why)s Spraw oznaczonych do odświeżenia przy następnej synchronizacji: %(n)s")
                % {"why": exc, "n": marked},
                messages.WARNING,
            )
            return self._done(request)
        except sync_services.SyncFailed as exc:
            self.message_user(
                request,
                _("Odświeżenie nie powiodło się (synchronizacja nr %(run)s): %(error)s")
                % {"run": exc.run.pk, "error": exc.run.error},
                messages.ERROR,
            )
            return self._done(request)
        level = messages.SUCCESS if run.status == SyncRun.Status.SUCCESS else messages.WARNING
        self.message_user(
            request,
            _(
                "Odświeżono z InFakt spraw: %(refreshed)s, zmienionych: %(updated)s, zamkniętych: %(closed)s "
                "(synchronizacja nr %(run)s, %(status)s)."
            )
            % {
                "refreshed": run.cases_refreshed,
                "updated": run.cases_updated,
                "closed": run.cases_closed,
                "run": run.pk,
                "status": run.get_status_display(),
            },
            level,
        )
        return self._done(request)

    def _done(self, request):
        """Back to the case page when the action was started from it, else to the list."""
        case_pk = request.POST.get("_case", "")
        if case_pk.isdigit():
            return HttpResponseRedirect(reverse("admin:cases_case_change", args=[int(case_pk)]))
        return None

    @staticmethod
    def _run_per_case(cases, run, *, applies=lambda case: case.status == Case.Status.ACTIVE) -> tuple[int, int]:
        """Runs `run(case)` for each case it `applies` to; returns (done, skipped).

        A `run` that returns False (e.g. `case_close` finding nothing to close) counts as skipped.
        """
        done = skipped = 0
        for case in cases:
            if applies(case) and run(case) is not False:
                done += 1
            else:
                skipped += 1
        return done, skipped

    def _report(self, request, message, skipped: int) -> None:
        if skipped:
            message = f"{message} " + str(_("Pominięto (zamknięte lub nie dotyczy): %(n)s") % {"n": skipped})
        self.message_user(request, message, messages.SUCCESS)


# --- Clients, invoices, stages ---------------------------------------------------------
# Clients and invoices mirror InFakt: the sync overwrites local edits, so nobody edits them here.


@admin.register(Client)
class ClientAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name_display", "nip_normalized", "emails_display", "has_usable_email", "active_cases", "city")
    list_filter = ("has_usable_email", "is_public_medical_entity")
    search_fields = ("company_name", "first_name", "last_name", "nip", "nip_normalized", "email_raw")
    actions = ["mark_public_medical", "unmark_public_medical"]
    list_per_page = 100
    show_full_result_count = False
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name_display",
                    "client_page",
                    "nip",
                    "nip_normalized",
                    "emails_display",
                    "invalid_emails",
                    "phone",
                )
            },
        ),
        (_("Adres"), {"fields": ("address", "country", "language", "is_public_medical_entity")}),
        (_("Sprawy"), {"fields": ("cases_table",)}),
        (_("InFakt"), {"fields": ("infakt_id", "fetched_at")}),
    )
    readonly_fields = (
        "name_display",
        "client_page",
        "nip",
        "nip_normalized",
        "emails_display",
        "invalid_emails",
        "phone",
        "address",
        "country",
        "language",
        "is_public_medical_entity",
        "cases_table",
        "infakt_id",
        "fetched_at",
    )

    # Claims (issue 12): the switch for public medical entities (commercial interest at reference + 8 pp).
    def has_mark_medical_permission(self, request):
        return request.user.has_perm("cases.change_client")

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and not self.has_mark_medical_permission(request):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    @admin.action(
        description=_("Oznacz jako podmiot publiczny będący podmiotem leczniczym"), permissions=["mark_medical"]
    )
    def mark_public_medical(self, request, queryset):
        self._set_medical(request, queryset, True)

    @admin.action(description=_("Usuń oznaczenie podmiotu leczniczego"), permissions=["mark_medical"])
    def unmark_public_medical(self, request, queryset):
        self._set_medical(request, queryset, False)

    def _set_medical(self, request, queryset, value):
        count = sum(
            client_set_public_medical(client=client, value=value, user=request.user) for client in queryset.only("pk")
        )
        self.message_user(request, _("Zmieniono kontrahentów: %(count)s") % {"count": count}, messages.SUCCESS)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("raw")
            # A subquery per shown row, not a GROUP BY over every client's invoices.
            .annotate(
                active_case_count=Coalesce(
                    Subquery(
                        Case.objects.filter(invoice__client=OuterRef("pk"), status=Case.Status.ACTIVE)
                        .order_by()
                        .values("invoice__client")
                        .annotate(n=Count("pk"))
                        .values("n")
                    ),
                    0,
                )
            )
        )

    @admin.display(description=_("nazwa"), ordering="company_name")
    def name_display(self, obj):
        return obj.name

    @admin.display(description=_("strona kontrahenta"))
    def client_page(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("clients:detail", args=[obj.pk]), obj.name or "—")

    @admin.display(description=_("e-mail"))
    def emails_display(self, obj):
        if not obj.has_usable_email:
            return format_html('<span class="it-warn">{}</span>', _("brak poprawnego e-maila"))
        return ", ".join(obj.emails)

    # Not sortable: ordering 25,000 clients by a count of their cases computes the count for every client
    # (seconds at 100,000 cases); the count is shown for the 100 clients of the page.
    @admin.display(description=_("aktywne sprawy"))
    def active_cases(self, obj):
        """The count, linking to the client page (totals, cases, letters, notes)."""
        return format_html('<a href="{}">{}</a>', reverse("clients:detail", args=[obj.pk]), obj.active_case_count)

    @admin.display(description=_("sprawy kontrahenta"))
    def cases_table(self, obj):
        cases = case_list_for_ui(today=business_today()).filter(invoice__client=obj).order_by("-opened_at")
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:cases_case_change", args=[case.pk]),
                    case.invoice.number,
                    case.get_status_display(),
                    formatting.format_date(case.invoice.due_date),
                    case.days_past_due if case.days_past_due is not None else "—",
                    formatting.format_money(case.invoice.gross, case.invoice.currency),
                    formatting.format_money(case.invoice.left_to_pay, case.invoice.currency),
                )
                for case in cases
            ),
        )
        if not rows:
            return _("Brak spraw.")
        header = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("faktura"),
            _("status"),
            _("termin"),
            _("dni po terminie"),
            _("brutto"),
            _("pozostało"),
        )
        return format_html('<table class="it-client-cases">{}{}</table>', header, rows)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "kind",
        "client_shown",
        "status",
        "gross_display",
        "left_display",
        "due_display",
        "currency",
        "corrected_invoice",
    )
    list_filter = ("kind", "status", "currency")
    search_fields = ("number", "client__company_name", "client__last_name", "client__nip_normalized")
    list_select_related = ("client",)
    list_per_page = 100
    show_full_result_count = False
    date_hierarchy = "due_date"
    exclude = ("raw",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw", "client__raw")

    def get_search_results(self, request, queryset, search_term):
        """Number, client name, e-mail or NIP through `invoice_search_q` (trigram indexes, no join)."""
        for term in search_terms(search_term):
            queryset = queryset.filter(invoice_search_q(term))
        return queryset, False

    # Sorted by the client's name stored on the invoice: one (client_sort_name, id) index, no join.
    @admin.display(description=_("kontrahent"), ordering="client_sort_name")
    def client_shown(self, obj):
        return obj.client  # shown as the plain foreign key was (None: the admin's empty value)

    @admin.display(description=_("brutto"), ordering="gross")
    def gross_display(self, obj):
        return formatting.format_money(obj.gross, obj.currency)

    @admin.display(description=_("pozostało"), ordering="left_to_pay")
    def left_display(self, obj):
        return formatting.format_money(obj.left_to_pay, obj.currency)

    @admin.display(description=_("termin"), ordering="due_date")
    def due_display(self, obj):
        return formatting.format_date(obj.due_date)


# ReminderStage's admin (wording, preview, test send) is registered by notifications.admin.
