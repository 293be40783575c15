from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from security.forms import ThrottledAdminAuthenticationForm

# The admin login is the app's only login page; it enforces the failed-login limit (security/).
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="worklist:today", permanent=False)),
    path("", include("ops.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("worklist.urls")),  # /cases/today/ and /cases/<id>/send-next/
    path("cases/", include("cases.urls")),
    path("clients/", include("invoicetracker.clients")),
    path("sync/", include("panel.urls")),
    path("documents/", include("documents.urls")),
    path("reminders/", include("notifications.urls")),
]
