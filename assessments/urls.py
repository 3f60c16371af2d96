from django.urls import include, path

from .views import home, submissions

urlpatterns = [
    path("", home.home, name="home"),
    path("submissions/<int:pk>/", submissions.submission_detail, name="submission"),
    path("submissions/<int:pk>/autosave", submissions.submission_autosave, name="submission-autosave"),
    path("submissions/<int:pk>/copy-previous", submissions.submission_copy_previous, name="submission-copy-previous"),
    path("submissions/<int:pk>/act/<slug:action>", submissions.submission_act, name="submission-act"),
    path("", include("assessments.urls_evidence")),
    path("", include("assessments.urls_excel")),
    path("", include("assessments.urls_history")),
    path("", include("assessments.urls_cycles")),
    path("", include("assessments.urls_groups")),
    path("", include("assessments.urls_people")),
    path("", include("assessments.urls_console")),
]
