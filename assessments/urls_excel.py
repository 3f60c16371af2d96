"""URLs of the excel pages (included by assessments/urls.py)."""

from django.urls import path

from .views import excel

urlpatterns = [
    path("submissions/<int:pk>/excel", excel.submission_excel, name="submission-excel"),
    path("submissions/<int:pk>/import", excel.submission_import, name="submission-import"),
    path("submissions/<int:pk>/import/<str:token>/errors.xlsx", excel.submission_import_errors,
         name="submission-import-errors"),
    path("cycles/<int:cycle_pk>/provinces/<str:code>/excel", excel.province_excel, name="province-excel"),
    path("cycles/<int:cycle_pk>/provinces/<str:code>/import", excel.province_import, name="province-import"),
    path("cycles/<int:cycle_pk>/provinces/<str:code>/import/<str:token>/errors.xlsx", excel.province_import_errors,
         name="province-import-errors"),
]
