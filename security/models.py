from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LoginFailure(models.Model):
    """One failed login (wrong user name or password), kept for LOGIN_FAILURE_WINDOW_MINUTES.

    In the database so that the limit holds across processes and App Engine instances.
    """

    username = models.CharField(_("nazwa użytkownika"), max_length=150)  # as typed, case-folded
    ip = models.GenericIPAddressField(_("adres IP"), null=True, blank=True)
    failed_at = models.DateTimeField(_("kiedy"))

    class Meta:
        verbose_name = _("nieudane logowanie")
        verbose_name_plural = _("nieudane logowania")
        ordering = ["-failed_at"]
        indexes = [
            models.Index(fields=["username", "failed_at"], name="loginfailure_user_at"),
            models.Index(fields=["ip", "failed_at"], name="loginfailure_ip_at"),
            models.Index(fields=["failed_at"], name="loginfailure_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.ip or '?'}) {timezone.localtime(self.failed_at):%d.%m.%Y %H:%M}"
