"""The background work the API owns, registered with the outbox when the app is ready."""

from outbox.registry import register

from .services import WEBHOOKS_JOB, webhook_given_up, webhook_job

register(WEBHOOKS_JOB, run=webhook_job, failed=webhook_given_up)
