"""The reminder stage's form: every language's texts must parse and render, checked on sample letters
(one invoice and a digest of two, for a business client and a consumer)."""

from __future__ import annotations

from django import forms
from django.template import Template, TemplateSyntaxError
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Client, Invoice, ReminderStage
from common.calendar import business_today

from ..emails import LANGUAGES, LetterItem, StageTexts, render_letters

TEXT_FIELDS = ("subject", "body_text", "body_html")


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
            for letters in (items[:1], items):
                try:
                    letter_variants(
                        letters,
                        day=business_today(),
                        stages=[stage],
                        texts=texts,
                        language=language,
                        history=[{"date": "02.11.2026", "name": "?", "offset": 7, "invoice_number": "FV 1"}],
                    )
                except Exception as exc:
                    self.add_error(
                        f"body_text_{language}",
                        _("Szablon nie daje się złożyć (%(variant)s): %(error)s")
                        % {"variant": language.upper(), "error": f"{type(exc).__name__}: {exc}"},
                    )
                    return


def letter_variants(items: list[LetterItem], **render) -> dict:
    """The letters rendered for a business client and for a consumer (their claims differ)."""
    return {
        name: render_letters(items=items, consumer=consumer, **render)
        for name, consumer in (("business", False), ("consumer", True))
    }


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
