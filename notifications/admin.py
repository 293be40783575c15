"""Admin for reminder e-mails: the stage ladder (editable, with a live preview and a test send),
the read-only notification log, the sending runs, and `NotificationInline` for the case admin.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import F, Q
from django.http import HttpRequest, JsonResponse
from django.template import Template, TemplateSyntaxError
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cases.calendar import business_today
from cases.formatting import format_datetime
from cases.models import Case, Client, Invoice, ReminderStage
from cases.selectors import InArray, case_search_q, client_search_q, invoice_search_q, search_terms
from invoicetracker.admin_utils import ReadOnlyAdminMixin

from .emails import (
    LANGUAGES,
    STAGE_VARIABLES,
    LetterItem,
    StageTexts,
    reminder_context,
    render_letters,
    render_reminder,
)
from .models import Notification, ReminderMessage, ReminderRun
from .render_limits import render_limited
from .selectors import letters_sent_before, reminder_stages_active
from .services import (
    COUNTERS,
    ReminderNotSendable,
    notification_confirm_sent,
    notification_resend,
    reminder_send_test,
    reminder_stages_reschedule,
)

log = logging.getLogger("invoicetracker.reminders")

TEXT_FIELDS = ("subject", "body_text", "body_html")


def _case_link(case: Case) -> str:
    try:
        url = reverse("admin:cases_case_change", args=[case.pk])
    except NoReverseMatch:
        return str(case)
    return format_html('<a href="{}">{}</a>', url, case)


def _variable_description(text: str) -> str:
    """A stage variable's description ("polski / English") in the reader's language."""
    polish, separator, english = text.partition(" / ")
    return english if separator and (get_language() or "").startswith("en") else polish


# --- Notification log -------------------------------------------------------------


# A searched e-mail log is counted up to this many rows: beyond it the lists say "more than".
SEARCH_COUNT_CAP = 1000


class CappedCountPaginator(Paginator):
    """A searched log's paginator: the count the search already took (at most SEARCH_COUNT_CAP + 1 rows),
    so a word matching a tenth of 300,000 e-mails costs the same as one matching a hundred."""

    def __init__(self, *args, found: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.capped = found > SEARCH_COUNT_CAP
        self.count = min(found, SEARCH_COUNT_CAP)  # the cached_property, set


class CappedSearchMixin:
    """The e-mail log's search in two shapes, chosen by how many rows the word finds (issue 13).

    `search_shapes(term)` gives (sparse, dense): the same rows either way. The sparse shape reads the
    matches through indexes (trigram, client_id; one BitmapOr) and is counted first, stopping after
    SEARCH_COUNT_CAP + 1 rows. Up to the cap the list uses it: a few rows, all read. Past the cap the word
    is common (a name a tenth of the clients share): reading every match for the count, the sort and the
    date bar grew with the log (0.3-0.5 s at 100,000 cases), so the list takes the dense shape instead,
    a hashed set that PostgreSQL tests while walking the log in display order, and stops after a page;
    the count says "more than 1000" and the date bar walks its index too.
    """

    def get_search_results(self, request, queryset, search_term):
        terms = search_terms(search_term)
        if not terms:
            return queryset, False
        sparse, dense = queryset, queryset
        for term in terms:
            sparse_q, dense_q = self.search_shapes(term)
            sparse, dense = sparse.filter(sparse_q), dense.filter(dense_q)
        found = sparse.order_by().values("pk")[: SEARCH_COUNT_CAP + 1].count()
        request._log_search_found = found
        return (sparse if found <= SEARCH_COUNT_CAP else dense), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        found = getattr(request, "_log_search_found", None)
        if found is None:
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        return CappedCountPaginator(queryset, per_page, orphans, allow_empty_first_page, found=found)


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
class NotificationAdmin(CappedSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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
    readonly_fields = (
        "case_display",
        "stage",
        "stage_offset",
        "status",
        "reason",
        "mode",
        "triggered_by",
        "send_date",
        "recipients_display",
        "cc_display",
        "message_id",
        "attempts",
        "created_at",
        "sent_at",
        "run",
        "language",
        "subject",
        "body_text_display",
        "body_html_display",
        "error",
    )

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
        value = term.strip()
        bare = value.strip("<>")
        message = Q(message_id__in=[bare, f"<{bare}>"])
        sparse = invoice_search_q(term, prefix="case__invoice__")
        if "@" in term:
            # Two conditions on the log itself, each on an index (case_id, message_id): one BitmapOr.
            # (An OR of the Message-ID with the joined invoice's conditions could only be a scan.)
            cases = Case.objects.filter(case_search_q(term)).order_by().values("pk")
            sparse = Q(InArray(F("case_id"), cases)) | message
        clients = Client.objects.filter(client_search_q(value)).order_by().values("pk")
        dense = Q(case__invoice__number__icontains=value) | Q(case__invoice__client_id__in=clients) | message
        return sparse, dense

    def has_send_manual_permission(self, request):
        return request.user.has_perm("notifications.send_manual")

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
        done = 0
        for notification in queryset.select_related("case", "stage"):
            try:
                result = notification_resend(notification=notification, user=request.user)
            except ReminderNotSendable as exc:
                self.message_user(request, f"{notification.case}: {exc}", messages.WARNING)
                continue
            if result.status == Notification.Status.SENT:
                done += 1
            else:
                self.message_user(
                    request, f"{notification.case}: {result.get_status_display()} — {result.error}", messages.ERROR
                )
        self.message_user(request, _("Wysłano ponownie: %(n)s") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Potwierdź wysłanie (sprawdzone w logu serwera poczty)"), permissions=["send_manual"])
    def confirm_sent(self, request, queryset):
        done = sum(
            notification_confirm_sent(notification=n, user=request.user)
            for n in queryset.filter(status=Notification.Status.UNCERTAIN).select_related("case", "stage")
        )
        self.message_user(request, _("Potwierdzono: %(n)s") % {"n": done}, messages.SUCCESS)


@admin.register(ReminderRun)
class ReminderRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "started_at", "trigger", *COUNTERS, "held_reason")  # every counter the run stores
    list_filter = ("trigger",)
    date_hierarchy = "started_at"
    list_per_page = 100
    show_full_result_count = False


class _ChoicesFilter(admin.SimpleListFilter):
    """A filter on a text column whose values are a known set: the choices listed without the
    `SELECT DISTINCT` over the whole log that Django's filter on a plain field runs on every page
    (two sequential scans of ~200,000 e-mails, 80 ms at 100,000 cases)."""

    choices_from: type[models.TextChoices]

    def lookups(self, request, model_admin):
        return self.choices_from.choices

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.parameter_name: value}) if value else queryset


class MessageStatusFilter(_ChoicesFilter):
    title = _("status")
    parameter_name = "status"
    choices_from = Notification.Status  # an e-mail's status follows its letters' (notifications.models)


class MessageModeFilter(_ChoicesFilter):
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
            bare = term.strip().strip("<>")
            message = Q(message_id__in=[bare, f"<{bare}>"])
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


# --- Reminder stages ----------------------------------------------------------------


class ReminderStageForm(forms.ModelForm):
    class Meta:
        model = ReminderStage
        fields = (
            "name",
            "offset_days",
            "is_active",
            "attaches_demand",
            *(f"{name}_{language}" for language in LANGUAGES for name in TEXT_FIELDS),
        )

    def clean(self):
        cleaned = super().clean()
        for language in LANGUAGES:
            for name in TEXT_FIELDS:
                field = f"{name}_{language}"
                source = cleaned.get(field) or ""
                try:
                    Template(source)
                except TemplateSyntaxError as exc:
                    self.add_error(field, _("Błąd w szablonie: %(error)s") % {"error": exc})
        if not self.errors:
            self._check_renders(cleaned)
        if not (cleaned.get("subject_pl") or "").strip():
            self.add_error("subject_pl", _("Temat po polsku jest wymagany."))
        if not (cleaned.get("body_text_pl") or "").strip():
            self.add_error("body_text_pl", _("Treść tekstowa po polsku jest wymagana."))
        return cleaned

    def _check_renders(self, cleaned) -> None:
        """A template that parses but fails when rendered (a bad filter argument...) is refused too:
        every language, business and consumer, one invoice and a digest of two, on sample data."""
        stage = ReminderStage(name=cleaned.get("name") or "?", offset_days=cleaned.get("offset_days") or 0)
        items = sample_letters(stage)
        for language in LANGUAGES:
            texts = StageTexts(
                subject=cleaned.get(f"subject_{language}") or cleaned.get("subject_pl") or "",
                body_text=cleaned.get(f"body_text_{language}") or cleaned.get("body_text_pl") or "",
                body_html=cleaned.get(f"body_html_{language}") or cleaned.get("body_html_pl") or "",
            )
            for consumer in (False, True):
                for letters in (items[:1], items):
                    try:
                        render_letters(
                            items=letters,
                            day=business_today(),
                            stages=[stage],
                            texts=texts,
                            language=language,
                            consumer=consumer,
                            history=[{"date": "02.11.2026", "name": "?", "offset": 7, "invoice_number": "FV 1"}],
                        )
                    except Exception as exc:
                        self.add_error(
                            f"body_text_{language}",
                            _("Szablon nie daje się złożyć (%(variant)s): %(error)s")
                            % {"variant": language.upper(), "error": f"{type(exc).__name__}: {exc}"},
                        )
                        return


def sample_letters(stage: ReminderStage) -> list[LetterItem]:
    """Two unsaved sample invoices of one client, to check that a stage's texts render."""
    today = business_today()
    client = Client(infakt_id=0, company_name="Przykład Sp. z o.o.", nip="5261040828", emails=["a@example.com"])
    items = []
    for n in (1, 2):
        invoice = Invoice(
            infakt_id=n,
            number=f"FV {n}/2026",
            status=Invoice.Status.SENT,
            issue_date=today,
            due_date=today,
            gross=123456,
            left_to_pay=123456,
            currency="PLN",
            client=client,
        )
        items.append(LetterItem(Case(pk=n, invoice=invoice), stage))
    return items


