"""URLs of the coordinators' cycle pages (included by assessments/urls.py). `cycle-list` and `cycle-detail` are
linked from elsewhere (the campaign console)."""

from django.urls import path

from .views import cycles

urlpatterns = [
    path("cycles/", cycles.cycle_list, name="cycle-list"),
    path("cycles/new", cycles.cycle_create_view, name="cycle-create"),
    path("cycles/<int:pk>/", cycles.cycle_detail, name="cycle-detail"),
    path("cycles/<int:pk>/change", cycles.cycle_change, name="cycle-change"),
    path("cycles/<int:pk>/open", cycles.cycle_open_view, name="cycle-open"),
    path("cycles/<int:pk>/participants/add", cycles.cycle_participants_add, name="cycle-participants-add"),
    path("cycles/<int:pk>/close", cycles.cycle_close_view, name="cycle-close"),
    path("cycles/<int:pk>/publish", cycles.cycle_publish_view, name="cycle-publish"),
    path("cycles/<int:pk>/revise", cycles.cycle_revise_view, name="cycle-revise"),
    path("cycles/<int:pk>/provinces/<str:code>/", cycles.cycle_province, name="cycle-province"),
]
