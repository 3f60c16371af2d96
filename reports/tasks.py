"""Celery tasks of reports (thin: the work is in reports.services). PDF builds are outbox jobs
(reports.jobs), sent to the reports queue; this module holds beat's periodic job."""

from celery import shared_task

from .services import report_files_expire


@shared_task(acks_late=True, name="reports.tasks.expire_report_files")
def expire_report_files() -> int:
    """Delete the report files older than REPORT_FILE_DAYS (reports.services.report_files_expire), run every
    hour by Celery beat (CELERY_BEAT_SCHEDULE); safe to run twice at once."""
    return report_files_expire()
