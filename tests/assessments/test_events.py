"""Events flow one way: scoring announces new results once they are committed, and the API, which subscribes
to it, sends its webhooks; assessments never imports the API."""

import pytest
from django.db import transaction

from api.models import WebhookDelivery
from api.services import webhook_register
from assessments.events import results_recomputed
from assessments.services import cycle_scores_compute, cycle_scores_request
from tests.factories import approved_cycle, many_cities

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(framework, regions):
    return approved_cycle(framework, many_cities(3, regions["zhejiang"]), 2026)


@pytest.fixture
def heard():
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    results_recomputed.connect(listener)
    yield received
    results_recomputed.disconnect(listener)


def test_new_results_are_announced_once_committed(cycle, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
        assert heard == []
    assert [(h["cycle_id"], h["run_id"]) for h in heard] == [(cycle.pk, run.pk)]


def test_nothing_is_announced_when_the_results_are_rolled_back(cycle, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
                raise RuntimeError("the caller fails after the run")
        except RuntimeError:
            pass
    assert heard == []


def test_the_api_subscribes_and_sends_its_webhooks(cycle, people, regions, django_capture_on_commit_callbacks,
                                                   monkeypatch):
    monkeypatch.setattr("api.services._queue", lambda deliveries: None)
    endpoint = webhook_register(owner=people["analyst"], url="https://hooks.example.gov.cn/x",
                                region=regions["zhejiang"])
    with django_capture_on_commit_callbacks(execute=True):
        run = cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.payload["run"]["id"] == run.pk
    assert delivery.payload["regions_scored"] == 3
