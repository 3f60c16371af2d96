"""Events flow one way: publishing announces the results once committed, and the API, which subscribes to it,
sends its webhooks; a recompute announces nothing (its results are provisional); assessments never imports the
API."""

from contextlib import suppress

import pytest
from django.db import transaction

from api.models import WebhookDelivery
from api.services import Attempt, webhook_register
from assessments.events import results_published, results_revised
from assessments.services.publication import cycle_publish, cycle_revise
from outbox.models import Job
from outbox.services import job_run
from tests.factories import approved_cycle, many_cities, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(framework, regions, settings):
    settings.SCORE_SENSITIVITY_SAMPLES = 16
    return approved_cycle(framework, many_cities(3, regions["zhejiang"]), 2026)


@pytest.fixture
def heard():
    received = []

    def listener(sender, signal, **kwargs):
        received.append((signal, kwargs))

    for signal in (results_published, results_revised):
        signal.connect(listener)
    yield received
    for signal in (results_published, results_revised):
        signal.disconnect(listener)


def test_a_recompute_announces_nothing(cycle, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        score(cycle)
    assert heard == []


def test_a_publication_is_announced_once_committed_and_a_revision_as_such(cycle, heard,
                                                                          django_capture_on_commit_callbacks):
    score(cycle)
    with django_capture_on_commit_callbacks(execute=True):
        publication = cycle_publish(cycle=cycle, actor=None)
        assert heard == []
    score(cycle)
    with django_capture_on_commit_callbacks(execute=True):
        revision = cycle_revise(cycle=cycle, reason="更正", actor=None)
    assert heard == [(results_published, {"cycle_id": cycle.pk, "publication_id": publication.pk}),
                     (results_revised, {"cycle_id": cycle.pk, "publication_id": revision.pk})]


def test_nothing_is_announced_when_the_publication_is_rolled_back(cycle, heard, django_capture_on_commit_callbacks):
    score(cycle)
    with django_capture_on_commit_callbacks(execute=True), suppress(RuntimeError), transaction.atomic():
        cycle_publish(cycle=cycle, actor=None)
        raise RuntimeError("the caller fails after publishing")
    assert heard == []


def test_the_api_subscribes_and_sends_its_webhooks(cycle, people, regions, django_capture_on_commit_callbacks,
                                                   monkeypatch):
    monkeypatch.setattr("api.services.webhook_deliver", lambda delivery_id: Attempt("pending"))
    endpoint = webhook_register(owner=people["analyst"], url="https://hooks.example.gov.cn/x",
                                region=regions["zhejiang"])
    run = score(cycle)
    with django_capture_on_commit_callbacks(execute=True):
        cycle_publish(cycle=cycle, actor=None)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.event, delivery.payload["run"]["id"]) == ("results.published", run.pk)
    assert delivery.payload["regions_scored"] == 3


def test_an_announcement_is_recorded_with_the_publication_and_a_failing_subscriber_hears_it_again(
        cycle, heard, queued_mode, django_capture_on_commit_callbacks):
    calls = []

    def flaky(sender, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise ConnectionError("the subscriber's database blinked")

    results_published.connect(flaky)
    try:
        score(cycle)
        with django_capture_on_commit_callbacks(execute=True):
            publication = cycle_publish(cycle=cycle, actor=None)
        job = Job.objects.get(kind="assessments.announce")
        assert (job.key, job.args) == (f"results.published:publication-{publication.pk}",
                                       {"event": "results.published", "cycle_id": cycle.pk,
                                        "publication_id": publication.pk})
        assert heard == []  # recorded and sent to the broker (queued_mode), not yet run
        assert job_run(job_id=job.pk) == "again"
        Job.objects.filter(pk=job.pk).update(due_at=job.created_at)
        assert job_run(job_id=job.pk) == "done"
    finally:
        results_published.disconnect(flaky)
    assert len(calls) == 2
