"""Writes of public satisfaction (公众满意度): questionnaires, citizens' responses, imported good/bad ratings and
12345 hotline figures (checked and imported in the background), and their aggregation into the satisfaction
indicators of a city's submission. Each runs in one transaction and audits what matters; indicator values are
written only through `assessments.services.values_save`."""

from .aggregation import AggregateOutcome, satisfaction_aggregate
from .import_requests import (
    satisfaction_import_apply,
    satisfaction_import_files_prune,
    satisfaction_import_job,
    satisfaction_import_request,
)
from .imports import ImportOutcome, satisfaction_import, satisfaction_import_remove
from .questionnaires import (
    questionnaire_create,
    questionnaire_save,
    questionnaire_status_set,
    questionnaire_weighting_save,
)
from .refusals import AlreadyAnswered, ImportRejected, SatisfactionRefused, SurveyClosed, TooManyResponses
from .responses import address_hash, survey_response_submit

__all__ = [
    "AggregateOutcome",
    "AlreadyAnswered",
    "ImportOutcome",
    "ImportRejected",
    "SatisfactionRefused",
    "SurveyClosed",
    "TooManyResponses",
    "address_hash",
    "questionnaire_create",
    "questionnaire_save",
    "questionnaire_status_set",
    "questionnaire_weighting_save",
    "satisfaction_aggregate",
    "satisfaction_import",
    "satisfaction_import_apply",
    "satisfaction_import_files_prune",
    "satisfaction_import_job",
    "satisfaction_import_remove",
    "satisfaction_import_request",
    "survey_response_submit",
]
