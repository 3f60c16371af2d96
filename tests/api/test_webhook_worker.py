"""Webhook delivery on a real Celery worker and broker: the publication's announcement runs as a job, and a failed
attempt is retried 10 s later (a due time in the database, sent by the outbox sweeper that beat runs)."""

import datetime

import pytest

from api.models import WebhookDelivery
from api.services import webhook_register
from assessments.services.publication import cycle_publish
from tests.api.clients import user_with_token
from tests.api.receiver import Receiver, verify
from tests.factories import approved_cycle, many_cities, score
from tests.workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_publication_is_announced_and_a_refused_notification_is_delivered_by_the_retry(
        worker, framework, regions, settings):
    settings.SCORE_SENSITIVITY_SAMPLES = 16
    cycle = approved_cycle(framework, many_cities(4, regions["zhejiang"]), 2025, seed=2)
    score(cycle)
    owner = user_with_token("zj-hooks", "province_analyst", regions["zhejiang"])[0]
    with Receiver(status=[503, 204]) as receiver:
        endpoint = webhook_register(owner=owner, url=receiver.url, region=regions["zhejiang"])
        cycle_publish(cycle=cycle, actor=None)  # its announcement is a job: the worker creates the delivery
        wait_for(lambda: WebhookDelivery.objects.filter(endpoint=endpoint, status="delivered").exists(),
                 timeout=60, what="the retried delivery")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert [(a["status_code"], a["retry_in"]) for a in delivery.attempt_log] == [(503, 10), (204, None)]
    first, second = (datetime.datetime.fromisoformat(a["at"]) for a in delivery.attempt_log)
    assert (second - first).total_seconds() >= 9
    assert len(receiver.received) == 2
    assert all(verify(endpoint.secret, h, b) for h, b in receiver.received)
