from celery import shared_task

from .services import cycle_scores_compute
from .services.reminders import reminders_send_due


@shared_task(acks_late=True)
def compute_scores(run_id: int) -> dict:
    """Compute a queued score run (assessments.services.cycle_scores_compute); safe to deliver twice."""
    run = cycle_scores_compute(run_id=run_id)
    return {"run": run.pk, "status": run.status}


@shared_task(acks_late=True)
def send_due_reminders() -> dict[str, int]:
    """Send the campaign reminders whose time has come (assessments.services.reminders.reminders_send_due), run
    by Celery beat every few minutes (CELERY_BEAT_SCHEDULE); safe to run twice at once."""
    return reminders_send_due().as_dict()
