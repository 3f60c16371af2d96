"""URLs of a cycle's comparison groups page (included by assessments/urls.py)."""

from django.urls import path

from .views import groups

urlpatterns = [
    path("cycles/<int:pk>/groups/", groups.cycle_groups_page, name="cycle-groups"),
    path("cycles/<int:pk>/groups.csv", groups.cycle_groups_download, name="cycle-groups-csv"),
]
