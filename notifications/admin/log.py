"""The e-mail log, read-only: each reminder as decided (`NotificationAdmin`, with "resend" and "confirm sent"),
the e-mails as sent (`ReminderMessageAdmin`, one a client a day or one a letter), and the case's e-mail log
(`NotificationInline`, added to the case admin at the site's assembly, invoicetracker/admin.py).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Client
from cases.selectors import InArray, case_search_q, invoice_search_dense_q, invoice_search_q, search_terms
from common.admin_search import CappedSearchMixin, ChoicesFilter
from common.admin_utils import ReadOnlyAdminMixin, fieldset_fields
from common.formatting import format_datetime

from ..admin_actions import SendManualPermission
from ..models import Notification, ReminderMessage
from ..services import notification_confirm_sent
from ..services.batch import notifications_resend
from .search import message_id_q


def _case_link(case: Case) -> str:
    try:
        url = reverse("admin:cases_case_change", args=[case.pk])
    except NoReverseMatch:
        return str(case)
    return format_html('<a href="{}">{}</a>', url, case)


class NotificationInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The case's e-mail log, read-only (used by the case admin)."""

    model = Notification
    fk_name = "case"
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-created_at",)
    fields = ("created_at", "stage", "status", "mode", "recipients_display", "attempts", "sent_at", "error")
    readonly_fields = fields
    verbose_name = _("e-mail")
    verbose_name_plural = _("wysłane e-maile")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("stage")

    @admin.display(description=_("odbiorcy"))
    def recipients_display(self, obj):
        return ", ".join(obj.recipients)


class OutcomeFilter(admin.SimpleListFilter):
    title = _("wynik")
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [
            ("ok", _("wysłane")),
            ("error", _("błąd")),
            ("review", _("do sprawdzenia")),
            ("not_sent", _("wstrzymane lub pominięte")),
        ]

    def queryset(self, request, queryset):
        status = Notification.Status
        match self.value():
            case "ok":
                return queryset.filter(status=status.SENT)
            case "error":
                return queryset.filter(status__in=[status.FAILED, status.UNCERTAIN])
            case "review":
                return queryset.filter(
                    Q(status=status.UNCERTAIN) | Q(status=status.FAILED, reason=Notification.Reason.MAX_ATTEMPTS)
                )
            case "not_sent":
                return queryset.filter(status__in=[status.HELD, status.SKIPPED])
        return queryset


@admin.register(Notification)
class NotificationAdmin(CappedSearchMixin, SendManualPermission, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "case_display",
        "stage_display",
        "status",
        "mode",
        "recipients_display",
        "attempts",
        "sent_display",
        "reason",
    )
    list_filter = (OutcomeFilter, "status", "mode", "reason", "stage")
    # Shown by the search box; the search itself is get_search_results (indexes, no join over the log).
    search_fields = ("case__invoice__number", "case__invoice__client__company_name", "message_id")
    search_help_text = _("Numer faktury, nazwa kontrahenta, NIP, e-mail kontrahenta lub Message-ID.")
    date_hierarchy = "created_at"
    list_per_page = 100
    show_full_result_count = False  # one COUNT per page, not two
    search_words = staticmethod(search_terms)  # a NIP typed with spaces is one word
    raw_id_fields = ("case", "triggered_by", "run")
    actions = ("resend", "confirm_sent")
    fieldsets = (
        (None, {"fields": ("case_display", "stage", "stage_offset", "status", "reason", "mode", "triggered_by")}),
        (
            _("Wysyłka"),
            {
                "fields": (
                    "send_date",
                    "recipients_display",
                    "cc_display",
                    "message_id",
                    "attempts",
                    "created_at",
                    "sent_at",
                    "run",
                )
            },
        ),
        (_("Treść"), {"fields": ("language", "subject", "body_text_display", "body_html_display")}),
        (_("Błąd"), {"fields": ("error",)}),
    )
    readonly_fields = fieldset_fields(fieldsets)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("case__invoice", "stage", "triggered_by")
        match = getattr(request, "resolver_match", None)
        if match and match.url_name and match.url_name.endswith("_changelist"):
            # 100 rows of the log without their bodies: a page reads kilobytes, not megabytes.
            queryset = queryset.defer("body_text", "body_html", "case__invoice__raw")
        return queryset

    def search_shapes(self, term: str) -> tuple[Q, Q]:
        """The e-mails of the cases the case list finds (invoice number, client name, e-mail, NIP; trigram
        indexes), or with that Message-ID (with or without its angle brackets), in both shapes
        (`CappedSearchMixin`). Sparse: on the invoice the list joins anyway (`invoice_search_q`), so
        PostgreSQL reads the matching invoices and their e-mails. Dense: the same conditions on the joined
        invoice as an OR, the clients found as a small hashed set, tested row by row while the log is
        walked in display order (each row's case and invoice read through their primary keys); the
        Message-ID's part finds nothing more for a word without an "@" (a Message-ID always holds one)."""
        message = message_id_q(term)
        sparse = invoice_search_q(term, prefix="case__invoice__")
        if "@" in term:
            # Two conditions on the log itself, each on an index (case_id, message_id): one BitmapOr.
            # (An OR of the Message-ID with the joined invoice's conditions could only be a scan.)
            cases = Case.objects.filter(case_search_q(term)).order_by().values("pk")
            sparse = Q(InArray(F("case_id"), cases)) | message
        dense = invoice_search_dense_q(term, prefix="case__invoice__") | message
        return sparse, dense

    # Sorted by case (its e-mails together) through an index, not by invoice number across a join.
    @admin.display(description=_("sprawa"), ordering="case_id")
    def case_display(self, obj):
        return _case_link(obj.case)

    @admin.display(description=_("etap"), ordering="stage_offset")
    def stage_display(self, obj):
        offset = obj.stage_offset if obj.stage_offset is not None else obj.stage.offset_days
        return f"{obj.stage.name} ({offset:+d})"

    @admin.display(description=_("odbiorcy"))
    def recipients_display(self, obj):
        return ", ".join(obj.recipients) or "—"

    @admin.display(description=_("kopia (DW)"))
    def cc_display(self, obj):
        return ", ".join(obj.cc or []) or "—"

    @admin.display(description=_("wysłano"), ordering="sent_at")
    def sent_display(self, obj):
        return format_datetime(obj.sent_at)

    @admin.display(description=_("treść"))
    def body_text_display(self, obj):
        return format_html('<pre style="white-space:pre-wrap;margin:0">{}</pre>', obj.body_text)

    @admin.display(description=_("treść HTML"))
    def body_html_display(self, obj):
        if not obj.body_html:
            return "—"
        return format_html(
            '<iframe sandbox srcdoc="{}" style="width:100%;max-width:760px;height:480px;border:1px solid #ccc">'
            "</iframe>",
            obj.body_html,
        )

    @admin.action(description=_("Wyślij ponownie ręcznie (niepewne lub nieudane)"), permissions=["send_manual"])
    def resend(self, request, queryset):
        outcome = notifications_resend(notifications=queryset.select_related("case", "stage"), user=request.user)
        for notification, why in outcome.refused:
            self.message_user(request, f"{notification.case}: {why}", messages.WARNING)
        for notification, result in outcome.failed:
            self.message_user(
                request, f"{notification.case}: {result.get_status_display()} — {result.error}", messages.ERROR
            )
        self.message_user(request, _("Wysłano ponownie: %(n)s") % {"n": outcome.sent}, messages.SUCCESS)

    @admin.action(description=_("Potwierdź wysłanie (sprawdzone w logu serwera poczty)"), permissions=["send_manual"])
    def confirm_sent(self, request, queryset):
        done = sum(
            notification_confirm_sent(notification=n, user=request.user)
            for n in queryset.filter(status=Notification.Status.UNCERTAIN).select_related("case", "stage")
        )
        self.message_user(request, _("Potwierdzono: %(n)s") % {"n": done}, messages.SUCCESS)


