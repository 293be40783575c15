from django.urls import path

from . import views

app_name = "worklist"

urlpatterns = [
    path("cases/today/", views.today, name="today"),
    path("cases/<int:pk>/send-next/", views.send_next, name="send_next"),
]
