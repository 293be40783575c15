from django.apps import AppConfig


class SyncstatusConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "syncstatus"