class MessageStatusFilter(ChoicesFilter):
    title = _("status")
    parameter_name = "status"
    choices_from = Notification.Status  # an e-mail's status follows its letters' (notifications.models)


class MessageModeFilter(ChoicesFilter):
    title = _("tryb")
    parameter_name = "mode"
    choices_from = Notification.Mode


@admin.register(ReminderMessage)
class ReminderMessageAdmin(CappedSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The e-mails as sent: one per client a day (a digest) or one per letter; read-only."""

    list_display = ("send_date", "client_shown", "status", "mode", "subject", "items", "recipients_shown", "sent_at")
    list_filter = (MessageStatusFilter, MessageModeFilter)
    date_hierarchy = "send_date"
    search_fields = ("subject", "items", "message_id", "client__company_name", "client__last_name")
    list_select_related = ("client",)
    list_per_page = 100
    show_full_result_count = False
    search_words = staticmethod(search_terms)  # a NIP typed with spaces is one word
    fieldsets = (
        (None, {"fields": ("send_date", "client", "status", "mode", "triggered_by", "run", "sent_at")}),
        (
            _("Wiadomość"),
            {"fields": ("recipients_shown", "cc_shown", "subject", "items", "lead_offset", "language", "message_id")},
        ),
        (_("Treść"), {"fields": ("body_shown", "error")}),
    )

    def search_shapes(self, term: str) -> tuple[Q, Q]:
        """The e-mails whose subject or items hold the word, or of the clients whose name does (each through
        a trigram index), or with that Message-ID when the word has an "@", in both shapes
        (`CappedSearchMixin`). Sparse: `client_id = ANY(ARRAY(clients))`, so the conditions are one BitmapOr
        of the subject's and the items' trigram indexes and the client_id index. Dense: the clients as a
        hashed set, tested while the log is walked in display order."""
        clients = (
            Client.objects.filter(
                Q(company_name__icontains=term) | Q(last_name__icontains=term) | Q(first_name__icontains=term)
            )
            .order_by()
            .values("pk")
        )
        text = Q(subject__icontains=term) | Q(items__icontains=term)
        sparse, dense = text | Q(InArray(F("client_id"), clients)), text | Q(client_id__in=clients)
        if "@" in term:
            message = message_id_q(term)
            sparse, dense = sparse | message, dense | message
        return sparse, dense

    # Sorted by client (its e-mails together) through an index, not by name across a join.
    @admin.display(description=_("kontrahent"), ordering="client_id")
    def client_shown(self, obj):
        return obj.client.name if obj.client else "—"

    @admin.display(description=_("odbiorcy"))
    def recipients_shown(self, obj):
        return ", ".join(obj.recipients)

    @admin.display(description=_("DW"))
    def cc_shown(self, obj):
        return ", ".join(obj.cc) or "—"

    @admin.display(description=_("treść"))
    def body_shown(self, obj):
        """The text as the client read it (in the client's language), kept apart from the interface."""
        return format_html('<pre style="white-space:pre-wrap;margin:0">{}</pre>', obj.body_text)
