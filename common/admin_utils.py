"""Admin helpers shared by every app (imports nothing from the apps, so no cycles)."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """No add, change or delete: the admin (or inline) only shows the rows."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
