"""Small forms behind the admin actions that need parameters (pause, close, send a stage)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.calendar import business_today

from .models import Case, CaseEvent, ReminderStage


class DateInput(forms.DateInput):
    """The browser's own date picker; the value travels as ISO (accepted by DATE_INPUT_FORMATS)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PauseForm(forms.Form):
    until = forms.DateField(label=_("Wstrzymaj do (włącznie)"), widget=DateInput())
    reason = forms.ChoiceField(label=_("Powód"), choices=Case.PauseReason.choices)
    note = forms.CharField(label=_("Notatka"), max_length=200, required=False)

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until < business_today():
            raise forms.ValidationError(_("Data wstrzymania nie może być w przeszłości."))
        return until


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Powód zamknięcia"),
        max_length=200,
        help_text=_("Zapisywany na osi czasu sprawy. Sprawa zamknięta ręcznie nie zostanie ponownie otwarta."),
    )


class SendStageForm(forms.Form):
    stage = forms.ModelChoiceField(
        label=_("Etap do wysłania"), queryset=ReminderStage.objects.filter(is_active=True).order_by("offset_days")
    )


class WaiverForm(forms.Form):
    waive_interest = forms.BooleanField(label=_("Bez odsetek"), required=False)
    waive_compensation = forms.BooleanField(label=_("Bez rekompensaty"), required=False)
    reason = forms.CharField(label=_("Powód"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if (data.get("waive_interest") or data.get("waive_compensation")) and not data.get("reason", "").strip():
            self.add_error("reason", _("Podaj powód rezygnacji."))
        return data


class HandOverForm(forms.Form):
    to = forms.CharField(label=_("Komu przekazano"), max_length=255)
    on = forms.DateField(label=_("Dnia"), widget=DateInput(), initial=business_today)
    note = forms.CharField(label=_("Notatka"), max_length=500, required=False)


# --- The clerk's actions on the case page (issue 13); the view calls cases.services -------------


class CasePauseForm(PauseForm):
    """Pause from the case page: a dated reason (a promise has its own form; a correction review
    is started by the sync, not by hand)."""

    reason = forms.ChoiceField(
        label=_("Powód"),
        choices=[(reason.value, reason.label) for reason in (Case.PauseReason.DISPUTE, Case.PauseReason.OTHER)],
    )


class PromiseForm(forms.Form):
    on = forms.DateField(label=_("Zapłaci do (włącznie)"), widget=DateInput())
    amount = forms.DecimalField(label=_("Kwota"), max_digits=14, decimal_places=2, localize=True)
    note = forms.CharField(label=_("Notatka"), max_length=200, required=False)

    def __init__(self, *args, case: Case, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _("w walucie faktury (%(currency)s)") % {"currency": case.invoice.currency}

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on < business_today():
            raise forms.ValidationError(_("Termin obietnicy nie może być w przeszłości."))
        return on

    def clean_amount(self):
        grosze = int(self.cleaned_data["amount"] * 100)
        if grosze <= 0:
            raise forms.ValidationError(_("Kwota musi być większa od zera."))
        if grosze > self.case.invoice.left_to_pay:
            raise forms.ValidationError(_("Kwota jest większa niż pozostało do zapłaty."))
        return grosze


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Notatka"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Wynik rozmowy"), choices=CaseEvent.CallOutcome.choices)
    text = forms.CharField(label=_("Co ustalono"), max_length=400, required=False)
