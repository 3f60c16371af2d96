"""The background work assessments owns, registered with the outbox when the app is ready."""

from outbox.registry import register

from .events import event_send
from .services.scores import SCORES_JOB, cycle_scores_given_up, cycle_scores_job

register(SCORES_JOB, run=cycle_scores_job, failed=cycle_scores_given_up, time_limit=1800)
register("assessments.announce", run=event_send)
