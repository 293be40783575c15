from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("review/", views.review, name="review"),
]
