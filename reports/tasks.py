from celery import shared_task

from .services import report_build


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def build_report(report_id: int) -> dict:
    """Build a queued report's PDF (reports.services.report_build); safe to deliver twice. A build that runs
    past the soft limit fails with its error (SoftTimeLimitExceeded); a killed worker's task is delivered again
    and rebuilds the report."""
    report = report_build(report_id=report_id)
    return {"report": report.pk, "status": report.status}
