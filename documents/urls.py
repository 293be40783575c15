from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("interest-notes/", views.interest_notes, name="interest_notes"),
    path("interest-notes/issue/<int:case_id>/", views.interest_note_issue_view, name="interest_note_issue"),
    path("interest-notes/<int:pk>/send/", views.interest_note_send_view, name="interest_note_send"),
    path("interest-notes/<int:pk>/paid/", views.interest_note_paid_view, name="interest_note_paid"),
    path("interest-notes/<int:pk>/pdf/", views.interest_note_pdf_view, name="interest_note_pdf"),
    path("demand.pdf", views.demand_pdf_view, name="demand_pdf"),
]
