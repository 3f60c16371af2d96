"""URLs of the evidence pages (included by assessments/urls.py)."""

from django.urls import path

from .views import evidence

urlpatterns = [
    path("submissions/<int:pk>/evidence/", evidence.evidence_upload, name="evidence-upload"),
    path("evidence/<int:pk>/remove", evidence.evidence_remove_view, name="evidence-remove"),
    path("evidence/<int:pk>/download", evidence.evidence_download, name="evidence-download"),
]
