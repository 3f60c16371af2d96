from django.urls import path

from . import audit_views, map_views, score_file_views, views

urlpatterns = [
    path("dashboards/", views.overview, name="dashboard-overview"),
    path("dashboards/cities/<str:code>/", views.city, name="dashboard-city"),
    path("dashboards/compare/", views.compare, name="dashboard-compare"),
    path("dashboards/audit/", audit_views.audit, name="dashboard-audit"),
    path("dashboards/map-data/", map_views.map_data, name="dashboard-map-data"),
    path("dashboards/score-file/", score_file_views.score_file, name="score-file"),
]
