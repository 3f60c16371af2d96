"""URLs of the people pages (included by assessments/urls.py)."""

from django.urls import path

from .views import people

urlpatterns = [
    path("people/", people.people, name="people"),
    path("people/template.xlsx", people.people_template_download, name="people-template"),
    path("people/import/", people.people_import, name="people-import"),
    path("people/imports/<int:pk>/", people.people_import_request_view, name="people-import-request"),
    path("people/imports/<int:pk>/status", people.people_import_request_status, name="people-import-request-status"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("people/<int:pk>/act/<slug:action>", people.person_act, name="person-act"),
    path("people/<int:pk>/roles/<int:assignment_pk>", people.person_role, name="person-role"),
    path("invitation/<uidb64>/<token>/", people.invitation_accept, name="invitation-accept"),
    path("accounts/password_change/", people.password_change, name="password_change"),
]
