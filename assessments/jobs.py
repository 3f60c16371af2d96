"""The background work assessments owns, registered with the outbox when the app is ready."""

from outbox.registry import register

from .events import event_send
from .services.people_requests import (
    PEOPLE_IMPORT_JOB,
    PEOPLE_IMPORT_TIME_LIMIT,
    people_import_given_up,
    people_import_job,
)
from .services.scores import SCORES_JOB, cycle_scores_given_up, cycle_scores_job

register(SCORES_JOB, run=cycle_scores_job, failed=cycle_scores_given_up, time_limit=1800)
register("assessments.announce", run=event_send)
# The worker stops a people import after 600 s (a soft limit at 570 s fails the request with its reason first).
register(PEOPLE_IMPORT_JOB, run=people_import_job, failed=people_import_given_up,
         time_limit=PEOPLE_IMPORT_TIME_LIMIT)
