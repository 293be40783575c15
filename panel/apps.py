from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PanelConfig(AppConfig):
    """The sync status panel, the reports and the health alerts: the pages above the sync engine."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "panel"
    verbose_name = _("Synchronizacja")

    def ready(self) -> None:
        # The worker refreshes the reports snapshots after each sync and sending run (panel.tasks):
        # the sync engine and the e-mails know nothing of the reports.
        from django_q.signals import post_execute_in_worker

        from .tasks import reports_refresh_after_task

        post_execute_in_worker.connect(reports_refresh_after_task, dispatch_uid="panel.reports_refresh_after_task")
