"""Webhook delivery: one attempt per run of the task, retried with growing delays (see RETRY_DELAYS)."""

from typing import Any

from celery import Task, shared_task

from .services import RETRY_DELAYS, webhook_deliver


@shared_task(bind=True, acks_late=True, max_retries=len(RETRY_DELAYS))
def deliver_webhook(self: Task, delivery_id: int) -> Any:
    """Try to deliver; on failure retry after 10 s, 1 min, 5 min, 30 min, 2 h, then give up. Every attempt is
    logged on the delivery row. Safe to run twice: a delivered or failed delivery is left alone.

    Without a broker (the embedded default, tasks run in-process) the retries follow at once."""
    attempt = webhook_deliver(delivery_id=delivery_id)
    if attempt.retry_in is not None:
        # Not raised: the retry is scheduled all the same, and in-process (eager) tasks, whose errors
        # propagate, retry at once instead of failing the caller.
        retry = self.retry(countdown=attempt.retry_in, throw=False)
        if self.request.is_eager:
            return retry  # Task.apply runs the retry now
    return {"delivery": delivery_id, "status": attempt.status, "retry_in": attempt.retry_in}
