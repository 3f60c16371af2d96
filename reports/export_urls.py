from django.urls import path

from . import export_views

urlpatterns = [
    path("results.xlsx", export_views.results_export, name="results-export"),
]
