from django.contrib import admin

from .models import LoginFailure


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Read-only; deleting a user's rows lifts their lock early."""

    list_display = ["failed_at", "username", "ip"]
    search_fields = ["username", "ip"]
    date_hierarchy = "failed_at"
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
