"""On a real broker and worker: a score run asked for while the nation's batch of reports waits on the reports
queue is computed at once by the worker of score runs (docker-compose's `worker`, default queue only) — it never
waits behind the PDFs, which wait for a report worker."""

import pytest

from assessments.models import Cycle, ScoreRun
from assessments.services import cycle_scores_request
from reports.models import Report
from reports.services import batch_request
from tests.factories import many_cities, scored_cycle
from tests.workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_score_run_is_computed_while_a_long_report_batch_waits(scores_worker, framework, regions, admin_user,
                                                                  settings, django_capture_on_commit_callbacks):
    settings.SCORE_DEBOUNCE_SECONDS = 0
    cycle = scored_cycle(framework, [*many_cities(12, regions["zhejiang"]), *many_cities(8, regions["jiangsu"])],
                         2026, seed=5)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_request(cycle=cycle, province=None, actor=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        run = cycle_scores_request(cycle=cycle, actor=admin_user, reason="a correction after the batch")

    wait_for(lambda: ScoreRun.objects.get(pk=run.pk).status == ScoreRun.Status.SUCCEEDED,
             what="the score run, with the batch queued before it")
    assert Cycle.objects.get(pk=cycle.pk).current_run_id == run.pk
    assert batch.total == 20
    assert set(Report.objects.filter(batch=batch).values_list("status", flat=True)) == {Report.Status.QUEUED}
