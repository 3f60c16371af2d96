"""Record, send, run and sweep background jobs (see outbox.models for why)."""

import contextvars
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from smartgov.requestid import current_request_id, request_id_context

from .models import OPEN_STATES, Job
from .registry import Again, kind

logger = logging.getLogger(__name__)


def job_enqueue(*, kind_name: str, key: str, args: dict[str, Any], due_in: float = 0) -> Job:
    """Record work to be done, in the caller's transaction. It is sent to a worker once that transaction commits
    (when due now) or by the sweeper (when due later, or when sending failed). If a job with the same key is
    still open, that job is returned: the work is already owed.

    Without a broker (the embedded default: tasks run in-process) the work runs when the transaction commits,
    whatever its due time, as there is no sweeper to wait for."""
    kind(kind_name)  # an unknown kind fails here, in the caller's transaction
    due_at = timezone.now() + timedelta(seconds=0 if _in_process() else due_in)
    with transaction.atomic():
        existing = Job.objects.filter(key=key, state__in=OPEN_STATES).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                job = Job.objects.create(kind=kind_name, key=key, args=args, queue=job_queue(kind_name), due_at=due_at,
                                         request_id=current_request_id())
        except IntegrityError:  # another transaction recorded the same work a moment ago
            return Job.objects.get(key=key, state__in=OPEN_STATES)
        if due_at <= timezone.now():
            transaction.on_commit(lambda: job_send(job_id=job.pk))
    return job


def job_send(*, job_id: int) -> bool:
    """Tell a worker that the job is due. Never raises: if the broker cannot be reached, the job stays recorded
    and the sweeper sends it once the broker is back."""
    job = Job.objects.filter(pk=job_id).only("kind", "queue").first()
    if job is None or not _publish(job):
        return False
    Job.objects.filter(pk=job_id).update(dispatched_at=timezone.now(), dispatches=F("dispatches") + 1)
    return True


def job_queue(kind_name: str) -> str:
    """The Celery queue a job of this kind is sent to — the routing of background work, decided here alone: the
    queue settings.OUTBOX_QUEUES names for the kind (PDF builds: the reports queue), else "" for the default
    queue (CELERY_TASK_DEFAULT_QUEUE: score runs and every light job). Read each time the job is sent, so a job
    recorded before a change of queues follows it."""
    return str(settings.OUTBOX_QUEUES.get(kind_name, ""))


def _publish(job: Job) -> bool:
    from .tasks import run_job

    time_limit = kind(job.kind).time_limit
    queue = job_queue(job.kind)
    options: dict[str, Any] = {"queue": queue} if queue else {}
    if time_limit:
        options.update(time_limit=time_limit, soft_time_limit=max(time_limit - 30, 1))
    try:
        run_job.apply_async((job.pk,), **options)
    except Exception:
        logger.warning("job %s could not be sent (broker unavailable?); the sweeper will send it", job.pk,
                       exc_info=True)
        return False
    return True


