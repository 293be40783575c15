from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class InvoiceTrackerAdminConfig(AdminConfig):
    """django.contrib.admin with the project's site (titles in correct Polish: invoicetracker/admin_site.py)."""

    default_site = "invoicetracker.admin_site.InvoiceTrackerAdminSite"

    def ready(self):
        super().ready()  # autodiscovery: every app's admin module
        # The models whose admin takes pieces from several layers, registered once, here at the top.
        from django.contrib import admin

        from .admin import register_admins

        register_admins(admin.site)
        # The case page's letters: `cases` shows them through its hook, never importing `notifications`.
        from cases.selectors import timeline_source_register

        from .timeline_letters import case_letters

        timeline_source_register(case_letters)


class InvoiceTrackerConfig(AppConfig):
    """The top layer as an app of its own (label "invoicetracker"), so that its management commands
    (setup_schedules, beside schedules.py) are found; it has no models. The admin's configuration
    above keeps the label "admin"."""

    default = True
    name = "invoicetracker"
    verbose_name = "InvoiceTracker"
