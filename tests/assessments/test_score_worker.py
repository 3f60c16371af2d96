"""The score task on a real Celery worker and broker, against the test database (PostgreSQL). A worker killed
mid-run: tests/faults/test_background_work.py."""

import pytest

from assessments.models import Cycle, RegionScore, ScoreRun
from assessments.services import cycle_scores_request
from tests.factories import approved_cycle, many_cities
from tests.workers import wait_for

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
