"""Read-only admin for sync runs and the records they skipped (the status panel lives in views.py)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common import formatting
from common.admin_utils import ReadOnlyAdminMixin

from .models import SkippedRecord, SyncRun
from .selectors import PHASE_LABELS, request_kinds_display


class SkippedRecordInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SkippedRecord
    extra = 0
    can_delete = False
    fields = ("kind", "endpoint", "record_id", "reason")
    readonly_fields = fields
    show_change_link = True


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "started",
        "kind",
        "trigger",
        "status",
        "dry_run",
        "target",
        "duration_display",
        "invoices_read",
        "cases_opened",
        "cases_refreshed",
        "cases_closed",
        "records_skipped",
        "api_requests",
    )
    list_filter = ("status", "kind", "trigger", "dry_run")
    date_hierarchy = "started_at"
    list_per_page = 100
    show_full_result_count = False
    list_select_related = ("triggered_by",)
    inlines = [SkippedRecordInline]
    exclude = (
        "phase",
        "api_requests_by_kind",
        "progress_done",
        "progress_total",
        "infakt_client_total",
        "claims_refresh",
    )
    readonly_fields = ("phase_display", "requests_by_kind_display", "claims_refresh_display")

    @admin.display(description=_("kursy NBP i roszczenia"))
    def claims_refresh_display(self, obj):
        """What the run did for the claims, as on the run's page (NBP's raw errors stay there, in full)."""
        record = obj.claims_refresh or {}
        if not record:
            return "—"
        parts = [_("zapisane roszczenia: %(n)s") % {"n": record.get("refreshed", 0)}]
        if record.get("fetched"):
            parts.append(_("pobrane kursy: %(rates)s") % {"rates": ", ".join(record["fetched"])})
        if record.get("failed"):
            parts.append(
                _("kursy do uzupełnienia: %(rates)s")
                % {"rates": ", ".join(f"{f['currency']} {f['month']}" for f in record["failed"])}
            )
        if record.get("error"):
            parts.append(_("błąd"))
        return "; ".join(str(part) for part in parts)

    @admin.display(description=_("etap"))
    def phase_display(self, obj):
        return PHASE_LABELS.get(obj.phase, obj.phase)

    @admin.display(description=_("zapytania API wg rodzaju"))
    def requests_by_kind_display(self, obj):
        return ", ".join(f"{label}: {n}" for label, n in request_kinds_display(obj.api_requests_by_kind)) or "—"

    @admin.display(description=_("start"), ordering="started_at")
    def started(self, obj):
        return formatting.format_datetime(obj.started_at)

    @admin.display(description=_("dzień"), ordering="target_date")
    def target(self, obj):
        return formatting.format_date(obj.target_date)

    @admin.display(description=_("czas trwania"))
    def duration_display(self, obj):
        duration = obj.duration
        if duration is None:
            return "—"
        seconds = int(duration.total_seconds())
        return f"{seconds // 60}:{seconds % 60:02d}"


@admin.register(SkippedRecord)
class SkippedRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("run", "kind", "endpoint", "record_id", "reason")
    list_filter = ("kind", "endpoint")
    search_fields = ("record_id", "reason")
    list_select_related = ("run",)
    raw_id_fields = ("run",)
    list_per_page = 100
    show_full_result_count = False
