from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncstatusConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "syncstatus"
    verbose_name = _("Synchronizacja")
