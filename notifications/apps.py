from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Przypomnienia")

    def ready(self) -> None:
        # The admin's autodiscover has imported every admin module by now (django.contrib.admin
        # comes first in INSTALLED_APPS), so this registration wins whichever app also registered
        # cases.ReminderStage. No database access here.
        from django.contrib import admin

        from .admin import register_stage_admin

        register_stage_admin(admin.site)
