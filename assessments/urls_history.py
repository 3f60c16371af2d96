"""URLs of the history pages (included by assessments/urls.py)."""

from django.urls import path

from .views import history, notifications

urlpatterns = [
    path("submissions/<int:pk>/history/", history.submission_history, name="submission-history"),
    path("submissions/<int:pk>/history.xlsx", history.submission_history_excel, name="submission-history-excel"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read", notifications.notifications_read, name="notifications-read"),
]
