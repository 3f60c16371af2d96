from django.contrib import admin
from django.urls import include, path

from .health import healthz

admin.site.site_header = admin.site.site_title = "智慧政府成熟度评估平台 · SmartGov"

urlpatterns = [
    path("", include("assessments.urls")),
    path("", include("reports.urls")),
    path("", include("surveys.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls", namespace="api")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("reports/", include("reports.report_urls")),
    path("exports/", include("reports.export_urls")),
]
