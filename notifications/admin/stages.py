"""The reminder stage admin: the ladder's list, the editor (its form in `stage_form`) and the editor's live
preview and test send (views of their own, under the stage admin's URLs)."""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cases.models import Case, ReminderStage
from common.calendar import business_today

from ..emails import LANGUAGES, STAGE_VARIABLES, LetterItem, StageTexts, reminder_context, render_reminder
from ..render_limits import render_limited
from ..selectors import letters_sent_before, reminder_stages_active
from ..services import reminder_send_test
from ..services.stages import reminder_stage_saved
from .stage_form import ReminderStageForm, letter_variants

log = logging.getLogger("invoicetracker.reminders")


def _variable_description(text: str) -> str:
    """A stage variable's description ("polski / English") in the reader's language."""
    polish, separator, english = text.partition(" / ")
    return english if separator and (get_language() or "").startswith("en") else polish


class ReminderStageAdmin(admin.ModelAdmin):
    """ReminderStage's admin (the model lives in `cases`), registered at the site's assembly
    (invoicetracker/admin.py)."""

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
        moved = reminder_stage_saved(created=not change, changed=form.changed_data)
        if moved is not None:
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
            variants = letter_variants(
                [LetterItem(case, stage)], day=day, stages=stages, texts=texts, language=language, history=history
            )
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
