"""The outbox: background work recorded with the action that asks for it, sent once it commits or by the
sweeper, run once under a lease, taken back from a dead worker, given up with its reason past the limit."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from assessments.models import ScoreRun, Submission
from assessments.services import cycle_scores_request
from outbox.models import Job
from outbox.registry import Again, register
from outbox.services import job_enqueue, job_run, jobs_sweep
from outbox.tasks import run_job
from tests.factories import approved_cycle, fill, many_cities

pytestmark = pytest.mark.django_db
CALLS: list[dict] = []


def _record(**args):
    CALLS.append(args)
    return Again(args["again"]) if args.get("again") and len(CALLS) == 1 else None


def _crash(**args):
    raise RuntimeError("the work broke")


def _given_up(**args):
    CALLS.append({"given_up": args})


register("tests.record", run=_record)
register("tests.crash", run=_crash, failed=_given_up)


@pytest.fixture(autouse=True)
def _fresh_calls():
    CALLS.clear()


@pytest.fixture
def scored_later(framework, regions):
    return approved_cycle(framework, many_cities(5, regions["zhejiang"]), 2026)


def _broker_down(args, **options):
    raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_it_records_the_job_in_the_callers_transaction_and_sends_it_once_that_commits(
        queued_mode, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_enqueue(kind_name="tests.record", key="k:1", args={"n": 1})
    assert queued_mode == []
    for callback in callbacks:
        callback()
    assert queued_mode == [((job.pk,), {})]
    job.refresh_from_db()
    assert (job.state, job.dispatches) == ("pending", 1)
    assert job.dispatched_at is not None


def test_a_rolled_back_action_leaves_no_job(queued_mode, django_capture_on_commit_callbacks):
    def failing_action():
        with transaction.atomic():
            job_enqueue(kind_name="tests.record", key="k:1", args={})
            raise RuntimeError("the action failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failing_action()
    assert not Job.objects.exists()
    assert queued_mode == []


def test_the_same_work_asked_twice_while_open_is_one_job(queued_mode):
    first = job_enqueue(kind_name="tests.record", key="k:1", args={"n": 1})
    assert job_enqueue(kind_name="tests.record", key="k:1", args={"n": 2}) == first
    Job.objects.filter(pk=first.pk).update(state="done")
    assert job_enqueue(kind_name="tests.record", key="k:1", args={"n": 3}) != first


def test_with_the_broker_down_the_action_succeeds_and_the_sweeper_sends_the_work_once_it_is_back(
        scored_later, people, monkeypatch, queued_mode, django_capture_on_commit_callbacks):
    from outbox.tasks import run_job as task

    monkeypatch.setattr(task, "apply_async", _broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        run = cycle_scores_request(cycle=scored_later, actor=people["admin"], reason="approval")
    job = Job.objects.get(key=f"score-run:{run.pk}")
    assert (job.state, job.dispatches, job.dispatched_at) == ("pending", 0, None)
    assert jobs_sweep() == {"taken_back": 0, "sent": 0}  # due only after the debounce

    Job.objects.filter(pk=job.pk).update(due_at=timezone.now())
    assert jobs_sweep() == {"taken_back": 0, "sent": 0}  # the broker is still down
    monkeypatch.setattr(task, "apply_async", lambda args, **options: queued_mode.append((args, options)))
    assert jobs_sweep() == {"taken_back": 0, "sent": 1}
    assert queued_mode == [((job.pk,), {"time_limit": 1800, "soft_time_limit": 1770})]
    assert job_run(job_id=job.pk) == "done"
    assert ScoreRun.objects.get(pk=run.pk).status == ScoreRun.Status.SUCCEEDED


def test_the_sweeper_sends_a_lost_message_again_after_a_delay_that_doubles(settings, queued_mode):
    settings.OUTBOX_RESEND_SECONDS = 100
    job = job_enqueue(kind_name="tests.record", key="k:1", args={})
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(dispatched_at=now - timedelta(seconds=99), dispatches=1)
    assert jobs_sweep()["sent"] == 0
    Job.objects.filter(pk=job.pk).update(dispatched_at=now - timedelta(seconds=101))
    assert jobs_sweep()["sent"] == 1
    Job.objects.filter(pk=job.pk).update(dispatched_at=now - timedelta(seconds=150))  # the 2nd waits 200 s
    assert jobs_sweep()["sent"] == 0
    assert Job.objects.get(pk=job.pk).dispatches == 2


def test_a_job_runs_once_however_often_it_is_delivered():
    job = job_enqueue(kind_name="tests.record", key="k:1", args={"n": 1})
    assert job_run(job_id=job.pk) == "done"
    assert job_run(job_id=job.pk) == "skipped"
    assert CALLS == [{"n": 1}]
    job.refresh_from_db()
    assert (job.state, job.attempts, job.lease_until) == ("done", 1, None)


def test_a_job_due_later_is_not_run_early(queued_mode):
    job = job_enqueue(kind_name="tests.record", key="k:1", args={}, due_in=60)
    assert job_run(job_id=job.pk) == "skipped"
    assert CALLS == []


def test_work_that_asks_to_be_tried_again_is_due_again_later(queued_mode):
    job = job_enqueue(kind_name="tests.record", key="k:1", args={"again": 600})
    assert job_run(job_id=job.pk) == "again"
    job.refresh_from_db()
    assert job.state == "pending"
    assert 590 < (job.due_at - timezone.now()).total_seconds() <= 600


def test_a_dead_workers_job_is_taken_back_by_the_sweeper_and_run_again(settings, queued_mode):
    job = job_enqueue(kind_name="tests.record", key="k:1", args={})
    past = timezone.now() - timedelta(seconds=1)
    Job.objects.filter(pk=job.pk).update(state="running", attempts=1, lease_until=past, started_at=past)
    settings.OUTBOX_RETRY_SECONDS = 0
    assert jobs_sweep() == {"taken_back": 1, "sent": 1}
    job.refresh_from_db()
    assert (job.state, job.failures) == ("pending", 1)
    assert job.error.startswith("Its worker stopped (lease ran out at ")
    assert job_run(job_id=job.pk) == "done"


def test_a_score_run_whose_worker_died_too_often_fails_with_the_reason(scored_later, settings, queued_mode):
    run = cycle_scores_request(cycle=scored_later, reason="approval")
    ScoreRun.objects.filter(pk=run.pk).update(status="running")
    past = timezone.now() - timedelta(seconds=1)
    Job.objects.filter(key=f"score-run:{run.pk}").update(state="running", attempts=3, failures=2, lease_until=past)
    jobs_sweep()
    job = Job.objects.get(key=f"score-run:{run.pk}")
    assert (job.state, job.failures) == ("failed", 3)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.FAILED
    assert run.error.startswith("Its worker stopped")


def test_a_job_that_raises_is_retried_after_a_growing_delay_then_given_up(settings):
    settings.OUTBOX_RETRY_SECONDS = 30
    job = job_enqueue(kind_name="tests.crash", key="k:1", args={"n": 1})
    assert job_run(job_id=job.pk) == "again"
    job.refresh_from_db()
    assert (job.state, job.failures, job.error) == ("pending", 1, "RuntimeError: the work broke")
    assert 25 < (job.due_at - timezone.now()).total_seconds() <= 30
    Job.objects.filter(pk=job.pk).update(due_at=timezone.now())
    assert job_run(job_id=job.pk) == "again"
    job.refresh_from_db()
    assert 55 < (job.due_at - timezone.now()).total_seconds() <= 60
    Job.objects.filter(pk=job.pk).update(due_at=timezone.now())
    assert job_run(job_id=job.pk) == "failed"
    assert Job.objects.get(pk=job.pk).state == "failed"
    assert CALLS == [{"given_up": {"n": 1, "error": "RuntimeError: the work broke"}}]


def test_a_running_job_renews_its_lease(settings, transactional_db, queued_mode):
    settings.OUTBOX_LEASE_SECONDS = 0.4
    leases = []

    def slow(**args):
        import time

        for _ in range(4):
            time.sleep(0.25)
            leases.append(Job.objects.get(key="k:slow").lease_until)

    register("tests.slow", run=slow)
    job = job_enqueue(kind_name="tests.slow", key="k:slow", args={})
    assert job_run(job_id=job.pk) == "done"
    assert leases == sorted(leases)
    assert len(set(leases)) >= 3


def test_in_process_the_work_runs_when_the_action_commits(scored_later, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = cycle_scores_request(cycle=scored_later, reason="approval")
    assert ScoreRun.objects.get(pk=run.pk).status == ScoreRun.Status.SUCCEEDED
    assert Job.objects.get(key=f"score-run:{run.pk}").state == "done"


def test_the_task_runs_the_job_it_is_given():
    job = job_enqueue(kind_name="tests.record", key="k:1", args={"n": 5})
    assert run_job.apply(args=(job.pk,)).get() == "done"
    assert CALLS == [{"n": 5}]


def test_an_approval_page_with_the_broker_down_answers_with_success_and_says_the_scores_will_follow(
        client, people, submission, monkeypatch, queued_mode, django_capture_on_commit_callbacks):
    from outbox.tasks import run_job as task

    monkeypatch.setattr(task, "apply_async", _broker_down)
    fill(submission)
    Submission.objects.filter(pk=submission.pk).update(status="signed_off")
    client.force_login(people["analyst"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/submissions/{submission.pk}/act/approve", {"version": 1})
    assert response.status_code == 302
    assert Submission.objects.get(pk=submission.pk).status == "approved"
    page = client.get(response["Location"]).content.decode()
    assert "后台重新计算" in page  # "The cycle's scores are being recomputed in the background"
    [job] = Job.objects.filter(kind="scores.compute")
    assert (job.state, job.dispatches) == ("pending", 0)
