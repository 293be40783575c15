"""Invoices mirror InFakt: read-only, searched through trigram indexes."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common import formatting
from common.admin_search import CappedSearchMixin
from common.admin_utils import ReadOnlyAdminMixin

from ..models import Invoice
from ..selectors import invoice_search_dense_q, invoice_search_q, search_terms


@admin.register(Invoice)
class InvoiceAdmin(CappedSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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

    search_words = staticmethod(search_terms)  # a NIP typed with spaces is one word

    def search_shapes(self, term):
        """Number, client name, e-mail or NIP: through the trigram indexes (`invoice_search_q`), counted up
        to 1000; a word found in more invoices walks the list with the clients as a hashed set."""
        return invoice_search_q(term), invoice_search_dense_q(term)

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
