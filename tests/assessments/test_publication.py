"""Publication: an explicit act that freezes one score run (the database refuses any change to it), revisions as
new versions with the earlier ones retrievable, webhooks only for publications, and reopening a submission of a
published cycle leaves the published results as they are."""

from contextlib import suppress

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F

from api.models import WebhookDelivery
from api.services import Attempt, webhook_register
from assessments.lifecycle import LifecycleRefused
from assessments.models import Cycle, Publication, RegionScore, ScoreRun, Submission
from assessments.selectors import cycle_results
from assessments.services import (
    cycle_scores_are_current,
    cycle_scores_compute,
    cycle_scores_request,
    submission_transition,
)
from assessments.services.groups import GroupInput, groups_set
from assessments.services.publication import cycle_publish, cycle_revise
from audit.models import Action, AuditEvent
from smartgov.errors import Invalid, NotFound
from tests.factories import approved_cycle, many_cities, score, submission_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "quick_scores")]


@pytest.fixture
def closed(framework, regions):
    """A closed cycle of four cities of 浙江, every one approved, scored."""
    cycle = approved_cycle(framework, many_cities(4, regions["zhejiang"]), 2026)
    score(cycle)
    return cycle


@pytest.fixture
def hooks(people, regions, monkeypatch):
    """A webhook endpoint of 浙江 (its deliveries recorded, and their jobs run, but nothing sent)."""
    monkeypatch.setattr("api.services.webhook_deliver", lambda delivery_id: Attempt("pending"))
    return webhook_register(owner=people["analyst"], url="https://hooks.example.gov.cn/zj",
                            region=regions["zhejiang"])


def _rows(run):
    return list(RegionScore.objects.filter(run=run).order_by("region__code")
                .values_list("region__code", "index", "rank", "parent_rank"))


def test_publishing_freezes_the_run_and_records_what_it_scored(closed, people):
    run = closed.current_run
    publication = cycle_publish(cycle=closed, actor=people["admin"])
    closed.refresh_from_db()
    assert closed.status == "published"
    assert (publication.version, publication.run, publication.reason, publication.published_by) == (
        1, run, "", people["admin"])
    assert (publication.participants, publication.approved) == (4, 4)
    assert (publication.method, publication.inputs_fingerprint, publication.engine_version) == (
        run.method, run.inputs_fingerprint, run.engine_version)
    assert len(publication.inputs_fingerprint) == 64
    results = cycle_results(closed)
    assert (results.publication, results.run, results.provisional) == (publication, run, False)
    event = AuditEvent.objects.get(action=Action.CYCLE_PUBLISHED)
    assert event.new == {"status": "published", "version": 1, "run": run.pk, "participants": 4, "approved": 4,
                         "inputs_fingerprint": run.inputs_fingerprint, "engine_version": run.engine_version}