class ReminderStageAdmin(admin.ModelAdmin):
    """Registered from NotificationsConfig.ready() (see apps.py)."""

    form = ReminderStageForm
    list_display = ("name", "offset_display", "is_active", "attaches_demand", "has_english")
    list_filter = ("is_active",)
    ordering = ("offset_days",)
    search_fields = ("name", "subject_pl", "subject_en")
    list_per_page = 100
    fieldsets = (
        (None, {"fields": ("name", "offset_days", "is_active", "attaches_demand")}),
        (_("Treść po polsku"), {"fields": ("subject_pl", "body_text_pl", "body_html_pl")}),
        (
            _("Treść po angielsku"),
            {
                "fields": ("subject_en", "body_text_en", "body_html_en"),
                "description": _("Dla kontrahentów z językiem angielskim. Puste pole: użyta zostanie wersja polska."),
            },
        ),
    )

    def has_delete_permission(self, request, obj=None):
        return False  # the e-mail log points at stages; deactivate one instead

    @admin.display(description=_("przesunięcie"), ordering="offset_days")
    def offset_display(self, obj):
        if obj.offset_days < 0:
            n = -obj.offset_days
            return ngettext("%(n)s dzień przed terminem", "%(n)s dni przed terminem", n) % {"n": n}
        return ngettext("%(n)s dzień po terminie", "%(n)s dni po terminie", obj.offset_days) % {"n": obj.offset_days}

    @admin.display(description=_("wersja angielska"), boolean=True)
    def has_english(self, obj):
        return bool(obj.subject_en and obj.body_text_en)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or {"offset_days", "is_active"} & set(form.changed_data):
            moved = reminder_stages_reschedule()
            self.message_user(request, _("Zaktualizowano harmonogram spraw: %(n)s") % {"n": moved}, messages.INFO)

    # -- preview and test send

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        custom = [
            path("preview/", self.admin_site.admin_view(self.preview_view), name=f"{prefix}_preview"),
            path("send-test/", self.admin_site.admin_view(self.send_test_view), name=f"{prefix}_send_test"),
        ]
        return custom + super().get_urls()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "stage_variables": [(name, _variable_description(text)) for name, text in STAGE_VARIABLES.items()],
            "preview_cases": self._preview_cases(),
            "preview_languages": LANGUAGES,
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _preview_cases() -> list[Case]:
        return list(
            Case.objects.filter(status=Case.Status.ACTIVE)
            .select_related("invoice", "invoice__client")
            .order_by("-opened_at")[:50]
        )

    def _preview_input(self, request: HttpRequest):
        """(unsaved stage, texts, language, case) from the change form's current values."""
        data = request.POST
        language = data.get("preview_language") if data.get("preview_language") in LANGUAGES else "pl"
        cases = Case.objects.select_related("invoice", "invoice__client")
        case = None
        if (data.get("preview_case") or "").isdigit():
            case = cases.filter(pk=int(data["preview_case"])).first()
        if case is None:
            case = (
                cases.filter(status=Case.Status.ACTIVE, invoice__client__language=language)
                .order_by("-opened_at")
                .first()
                or cases.filter(status=Case.Status.ACTIVE).order_by("-opened_at").first()
                or cases.order_by("-opened_at").first()
            )
        try:
            offset = int(data.get("offset_days") or 0)
        except ValueError:
            offset = 0
        stage = ReminderStage(name=data.get("name", ""), offset_days=offset, is_active=True)
        if (data.get("stage_id") or "").isdigit():
            stage.pk = int(data["stage_id"])

        def text(name: str) -> str:
            return data.get(f"{name}_{language}", "") or data.get(f"{name}_pl", "")

        texts = StageTexts(subject=text("subject"), body_text=text("body_text"), body_html=text("body_html"))
        stages = [s for s in reminder_stages_active() if s.pk != stage.pk]
        return stage, texts, language, case, stages

    def preview_view(self, request: HttpRequest):
        # Staff only: it renders whatever template is posted (bounded, see render_limits); managers read.
        if not self.has_change_permission(request):
            raise PermissionDenied
        return require_POST(self._preview)(request)

    def _preview(self, request: HttpRequest) -> JsonResponse:
        stage, texts, language, case, stages = self._preview_input(request)
        if case is None:
            return JsonResponse({"error": str(_("Brak spraw do podglądu: podgląd potrzebuje choć jednej sprawy."))})
        day = business_today()
        history = letters_sent_before(case_ids=[case.pk], before=day)
        try:
            context = reminder_context(case=case, stage=stage, day=business_today(), stages=stages, language=language)
            for source, autoescape in ((texts.subject, False), (texts.body_text, False), (texts.body_html, True)):
                render_limited(source, context, autoescape=autoescape)  # bounded: time, loops, size
            rendered = render_reminder(
                case=case, stage=stage, day=day, stages=stages, texts=texts, language=language, history=history
            )
            variants = {
                name: render_letters(
                    items=[LetterItem(case, stage)],
                    day=day,
                    stages=stages,
                    texts=texts,
                    language=language,
                    history=history,
                    consumer=consumer,
                )
                for name, consumer in (("business", False), ("consumer", True))
            }
        except Exception as exc:  # a half-typed template: show the error, keep the page working
            return JsonResponse({"error": f"{type(exc).__name__}: {exc}"})
        client = case.invoice.client
        return JsonResponse(
            {
                "case": f"{case.invoice.number} · {client.name if client else '—'}",
                "case_id": case.pk,
                "language": language,
                "recipients": list(client.emails) if client else [],
                "subject": rendered.subject,
                "text": rendered.body_text,
                "html": rendered.body_html,
                "variants": {
                    name: {"subject": r.subject, "text": r.body_text, "html": r.body_html}
                    for name, r in variants.items()
                },
            }
        )

    def send_test_view(self, request: HttpRequest):
        if not self.has_change_permission(request) and not self.has_add_permission(request):
            raise PermissionDenied
        return require_POST(self._send_test)(request)

    def _send_test(self, request: HttpRequest) -> JsonResponse:
        to = (request.user.email or "").strip()
        if not to:
            return JsonResponse({"ok": False, "error": str(_("Twoje konto nie ma adresu e-mail."))})
        stage, texts, language, case, stages = self._preview_input(request)
        if case is None:
            return JsonResponse({"ok": False, "error": str(_("Brak spraw do podglądu."))})
        try:
            reminder_send_test(stage=stage, case=case, to=to, texts=texts, language=language, stages=stages)
        except Exception as exc:
            log.warning("test reminder to %s failed: %s", to, exc)
            return JsonResponse({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        return JsonResponse(
            {
                "ok": True,
                "message": str(
                    _("Wysłano test na %(to)s (%(time)s).") % {"to": to, "time": f"{timezone.localtime():%H:%M:%S}"}
                ),
            }
        )


def register_stage_admin(site: admin.AdminSite) -> None:
    """ReminderStage's admin lives here (issue #4); replace any other registration of it."""
    if site.is_registered(ReminderStage):
        site.unregister(ReminderStage)
    site.register(ReminderStage, ReminderStageAdmin)
