from django.contrib import admin

from .models import InterestNote


@admin.register(InterestNote)
class InterestNoteAdmin(admin.ModelAdmin):
    """Read-only: notes are issued, sent and marked paid from /documents/interest-notes/ (services)."""

    list_display = ("number", "case", "issue_date", "interest", "currency", "send_status", "sent_at", "paid_at")
    list_filter = ("send_status", "year")
    search_fields = ("number", "case__invoice__number")
    exclude = ("data",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
