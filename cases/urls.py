from django.urls import path
from django.views.generic import RedirectView

from .models import Case
from .views import CaseDetailView, CaseListView

app_name = "cases"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:active", permanent=False), name="list"),
    path("active/", CaseListView.as_view(status=Case.Status.ACTIVE), name="active"),
    path("closed/", CaseListView.as_view(status=Case.Status.CLOSED), name="closed"),
    path("<int:pk>/", CaseDetailView.as_view(), name="detail"),
]
