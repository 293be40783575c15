from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncstatusConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "syncstatus"
    verbose_name = _("Synchronizacja")

    def ready(self) -> None:
        # notifications sends reminders only on the strength of the day's sync: it asks through this hook.
        from notifications.selectors import reminder_sync_check_register

        from .selectors import reminder_sync_check

        reminder_sync_check_register(reminder_sync_check)
