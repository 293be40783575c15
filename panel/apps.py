from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PanelConfig(AppConfig):
    """The sync status panel, the reports and the health alerts: the pages above the sync engine."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "panel"
    verbose_name = _("Synchronizacja")
