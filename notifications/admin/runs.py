"""The sending runs (one a day, or one a manual send), read-only: when, what triggered it, every counter."""

from __future__ import annotations

from django.contrib import admin

from common.admin_utils import ReadOnlyAdminMixin

from ..models import ReminderRun
from ..services import COUNTERS


@admin.register(ReminderRun)
class ReminderRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "started_at", "trigger", *COUNTERS, "held_reason")  # every counter the run stores
    list_filter = ("trigger",)
    date_hierarchy = "started_at"
    list_per_page = 100
    show_full_result_count = False
