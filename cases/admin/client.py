"""Clients mirror InFakt: the sync overwrites local edits, so nobody edits them here; the one switch is
"public medical entity" (issue 12: commercial interest at the reference rate + 8 pp)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from common import formatting
from common.admin_search import CappedSearchMixin
from common.admin_utils import ReadOnlyAdminMixin, fieldset_fields
from common.calendar import business_today

from ..models import Case, Client
from ..selectors import case_list_for_ui, client_search_q, search_terms
from ..services import client_set_public_medical


@admin.register(Client)
class ClientAdmin(CappedSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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
    readonly_fields = fieldset_fields(fieldsets)

    search_words = staticmethod(search_terms)  # a NIP typed with spaces is one word

    def search_shapes(self, term):
        """Name, e-mail or NIP through the trigram indexes (`client_search_q`), counted up to 1000: a name a
        tenth of 25,000 clients share is not counted to the end (24 ms at 100,000 cases)."""
        condition = client_search_q(term)
        return condition, condition

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
