"""The score task on a real Celery worker and broker, against the test database (PostgreSQL)."""

import psycopg2
import pytest
from django.db import connection

from assessments.models import Cycle, RegionScore, ScoreRun
from assessments.services import cycle_scores_compute, cycle_scores_request
from assessments.tasks import compute_scores
from tests.factories import approved_cycle, many_cities
from tests.workers import Worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cycle(framework, regions):
    cities = many_cities(15, regions["zhejiang"])
    approved_cycle(framework, cities, 2025, seed=3)
    return approved_cycle(framework, cities, 2026, seed=4)


def _status(run):
    return ScoreRun.objects.get(pk=run.pk).status


def test_it_runs_the_task_end_to_end(worker, cycle, settings, django_capture_on_commit_callbacks):
    settings.SCORE_DEBOUNCE_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        run = cycle_scores_request(cycle=cycle, reason="approval")
    wait_for(lambda: _status(run) == ScoreRun.Status.SUCCEEDED, what="the worker to finish the run")
    assert Cycle.objects.get(pk=cycle.pk).current_run_id == run.pk
    assert RegionScore.objects.filter(run=run).count() == 15


def test_killing_the_worker_mid_run_leaves_the_previous_results_current(worker, cycle, tmp_path):
    previous = cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
    run = cycle_scores_request(cycle=cycle, enqueue=False)

    # Hold the cycle row, so that the worker stops at the swap, inside its write transaction.
    db = connection.settings_dict
    blocker = psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1",
                               port=db["PORT"] or 5432, password=db["PASSWORD"] or None)
    try:
        with blocker.cursor() as cursor:
            cursor.execute("SELECT id FROM assessments_cycle WHERE id = %s FOR UPDATE", [cycle.pk])
            compute_scores.apply_async((run.pk,))

            def worker_waits_for_the_lock():
                # Asked on another connection: statistics views are frozen within a transaction.
                with connection.cursor() as probe:
                    probe.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                  "AND datname = current_database() AND query LIKE 'UPDATE %%assessments_cycle%%'")
                    return probe.fetchone()[0] > 0

            wait_for(worker_waits_for_the_lock, what="the worker to reach the swap")
            assert ScoreRun.objects.get(pk=run.pk).stage == "writing"
            worker.kill()
    finally:
        blocker.rollback()
        blocker.close()

    assert _status(run) == ScoreRun.Status.RUNNING
    assert Cycle.objects.get(pk=cycle.pk).current_run_id == previous.pk
    assert not RegionScore.objects.filter(run=run).exists()

    second = Worker(tmp_path / "worker-2.log").start()
    try:
        again = cycle_scores_request(cycle=cycle, enqueue=False)
        compute_scores.apply_async((again.pk,))
        wait_for(lambda: _status(again) == ScoreRun.Status.SUCCEEDED, what="the rerun to finish")
    finally:
        second.stop()
    assert Cycle.objects.get(pk=cycle.pk).current_run_id == again.pk
    assert _status(run) == ScoreRun.Status.FAILED
    assert RegionScore.objects.filter(run=again).count() == 15
