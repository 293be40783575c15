from django.contrib import admin

from common.admin_utils import ReadOnlyAdminMixin

from .models import InterestNote


@admin.register(InterestNote)
class InterestNoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: notes are issued, sent and marked paid from /documents/interest-notes/ (services)."""

    list_display = ("number", "case", "issue_date", "interest", "currency", "send_status", "sent_at", "paid_at")
    list_filter = ("send_status", "year")
    search_fields = ("number", "case__invoice__number")
    exclude = ("data",)