@pytest.mark.parametrize("statement", [
    'UPDATE assessments_regionscore SET "index" = 1 WHERE run_id = %s',
    "DELETE FROM assessments_regionscore WHERE run_id = %s",
    "UPDATE assessments_dimensionscore SET score = 1 WHERE run_id = %s",
    "DELETE FROM assessments_indicatorscore WHERE run_id = %s",
    "UPDATE assessments_scorerun SET regions = 0 WHERE id = %s",
    "DELETE FROM assessments_scorerun WHERE id = %s",
    "UPDATE assessments_runanalysis SET sensitivity = NULL WHERE run_id = %s",
    "DELETE FROM assessments_runanalysis WHERE run_id = %s",
    "UPDATE assessments_publication SET reason = 'changed' WHERE run_id = %s",
])
def test_the_database_refuses_to_change_a_published_run(closed, people, statement):
    run = closed.current_run
    cycle_publish(cycle=closed, actor=people["admin"])
    before = _rows(run)
    with pytest.raises(DatabaseError, match="published results cannot be changed"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(statement, [run.pk])
    assert _rows(run) == before
    assert Publication.objects.get().reason == ""


def test_results_before_publication_are_provisional(closed):
    results = cycle_results(closed)
    assert (results.provisional, results.run, results.publication) == (True, closed.current_run, None)


def test_publishing_needs_a_closed_cycle_with_current_scores(framework, regions, people):
    cycle = approved_cycle(framework, many_cities(3, regions["zhejiang"]), 2026)
    with pytest.raises(LifecycleRefused, match="Nothing has been computed"):
        cycle_publish(cycle=cycle, actor=people["admin"])
    score(cycle)
    first = submission_of(cycle, "330100")
    submission_transition(submission=first, action="reopen", actor=people["admin"], comment="数据有误")
    first.values.filter(indicator__code="RS01").update(value=F("value") - 1)
    Submission.objects.filter(pk=first.pk).update(status="signed_off")
    submission_transition(submission=first, action="approve", actor=people["admin"])
    with pytest.raises(LifecycleRefused, match="computed before the last approval"):
        cycle_publish(cycle=cycle, actor=people["admin"])
    assert not Publication.objects.exists()
    score(cycle)
    Cycle.objects.filter(pk=cycle.pk).update(status="open")
    with pytest.raises(LifecycleRefused, match="is not possible while the cycle is"):
        cycle_publish(cycle=cycle, actor=people["admin"])


def test_currency_is_decided_by_what_was_scored_not_by_when(framework, regions, people):
    """Approvals that joined a queued run are in its results although they came after it was requested; a value
    reopened and approved unchanged leaves the results current; a changed value or group makes them stale."""
    cities = many_cities(3, regions["zhejiang"])
    cycle = approved_cycle(framework, cities, 2026)
    late = submission_of(cycle, cities[2].code)
    Submission.objects.filter(pk=late.pk).update(status="signed_off")
    queued = cycle_scores_request(cycle=cycle, enqueue=False)
    submission_transition(submission=late, action="approve", actor=people["admin"])
    cycle_scores_compute(run_id=queued.pk)
    cycle.refresh_from_db()
    assert cycle.current_run == queued
    assert queued.requested_at < submission_of(cycle, cities[2].code).updated_at
    assert cycle_scores_are_current(cycle)

    first = submission_of(cycle, cities[0].code)
    submission_transition(submission=first, action="reopen", actor=people["admin"], comment="核对")
    Submission.objects.filter(pk=first.pk).update(status="signed_off")
    submission_transition(submission=first, action="approve", actor=people["admin"])
    assert cycle_scores_are_current(cycle)

    groups_set(cycle=cycle, groups=[GroupInput("g", "组", "Group", (cities[0].code, cities[1].code))],
               actor=people["admin"])
    assert not cycle_scores_are_current(cycle)
    score(cycle)
    assert cycle_scores_are_current(Cycle.objects.select_related("current_run").get(pk=cycle.pk))
    first.values.filter(indicator__code="RS01").update(value=F("value") + 1)
    assert not cycle_scores_are_current(Cycle.objects.select_related("current_run").get(pk=cycle.pk))


def test_a_revision_needs_a_reason_and_a_newer_run_and_keeps_version_1_retrievable(closed, people):
    first_run = closed.current_run
    v1 = cycle_publish(cycle=closed, actor=people["admin"])
    with pytest.raises(Invalid, match="needs a reason"):
        cycle_revise(cycle=closed, reason="  ", actor=people["admin"])
    with pytest.raises(LifecycleRefused, match="published as version 1"):
        cycle_revise(cycle=closed, reason="更正", actor=people["admin"])
    second_run = score(closed)
    v2 = cycle_revise(cycle=closed, reason="330100 数据更正", actor=people["admin"])
    assert (v2.version, v2.run, v2.reason) == (2, second_run, "330100 数据更正")
    assert cycle_results(closed).publication == v2
    old = cycle_results(closed, version=1)
    assert (old.publication, old.run, old.provisional) == (v1, first_run, False)
    assert _rows(first_run)
    with pytest.raises(NotFound):
        cycle_results(closed, version=3)
    event = AuditEvent.objects.get(action=Action.CYCLE_REVISED)
    assert (event.old, event.new["version"], event.new["run"], event.comment) == (
        {"version": 1, "run": first_run.pk}, 2, second_run.pk, "330100 数据更正")


def test_a_provisional_recompute_never_reaches_a_webhook_and_a_publication_does(
        closed, hooks, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        score(closed)
    assert not WebhookDelivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        publication = cycle_publish(cycle=closed, actor=people["admin"])
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.endpoint, delivery.key) == (
        "results.published", hooks, f"results.published:publication-{publication.pk}")
    assert delivery.payload["publication"]["version"] == 1
    assert delivery.payload["run"]["id"] == publication.run_id
    with django_capture_on_commit_callbacks(execute=True):
        score(closed)
    assert WebhookDelivery.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        revision = cycle_revise(cycle=closed, reason="更正", actor=people["admin"])
    revised = WebhookDelivery.objects.get(event="results.revised")
    assert (revised.payload["publication"]["version"], revised.payload["publication"]["reason"]) == (2, "更正")
    assert revised.payload["run"]["id"] == revision.run_id
    assert revised.payload["results"].endswith("&province=330000&version=2")
    assert not WebhookDelivery.objects.filter(event="results.published").exclude(pk=delivery.pk).exists()


def test_a_publication_rolled_back_announces_nothing(closed, hooks, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), suppress(RuntimeError), transaction.atomic():
        cycle_publish(cycle=closed, actor=people["admin"])
        raise RuntimeError("the caller fails after publishing")
    assert not WebhookDelivery.objects.exists()
    assert not Publication.objects.exists()


def test_a_reopen_after_publication_leaves_the_published_results_unchanged(
        closed, hooks, people, django_capture_on_commit_callbacks):
    published_run = closed.current_run
    publication = cycle_publish(cycle=closed, actor=people["admin"])
    before = _rows(published_run)
    reopened = submission_of(closed, "330100")
    with django_capture_on_commit_callbacks(execute=True):
        submission_transition(submission=reopened, action="reopen", actor=people["admin"], comment="数据更正")
    closed.refresh_from_db()
    recomputed = closed.current_run
    assert recomputed != published_run
    assert (recomputed.status, recomputed.regions) == (ScoreRun.Status.SUCCEEDED, 3)
    assert _rows(published_run) == before
    shown = cycle_results(closed)
    assert (shown.publication, shown.run, shown.approved, shown.participants) == (publication, published_run, 4, 4)
    assert closed.status == "published"
    assert not WebhookDelivery.objects.exists()  # the recompute is provisional: announced only once published
    with django_capture_on_commit_callbacks(execute=True):
        revision = cycle_revise(cycle=closed, reason="杭州市撤回后重新计算", actor=people["admin"])
    assert (revision.run, revision.approved, revision.participants) == (recomputed, 3, 4)
    assert _rows(published_run) == before
    assert WebhookDelivery.objects.get().event == "results.revised"
