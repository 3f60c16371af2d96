"""URLs of the campaign console of the national and provincial coordinators (included by assessments/urls.py)."""

from django.urls import path

from .views import console

urlpatterns = [
    path("console/", console.console, name="console"),
    path("console/progress.xlsx", console.console_export, name="console-export"),
    path("console/cycles/<int:cycle_pk>/reminders", console.console_reminders, name="console-reminders"),
]
