from celery import shared_task

from .services.reminders import reminders_send_due


@shared_task(acks_late=True)
def send_due_reminders() -> dict[str, int]:
    """Send the campaign reminders whose time has come (assessments.services.reminders.reminders_send_due), run
    by Celery beat every few minutes (CELERY_BEAT_SCHEDULE); safe to run twice at once."""
    return reminders_send_due().as_dict()
