"""Celery tasks of reports (thin: the work is in reports.services). PDF builds are outbox jobs
(reports.jobs), sent to the reports queue; this module holds beat's periodic job and the warm-up of the children
of a worker that builds reports."""

import contextlib
import threading

from celery import current_app, shared_task, signals
from django.conf import settings

from .services import report_files_expire


@shared_task(acks_late=True, name="reports.tasks.expire_report_files")
def expire_report_files() -> int:
    """Delete the report files older than REPORT_FILE_DAYS (reports.services.report_files_expire), run every
    hour by Celery beat (CELERY_BEAT_SCHEDULE); safe to run twice at once."""
    return report_files_expire()


@signals.worker_process_init.connect(weak=False, dispatch_uid="reports.tasks.warm_up")
def warm_up_report_worker(**_signal: object) -> threading.Thread | None:
    """In a new child of a worker that consumes the reports queue, start the chart browser (reports.charts) and
    load WeasyPrint in the background, so that the child's first report does not wait ~2 s for them: with
    --max-tasks-per-child a report worker replaces its children often. In the background because Celery gives a
    child's start only a few seconds; a report that comes sooner waits for the same browser. Other workers (and
    tests, where no worker starts) start nothing."""
    if settings.REPORTS_QUEUE not in current_app.amqp.queues.consume_from:
        return None
    thread = threading.Thread(target=_warm_up, name="report-warm-up", daemon=True)
    thread.start()
    return thread


def _warm_up() -> None:
    from . import charts

    charts.warm_up()
    # WeasyPrint imported once per process, ahead of the first report (which says what is missing, if it fails).
    with contextlib.suppress(ImportError, OSError):
        import weasyprint  # noqa: F401
