"""Faults on purpose: a broker that goes away, a worker killed with SIGKILL. Each test starts its own Redis and
its own worker (with Celery beat inside it, for the outbox sweeper), never touching the shared ones; the web side
of a test (an approval, a publication) runs in a process of its own, with its own broker connection."""

import time

import psycopg2
import pytest
from django.db import connection

from api.models import WebhookDelivery
from api.services import webhook_register
from assessments.models import Cycle, RegionScore, ScoreRun, Submission
from assessments.services import cycle_scores_request
from outbox.models import Job
from reports import pdf
from reports.models import Report
from tests.api.receiver import Receiver
from tests.factories import approved_cycle, many_cities, score, user_with_role
from tests.workers import PrivateRedis, Worker, manage, service_env, skip_unless_real_services, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
FAST = {"OUTBOX_SWEEP_SECONDS": 1, "OUTBOX_LEASE_SECONDS": 3, "OUTBOX_RETRY_SECONDS": 0,
        "OUTBOX_RESEND_SECONDS": 5, "SCORE_DEBOUNCE_SECONDS": 0, "SCORE_SENSITIVITY_SAMPLES": 16}


@pytest.fixture
def redis(tmp_path):
    skip_unless_real_services()
    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def cycle(framework, regions):
    cycle = approved_cycle(framework, many_cities(6, regions["zhejiang"]), 2026)
    score(cycle)
    return cycle


@pytest.fixture
def analyst(regions):
    return user_with_role("zj-analyst", "province_analyst", regions["zhejiang"])


def _run_of(cycle):
    return ScoreRun.objects.filter(cycle=cycle).order_by("-pk").first()


def test_an_approval_while_the_broker_is_down_succeeds_and_its_recompute_runs_once_it_is_back(
        tmp_path, redis, cycle, analyst):
    previous = cycle.current_run
    waiting = cycle.submissions.order_by("pk").first()
    Submission.objects.filter(pk=waiting.pk).update(status=Submission.Status.SIGNED_OFF)
    worker = Worker(tmp_path / "worker.log", broker_url=redis.url, beat=True, **FAST).start()
    try:
        redis.stop()
        out = manage("from assessments.models import Submission; from django.contrib.auth.models import User\n"
                     "from assessments.services import submission_transition\n"
                     f"submission_transition(submission=Submission.objects.get(pk={waiting.pk}), action='approve',"
                     f" actor=User.objects.get(pk={analyst.pk}))\nprint('approved')",
                     service_env(redis.url, **FAST))
        assert "approved" in out
        run = _run_of(cycle)
        assert run != previous
        assert run.status == ScoreRun.Status.QUEUED
        job = Job.objects.get(key=f"score-run:{run.pk}")
        assert (job.state, job.dispatches) == ("pending", 0)  # recorded, not sent: the broker is down
        time.sleep(2)
        assert ScoreRun.objects.get(pk=run.pk).status == ScoreRun.Status.QUEUED

        redis.start()
        wait_for(lambda: ScoreRun.objects.get(pk=run.pk).status == ScoreRun.Status.SUCCEEDED, timeout=90,
                 what="the recompute once the broker is back")
        assert worker.alive
    finally:
        worker.stop()
    assert Cycle.objects.get(pk=cycle.pk).current_run_id == run.pk
    assert Job.objects.get(key=f"score-run:{run.pk}").state == "done"


