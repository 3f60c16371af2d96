"""The background work reports owns, registered with the outbox when the app is ready."""

from outbox.registry import register

from .services import REPORTS_JOB, report_given_up, report_job

# The worker stops a build after 330 s (a soft limit at 300 s fails the report with its reason first).
register(REPORTS_JOB, run=report_job, failed=report_given_up, time_limit=330)
