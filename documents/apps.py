from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "documents"
    verbose_name = _("Dokumenty: wezwania i noty odsetkowe")

    def ready(self):
        # The higher layer hooks its admin action into the case admin; `cases` never imports `documents`.
        from . import admin_hooks

        admin_hooks.install()
