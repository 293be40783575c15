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


def fieldset_fields(fieldsets) -> tuple[str, ...]:
    """Every field the fieldsets show, in order: the `readonly_fields` of an admin that edits none of them."""
    return tuple(name for _title, options in fieldsets for name in options["fields"])
