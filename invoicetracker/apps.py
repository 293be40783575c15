from django.contrib.admin.apps import AdminConfig


class InvoiceTrackerAdminConfig(AdminConfig):
    """django.contrib.admin with the project's site (titles in correct Polish: invoicetracker/admin_site.py)."""

    default_site = "invoicetracker.admin_site.InvoiceTrackerAdminSite"
