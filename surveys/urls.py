"""URLs of the public-satisfaction pages (included by smartgov/urls.py). `survey/<key>/` is the public
questionnaire, answered without logging in; everything else is for staff."""

from django.urls import path

from .views import city, public, questionnaires, records

urlpatterns = [
    path("satisfaction/", questionnaires.satisfaction_index, name="satisfaction-index"),
    path("satisfaction/questionnaires/<int:pk>/", questionnaires.questionnaire_detail, name="questionnaire"),
    path("satisfaction/questionnaires/<int:pk>/edit", questionnaires.questionnaire_edit, name="questionnaire-edit"),
    path("satisfaction/questionnaires/<int:pk>/weighting", questionnaires.questionnaire_weighting,
         name="questionnaire-weighting"),
    path("satisfaction/questionnaires/<int:pk>/status/<slug:action>", questionnaires.questionnaire_status,
         name="questionnaire-status"),
    path("satisfaction/questionnaires/<int:pk>/qr.svg", questionnaires.questionnaire_qr, name="questionnaire-qr"),
    path("submissions/<int:pk>/satisfaction/", city.satisfaction_city, name="satisfaction-city"),
    path("submissions/<int:pk>/satisfaction/aggregate", city.satisfaction_aggregate_view,
         name="satisfaction-aggregate"),
    path("submissions/<int:pk>/satisfaction/import/<slug:kind>", city.satisfaction_import_view,
         name="satisfaction-import"),
    path("submissions/<int:pk>/satisfaction/import/<slug:kind>/template.csv", city.satisfaction_import_template,
         name="satisfaction-import-template"),
    path("submissions/<int:pk>/satisfaction/import-requests/<int:request_pk>/",
         city.satisfaction_import_request_view, name="satisfaction-import-request"),
    path("submissions/<int:pk>/satisfaction/import-requests/<int:request_pk>/status",
         city.satisfaction_import_request_status, name="satisfaction-import-request-status"),
    path("submissions/<int:pk>/satisfaction/import-requests/<int:request_pk>/import",
         city.satisfaction_import_request_apply, name="satisfaction-import-request-apply"),
    path("submissions/<int:pk>/satisfaction/import-requests/<int:request_pk>/errors.csv",
         city.satisfaction_import_request_errors, name="satisfaction-import-request-errors"),
    path("submissions/<int:pk>/satisfaction/imports/<int:batch_pk>/remove", city.satisfaction_import_remove_view,
         name="satisfaction-import-remove"),
    path("satisfaction/records/", records.records_index, name="records-index"),
    path("satisfaction/records/<slug:code>/", records.records_province, name="records-province"),
    path("satisfaction/records/<slug:code>/<slug:kind>/template.csv", records.records_template,
         name="records-template"),
    path("satisfaction/records/<slug:code>/requests/<int:request_pk>/", records.records_request_view,
         name="records-request"),
    path("satisfaction/records/<slug:code>/requests/<int:request_pk>/status", records.records_request_status,
         name="records-request-status"),
    path("satisfaction/records/<slug:code>/requests/<int:request_pk>/import", records.records_request_apply,
         name="records-request-apply"),
    path("satisfaction/records/<slug:code>/requests/<int:request_pk>/errors.csv", records.records_request_errors,
         name="records-request-errors"),
    path("survey/<slug:key>/", public.survey, name="survey"),
    path("survey/<slug:key>/thanks", public.survey_thanks, name="survey-thanks"),
]