def test_a_publication_and_a_report_asked_while_the_broker_is_down_are_delivered_and_built_once_it_is_back(
        tmp_path, redis, cycle, analyst, regions):
    with Receiver() as receiver:
        webhook_register(owner=analyst, url=receiver.url, region=regions["zhejiang"])
        worker = Worker(tmp_path / "worker.log", broker_url=redis.url, beat=True, **FAST).start()
        try:
            redis.stop()
            manage("from assessments.models import Cycle, Region; from django.contrib.auth.models import User\n"
                   "from assessments.services.publication import cycle_publish\n"
                   "from reports.services import report_request\n"
                   f"cycle = Cycle.objects.get(pk={cycle.pk}); actor = User.objects.get(pk={analyst.pk})\n"
                   "cycle_publish(cycle=cycle, actor=None)\n"
                   "report_request(cycle=cycle, region=Region.objects.get(code='330000'), actor=actor)\n",
                   service_env(redis.url, **FAST))
            report = Report.objects.get()
            assert report.status == Report.Status.QUEUED
            assert not WebhookDelivery.objects.exists()  # the announcement itself waits in the outbox
            assert set(Job.objects.filter(state="pending").values_list("kind", flat=True)) == {
                "assessments.announce", "reports.build"}

            redis.start()
            wait_for(lambda: len(receiver.received) == 1, timeout=90, what="the webhook once the broker is back")
            if not pdf.missing_requirements():
                wait_for(lambda: Report.objects.get().status == Report.Status.SUCCEEDED, timeout=120,
                         what="the report once the broker is back")
            assert worker.alive
        finally:
            worker.stop()
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_three_second_broker_blip_while_a_run_is_due_later_leaves_the_worker_running(
        tmp_path, redis, cycle, settings):
    settings.SCORE_DEBOUNCE_SECONDS = 6
    worker = Worker(tmp_path / "worker.log", broker_url=redis.url, beat=True, **FAST).start()
    try:
        run = cycle_scores_request(cycle=cycle, reason="approval")
        redis.stop()
        time.sleep(3)
        redis.start()
        wait_for(lambda: ScoreRun.objects.get(pk=run.pk).status == ScoreRun.Status.SUCCEEDED, timeout=90,
                 what="the run after the blip")
        assert worker.alive
    finally:
        worker.stop()
    assert "Unrecoverable error" not in worker.output()


def test_a_worker_killed_while_a_run_waits_leaves_it_to_the_next_worker(tmp_path, redis, cycle, settings):
    settings.SCORE_DEBOUNCE_SECONDS = 4
    first = Worker(tmp_path / "worker-1.log", broker_url=redis.url, beat=True, **FAST).start()
    run = cycle_scores_request(cycle=cycle, reason="approval")
    first.kill()
    assert ScoreRun.objects.get(pk=run.pk).status == ScoreRun.Status.QUEUED
    second = Worker(tmp_path / "worker-2.log", broker_url=redis.url, beat=True, **FAST).start()
    try:
        wait_for(lambda: ScoreRun.objects.get(pk=run.pk).status == ScoreRun.Status.SUCCEEDED, timeout=90,
                 what="the next worker to run it")
    finally:
        second.stop()


def test_a_worker_killed_while_writing_is_replaced_by_the_sweeper_within_its_lease(tmp_path, redis, cycle):
    previous = cycle.current_run
    first = Worker(tmp_path / "worker-1.log", broker_url=redis.url, beat=True, **FAST).start()
    db = connection.settings_dict
    blocker = psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1",
                               port=db["PORT"] or 5432, password=db["PASSWORD"] or None)
    try:
        # Asked with a due time 3 s away, then the cycle row held: the worker stops at the swap, inside its
        # write transaction.
        manage(f"from assessments.models import Cycle\nfrom assessments.services import cycle_scores_request\n"
               f"cycle_scores_request(cycle=Cycle.objects.get(pk={cycle.pk}), reason='approval')",
               service_env(redis.url, **{**FAST, "SCORE_DEBOUNCE_SECONDS": 3}))
        with blocker.cursor() as cursor:
            cursor.execute("SELECT id FROM assessments_cycle WHERE id = %s FOR UPDATE", [cycle.pk])
            run = _run_of(cycle)
            wait_for(lambda: ScoreRun.objects.get(pk=run.pk).stage == "writing", what="the worker to write")
            time.sleep(0.5)
            first.kill()
            killed = time.monotonic()
    finally:
        blocker.rollback()
        blocker.close()
    assert ScoreRun.objects.get(pk=run.pk).status == ScoreRun.Status.RUNNING
    assert Cycle.objects.get(pk=cycle.pk).current_run_id == previous.pk  # the previous results stay current
    assert not RegionScore.objects.filter(run=run).exists()

    second = Worker(tmp_path / "worker-2.log", broker_url=redis.url, beat=True, **FAST).start()
    try:
        wait_for(lambda: Job.objects.get(key=f"score-run:{run.pk}").failures == 1, timeout=30,
                 what="the sweeper to take the job back")
        taken_back = time.monotonic() - killed
        wait_for(lambda: ScoreRun.objects.get(pk=run.pk).status == ScoreRun.Status.SUCCEEDED, timeout=90,
                 what="the run to be done again")
    finally:
        second.stop()
    job = Job.objects.get(key=f"score-run:{run.pk}")
    assert (job.state, job.attempts) == ("done", 2)
    assert job.error.startswith("Its worker stopped")
    assert taken_back < 3 + 1 + 15  # the lease, a sweep, and the second worker's start
    assert Cycle.objects.get(pk=cycle.pk).current_run_id == run.pk
    assert RegionScore.objects.filter(run=run).count() == 6
