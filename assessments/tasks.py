from celery import shared_task

from .services import cycle_scores_compute


@shared_task(acks_late=True)
def compute_scores(run_id: int) -> dict:
    """Compute a queued score run (assessments.services.cycle_scores_compute); safe to deliver twice."""
    run = cycle_scores_compute(run_id=run_id)
    return {"run": run.pk, "status": run.status}
