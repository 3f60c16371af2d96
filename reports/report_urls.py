"""URLs of the PDF reports (included under /reports/ by smartgov/urls.py)."""

from django.urls import path

from . import report_views as views

urlpatterns = [
    path("", views.report_list, name="report-list"),
    path("request", views.report_request_view, name="report-request"),
    path("batch", views.batch_request_view, name="report-batch-request"),
    path("national-batch", views.national_batch_request_view, name="report-national-batch-request"),
    path("batches/<int:pk>/", views.batch_detail, name="report-batch"),
    path("batches/<int:pk>/reports.zip", views.batch_zip, name="report-batch-zip"),
    path("status", views.report_status, name="report-status"),
    path("<int:pk>/download", views.report_download, name="report-download"),
    path("<int:pk>/retry", views.report_retry_view, name="report-retry"),
]
