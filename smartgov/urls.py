from django.contrib import admin
from django.urls import include, path

from assessments.views.language import language_set

from .health import healthz
from .metrics import metrics

admin.site.site_header = admin.site.site_title = "智慧政府成熟度评估平台 · SmartGov"

# Our error pages, in the user's language, JSON for the API (smartgov.error_pages). An outage met outside a view
# (the database or the broker missing) is a 503 too, not a 500 (smartgov.outages).
handler400 = "smartgov.error_pages.bad_request"
handler403 = "smartgov.error_pages.permission_denied"
handler404 = "smartgov.error_pages.page_not_found"
handler500 = "smartgov.error_pages.server_error"

urlpatterns = [
    path("", include("assessments.urls")),
    path("", include("reports.urls")),
    path("", include("surveys.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls", namespace="api")),
    path("api/", include("api.unknown_urls")),  # any other path under /api/: 404 in the API's error format
    path("i18n/setlang/", language_set, name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("reports/", include("reports.report_urls")),
    path("exports/", include("reports.export_urls")),
]
