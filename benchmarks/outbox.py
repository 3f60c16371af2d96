"""The outbox's cost on PostgreSQL: recording a job with the action that asks for it, and a sweep over a large
backlog (the broker replaced by a no-op, so that what is timed is the database's share).

    .venv/bin/python benchmarks/outbox.py

Uses DATABASE_URL when it names PostgreSQL, otherwise creates `smartgov_bench` on 127.0.0.1. Prints: the time and
queries of one job_enqueue in its own transaction; a sweep with 10,000 jobs due later (nothing to send); sweeps
sending a backlog of 10,000 due jobs (OUTBOX_SWEEP_BATCH at a time); a sweep taking back 1,000 dead workers' jobs.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.pipeline import _setup_django  # noqa: E402

BACKLOG = 10_000


def main() -> None:
    _setup_django()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from outbox.models import Job
    from outbox.registry import register
    from outbox.services import job_enqueue, jobs_sweep
    from outbox.tasks import run_job
    from smartgov.celery import app

    register("bench.noop", run=lambda **args: None)
    app.conf.task_always_eager = False
    sent: list[int] = []
    run_job.apply_async = lambda args, **options: sent.append(args[0])  # the broker, as a no-op
    Job.objects.filter(kind="bench.noop").delete()

    times, queries = [], []
    for i in range(500):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            with transaction.atomic():
                job_enqueue(kind_name="bench.noop", key=f"bench:{i}", args={"n": i}, due_in=60)
            times.append(time.perf_counter() - start)
        queries.append(len(captured))
    print(f"job_enqueue in its own transaction: median {statistics.median(times) * 1000:.2f} ms, "
          f"p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.2f} ms, {max(queries)} queries")

    later = timezone.now() + timedelta(hours=1)
    Job.objects.bulk_create(Job(kind="bench.noop", key=f"later:{i}", due_at=later) for i in range(BACKLOG))
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        result = jobs_sweep()
    print(f"sweep, {BACKLOG + 500:,} jobs due later: {(time.perf_counter() - start) * 1000:.1f} ms, "
          f"{len(captured)} queries, {result}")

    Job.objects.filter(kind="bench.noop").update(due_at=timezone.now())
    sweeps, start = 0, time.perf_counter()
    while True:
        result = jobs_sweep()
        sweeps += 1
        if result["sent"] == 0:
            break
    elapsed = time.perf_counter() - start
    print(f"sweeps sending a backlog of {len(sent):,} due jobs ({settings.OUTBOX_SWEEP_BATCH} a sweep): "
          f"{sweeps} sweeps, {elapsed:.2f} s, {len(sent) / elapsed:,.0f} jobs/s")

    dead = list(Job.objects.filter(kind="bench.noop").values_list("pk", flat=True)[:1000])
    Job.objects.filter(pk__in=dead).update(state="running", attempts=1,
                                           lease_until=timezone.now() - timedelta(seconds=1))
    start = time.perf_counter()
    result = jobs_sweep()
    print(f"sweep taking back 1,000 dead workers' jobs: {(time.perf_counter() - start) * 1000:.0f} ms, {result}")
    Job.objects.filter(kind="bench.noop").delete()


if __name__ == "__main__":
    main()
