"""URLs of the public-satisfaction pages (included by assessments/urls.py). `survey/<key>/` is the public
questionnaire, answered without logging in; everything else is for staff."""

from django.urls import path

from .views import satisfaction as views

urlpatterns = [
    path("satisfaction/", views.satisfaction_index, name="satisfaction-index"),
    path("satisfaction/questionnaires/<int:pk>/", views.questionnaire_detail, name="questionnaire"),
    path("satisfaction/questionnaires/<int:pk>/edit", views.questionnaire_edit, name="questionnaire-edit"),
    path("satisfaction/questionnaires/<int:pk>/weighting", views.questionnaire_weighting,
         name="questionnaire-weighting"),
    path("satisfaction/questionnaires/<int:pk>/status/<slug:action>", views.questionnaire_status,
         name="questionnaire-status"),
    path("satisfaction/questionnaires/<int:pk>/qr.svg", views.questionnaire_qr, name="questionnaire-qr"),
    path("submissions/<int:pk>/satisfaction/", views.satisfaction_city, name="satisfaction-city"),
    path("submissions/<int:pk>/satisfaction/aggregate", views.satisfaction_aggregate_view,
         name="satisfaction-aggregate"),
    path("submissions/<int:pk>/satisfaction/import/<slug:kind>", views.satisfaction_import_view,
         name="satisfaction-import"),
    path("submissions/<int:pk>/satisfaction/import/<slug:kind>/template.csv", views.satisfaction_import_template,
         name="satisfaction-import-template"),
    path("submissions/<int:pk>/satisfaction/import/<slug:kind>/errors.csv", views.satisfaction_import_errors,
         name="satisfaction-import-errors"),
    path("submissions/<int:pk>/satisfaction/imports/<int:batch_pk>/remove", views.satisfaction_import_remove_view,
         name="satisfaction-import-remove"),
    path("survey/<slug:key>/", views.survey, name="survey"),
    path("survey/<slug:key>/thanks", views.survey_thanks, name="survey-thanks"),
]
