from django.urls import path

from . import views

app_name = "ops"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("cron/run-due/", views.cron_run_due, name="cron_run_due"),
    path("favicon.ico", views.favicon, name="favicon"),
]
