"""The background work surveys owns, registered with the outbox when the app is ready."""

from outbox.registry import register

from .services.import_requests import IMPORT_JOB, satisfaction_import_given_up, satisfaction_import_job
from .services.records_requests import RECORDS_JOB, records_import_given_up, records_import_job
from .services.request_jobs import IMPORT_TIME_LIMIT

# The worker stops an import after 600 s (a soft limit at 570 s fails the request with its reason first).
register(IMPORT_JOB, run=satisfaction_import_job, failed=satisfaction_import_given_up, time_limit=IMPORT_TIME_LIMIT)
register(RECORDS_JOB, run=records_import_job, failed=records_import_given_up, time_limit=IMPORT_TIME_LIMIT)
