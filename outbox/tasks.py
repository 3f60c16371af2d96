from celery import Task, shared_task

from .services import job_run, jobs_sweep


@shared_task(bind=True, acks_late=True, name="outbox.run_job")
def run_job(self: Task, job_id: int) -> str:
    """Run one recorded job (outbox.services.job_run); a message delivered twice runs it once.

    In-process (no broker), work that asks to be tried again is tried again at once: there is no sweeper."""
    while True:
        outcome = job_run(job_id=job_id, in_process=self.request.is_eager)
        if outcome != "again" or not self.request.is_eager:
            return outcome


@shared_task(acks_late=True, name="outbox.sweep")
def sweep() -> dict[str, int]:
    """Send what is due and take back what dead workers held (outbox.services.jobs_sweep), run by Celery beat."""
    return jobs_sweep()
