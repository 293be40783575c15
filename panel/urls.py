from django.urls import path

from . import views

# The pages keep the namespace they always had (templates, e-mails and bookmarks use it).
app_name = "syncstatus"

urlpatterns = [
    path("", views.panel, name="panel"),
    path("status.json", views.status_json, name="status"),
    path("run/", views.run_now, name="run_now"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/status.json", views.run_status_json, name="run_status"),
    path("health/", views.health_fragment, name="health"),
    path("reports/", views.reports_view, name="reports"),
]
