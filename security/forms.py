"""Login forms that enforce the failed-login limit (security.services, on django-axes).

`admin.site.login_form` is `ThrottledAdminAuthenticationForm` (see invoicetracker/urls.py);
any other login view must use `ThrottledAuthenticationForm`.
"""

from __future__ import annotations

import math

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import login_locked_until, login_slow_down


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
        now = timezone.now()
        # Checked before the password, so a refused attempt is neither verified nor counted.
        until = login_locked_until(request=self.request, username=username)
        if until is not None:
            raise forms.ValidationError(
                self.throttle_messages["locked"],
                code="locked",
                params={
                    "until": timezone.localtime(until).strftime("%H:%M"),
                    "minutes": max(1, math.ceil((until - now).total_seconds() / 60)),
                },
            )
        login_slow_down(username=username)
        # authenticate() goes through django-axes' backend, which records a failure.
        return super().clean()


class ThrottledAuthenticationForm(LoginThrottleMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(LoginThrottleMixin, AdminAuthenticationForm):
    pass


def lockout_response(request, credentials, *args, **kwargs):
    """AXES_LOCKOUT_CALLABLE: the attempt that reaches the limit gets the login page with the lock message
    (the form sees the lock and does not check the password again)."""
    response = admin.site.login(request)
    return response.render() if hasattr(response, "render") else response
