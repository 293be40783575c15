from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Przypomnienia")

    def ready(self) -> None:
        # ReminderStage's admin is registered at the site's assembly (invoicetracker/admin.py).
        from .attachments import register

        register()  # the +14 letter's formal demand (PDF)
        checks.register(check_seller_settings, checks.Tags.compatibility, deploy=True)
        checks.register(check_email_backend, checks.Tags.compatibility, deploy=True)


def check_seller_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Reminders must say who is owed the money; `check --deploy` refuses to go live without it."""
    missing = [name for name in ("SELLER_NAME", "SELLER_NIP", "SELLER_BANK_ACCOUNT") if not getattr(settings, name)]
    if not missing:
        return []
    return [
        checks.Warning(
            f"{', '.join(missing)} not set: the reminder e-mails will not name the creditor fully.",
            hint="Set SELLER_NAME, SELLER_NIP and SELLER_BANK_ACCOUNT (and SELLER_ADDRESS) to your company's data.",
            id="notifications.W001",
        )
    ]


FAKE_EMAIL_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
)


def check_email_backend(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Without EMAIL_URL the reminders would only be printed: `check --deploy` refuses to go live so."""
    if settings.EMAIL_BACKEND not in FAKE_EMAIL_BACKENDS:
        return []
    return [
        checks.Error(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: reminder e-mails would not be delivered to anyone.",
            hint="Set EMAIL_URL to your SMTP server, e.g. smtp+tls://user:password@smtp.example.com:587.",
            id="notifications.E001",
        )
    ]
