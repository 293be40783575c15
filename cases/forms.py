"""Small forms behind the admin actions that need parameters (pause, close, send a stage)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .calendar import business_today
from .models import Case, ReminderStage


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
