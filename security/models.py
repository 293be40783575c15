from axes.models import AccessAttempt
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LoginFailure(AccessAttempt):
    """django-axes' failed-login rows (one per user name, address and browser, with a count), shown in
    the admin under our name; deleting rows lifts their lock early (as `manage.py unlock_login`)."""

    class Meta:
        proxy = True
        verbose_name = _("nieudane logowanie")
        verbose_name_plural = _("nieudane logowania")

    def __str__(self) -> str:
        return f"{self.username} ({self.ip_address or '?'}) {timezone.localtime(self.attempt_time):%d.%m.%Y %H:%M}"
