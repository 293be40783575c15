"""Login forms that enforce the failed-login limit (security.services).

`admin.site.login_form` is `ThrottledAdminAuthenticationForm` (see invoicetracker/urls.py);
any other login view must use `ThrottledAuthenticationForm`.
"""

from __future__ import annotations

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import client_ip, login_failure_record, login_failures_clear, login_locked_until


class LoginThrottleMixin:
    throttle_messages = {
        "locked": _(
            "Zbyt wiele nieudanych prób logowania. Ze względów bezpieczeństwa logowanie jest zablokowane "
            "do %(until)s (jeszcze ok. %(minutes)s min). Spróbuj ponownie po tym czasie albo poproś "
            "administratora o pomoc."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        ip = client_ip(self.request)
        now = timezone.now()
        until = login_locked_until(username=username, ip=ip, now=now)
        if until is not None:
            raise forms.ValidationError(
                self.throttle_messages["locked"],
                code="locked",
                params={
                    "until": timezone.localtime(until).strftime("%H:%M"),
                    "minutes": max(1, math.ceil((until - now).total_seconds() / 60)),
                },
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if self.user_cache is None and username:
                # Wrong user name or password (not: right password of an inactive or non-staff account).
                login_failure_record(username=username, ip=ip, now=now)
            raise
        if self.user_cache is not None:
            login_failures_clear(username=username)
        return cleaned


class ThrottledAuthenticationForm(LoginThrottleMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(LoginThrottleMixin, AdminAuthenticationForm):
    pass
