from django.conf import settings
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LoginFailure


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Read-only; deleting rows lifts their lock early (superusers, or whoever is given the permission)."""

    list_display = ["last_failure", "username", "ip_address", "failures_since_start", "locks"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    list_per_page = 100
    fields = ["username", "ip_address", "failures_since_start", "attempt_time", "user_agent", "path_info"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("ostatnia nieudana próba"), ordering="attempt_time")
    def last_failure(self, obj):
        return _when(obj.attempt_time)

    @admin.display(description=_("blokuje do"))
    def locks(self, obj):
        """Until when this row alone locks its user name at its address (the address may be locked by
        several rows together)."""
        until = obj.attempt_time + settings.AXES_COOLOFF_TIME
        if obj.failures_since_start >= settings.LOGIN_FAILURE_LIMIT and until > timezone.now():
            return _when(until)
        return "—"
