from django.urls import path

from . import views

urlpatterns = [
    path("dashboards/", views.overview, name="dashboard-overview"),
    path("dashboards/cities/<str:code>/", views.city, name="dashboard-city"),
    path("dashboards/compare/", views.compare, name="dashboard-compare"),
]