def job_run(*, job_id: int, in_process: bool = False) -> str:
    """Run a due job once: claim it (only one worker can), do the work under a lease that a heartbeat renews,
    and record how it ended. Returns what happened: "skipped" (not due, or claimed by another), "done", "again"
    (to be tried later) or "failed". In-process (no broker, no sweeper) there is no lease to renew and work
    to be tried again is due at once."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.PENDING, due_at__lte=now).update(
        state=Job.State.RUNNING, started_at=now, lease_until=now + _lease(), attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    job = Job.objects.get(pk=job_id)
    spec = kind(job.kind)
    mine = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, attempts=job.attempts)
    with request_id_context(job.request_id), _heartbeat(mine, enabled=not in_process):
        try:
            outcome = spec.run(**job.args)
        except Exception as error:
            logger.exception("job %s (%s %s) failed", job.pk, job.kind, job.key)
            return _failure(job, mine, f"{type(error).__name__}: {error}")
    if isinstance(outcome, Again):
        wait = timedelta(seconds=0 if in_process else outcome.seconds)
        mine.update(state=Job.State.PENDING, due_at=timezone.now() + wait, lease_until=None, dispatched_at=None)
        return "again"
    mine.update(state=Job.State.DONE, finished_at=timezone.now(), lease_until=None)
    return "done"


def jobs_sweep() -> dict[str, int]:
    """What Celery beat runs every OUTBOX_SWEEP_SECONDS: take back the jobs whose worker died (their lease ran
    out) and send every job that is due and not running — never sent (broker down, or due later) or sent long
    enough ago that its message must have been lost. Safe to run twice at once."""
    now = timezone.now()
    taken_back = 0
    for job in Job.objects.filter(state=Job.State.RUNNING, lease_until__lt=now):
        mine = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, attempts=job.attempts)
        ran_out = job.lease_until.isoformat() if job.lease_until else "?"
        logger.warning("job %s (%s %s) lost its worker: its lease ran out at %s", job.pk, job.kind, job.key, ran_out)
        _failure(job, mine, f"Its worker stopped (lease ran out at {ran_out}).")
        taken_back += 1
    return {"taken_back": taken_back, "sent": _send_due()}


def _send_due() -> int:
    """Send the due jobs, claimed first in one statement (marked sent, rows locked and skipped by a concurrent
    sweep), so that two sweeps at once send each job once; the jobs the broker refused are unmarked, to be sent by
    the next sweep."""
    now = timezone.now()
    with transaction.atomic():
        jobs = list(_due(now).select_for_update(skip_locked=True).only("pk", "kind", "queue"))
        Job.objects.filter(pk__in=[job.pk for job in jobs]).update(dispatched_at=now, dispatches=F("dispatches") + 1)
    refused: list[int] = []
    for job in jobs:
        if refused or not _publish(job):  # after one refusal the broker is down: the rest wait for the next sweep
            refused.append(job.pk)
    if refused:
        Job.objects.filter(pk__in=refused).update(dispatched_at=None, dispatches=F("dispatches") - 1)
    return len(jobs) - len(refused)


def _due(now: datetime) -> QuerySet[Job]:
    """Due jobs not sent yet, or sent before the resend delay (doubling with each send, up to 8 times)."""
    wait = settings.OUTBOX_RESEND_SECONDS
    resend = Q(dispatched_at__isnull=True)
    for sends in range(1, 4):
        resend |= Q(dispatches=sends, dispatched_at__lt=now - timedelta(seconds=wait * 2 ** (sends - 1)))
    resend |= Q(dispatches__gte=4, dispatched_at__lt=now - timedelta(seconds=wait * 8))
    return (Job.objects.filter(state=Job.State.PENDING, due_at__lte=now).filter(resend)
            .order_by("due_at")[:settings.OUTBOX_SWEEP_BATCH])


def _failure(job: Job, mine: QuerySet[Job], error: str) -> str:
    """An error or a lost worker: try again after a growing delay, or give the job up past the limit."""
    failures = job.failures + 1
    if failures < settings.OUTBOX_MAX_FAILURES:
        delay = settings.OUTBOX_RETRY_SECONDS * 2 ** (failures - 1)
        mine.update(state=Job.State.PENDING, failures=failures, error=error[:2000], lease_until=None,
                    dispatched_at=None, due_at=timezone.now() + timedelta(seconds=delay))
        return "again"
    with transaction.atomic():
        if not mine.update(state=Job.State.FAILED, failures=failures, error=error[:2000], lease_until=None,
                           finished_at=timezone.now()):
            return "skipped"
        give_up = kind(job.kind).failed
        if give_up is not None:
            give_up(**job.args, error=error)
    return "failed"


def _lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


@contextmanager
def _heartbeat(mine: QuerySet[Job], *, enabled: bool) -> Iterator[None]:
    """Renew the job's lease every quarter of it while the work runs, from a thread of its own (with its own
    database connection): if the worker dies, the renewals stop and the sweeper takes the job back."""
    if not enabled:
        yield
        return
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(settings.OUTBOX_LEASE_SECONDS / 4):
                mine.update(lease_until=timezone.now() + _lease())
        except Exception:
            logger.warning("the lease of a running job could not be renewed", exc_info=True)
        finally:
            connection.close()

    context = contextvars.copy_context()  # the job's request id, in the thread's log lines too
    beat = threading.Thread(target=context.run, args=(renew,), name="outbox-heartbeat", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def _in_process() -> bool:
    from smartgov.celery import app

    return bool(app.conf.task_always_eager)


