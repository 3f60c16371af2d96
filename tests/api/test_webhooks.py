"""Webhooks: a signed notification when a cycle's results are published, retried with growing delays."""

import json

import pytest
from django.utils import timezone

from api.models import WebhookDelivery
from api.services import RETRY_DELAYS, webhook_deliver, webhook_register, webhooks_cycle_published
from api.tasks import deliver_webhook
from assessments.models import Region
from smartgov.errors import PermissionRefused
from tests.api.clients import user_with_token
from tests.api.receiver import Receiver, verify
from tests.factories import in_province, score

pytestmark = pytest.mark.django_db


def test_it_notifies_the_province_with_a_signed_body(scored, zhejiang_aggregator, regions,
                                                      django_capture_on_commit_callbacks):
    owner = zhejiang_aggregator[0]
    run = scored.current_run
    with Receiver() as receiver:
        endpoint = webhook_register(owner=owner, url=receiver.url, region=regions["zhejiang"])
        with django_capture_on_commit_callbacks(execute=True):
            deliveries = webhooks_cycle_published(cycle_id=scored.pk, run_id=run.pk)
    assert len(deliveries) == 1
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert verify(endpoint.secret, headers, body)
    assert not verify("another secret", headers, body)
    assert headers["X-SmartGov-Event"] == "cycle.published"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(body) == {
        "event": "cycle.published", "delivery": deliveries[0].pk,
        "cycle": {"period": 2025, "framework": "smartgov-maturity", "version": 1},
        "run": {"id": run.pk, "finished_at": run.finished_at.isoformat()},
        "region": {"code": "330000", "name_zh": "浙江省", "name_en": "Zhejiang"}, "regions_scored": 6,
        "results": "/api/v1/results/?cycle=2025&framework=smartgov-maturity&province=330000",
        "aggregates": "/api/v1/aggregates/?cycle=2025&framework=smartgov-maturity&province=330000"}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        "delivered", 1, 200, "")
    assert delivery.delivered_at is not None
    assert delivery.attempt_log[0]["status_code"] == 200


def test_a_failing_receiver_is_retried_with_growing_delays_and_every_attempt_is_logged(
        scored, zhejiang_aggregator, regions, monkeypatch):
    countdowns = []
    retry = deliver_webhook.retry

    def spy(*args, countdown=None, **kwargs):
        countdowns.append(countdown)
        return retry(*args, countdown=countdown, **kwargs)

    monkeypatch.setattr(deliver_webhook, "retry", spy)
    with Receiver(status=500) as receiver:
        webhook_register(owner=zhejiang_aggregator[0], url=receiver.url, region=regions["zhejiang"])
        [delivery] = webhooks_cycle_published(cycle_id=scored.pk, run_id=scored.current_run_id)
        deliver_webhook.apply(args=(delivery.pk,))  # eagerly: each retry follows at once
    assert countdowns == [10, 60, 300, 1800, 7200] == list(RETRY_DELAYS)
    assert len(receiver.received) == 6
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.next_attempt_at) == (
        "failed", 6, 500, None)
    assert [(a["status_code"], a["retry_in"]) for a in delivery.attempt_log] == [
        (500, 10), (500, 60), (500, 300), (500, 1800), (500, 7200), (500, None)]
    assert delivery.last_error == "The receiver answered HTTP 500."


def test_each_attempt_sets_the_next_one_further_away(scored, zhejiang_aggregator, regions):
    webhook_register(owner=zhejiang_aggregator[0], url="http://127.0.0.1:9/closed", region=regions["zhejiang"])
    [delivery] = webhooks_cycle_published(cycle_id=scored.pk, run_id=scored.current_run_id)
    delays = []
    for _ in range(7):
        attempt = webhook_deliver(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        if attempt.retry_in is not None:
            delays.append(round((delivery.next_attempt_at - timezone.now()).total_seconds() / 10) * 10)
    assert delays == [10, 60, 300, 1800, 7200]
    assert (delivery.status, delivery.attempts) == ("failed", 6)
    assert "ConnectionRefusedError" in delivery.attempt_log[0]["error"] or "URLError" in delivery.attempt_log[0][
        "error"]


def test_only_endpoints_covering_the_runs_cities_are_notified_and_never_twice(scored, zhejiang_aggregator,
                                                                              regions):
    guangdong = in_province(Region.objects.create(code="440000", name_zh="广东省", name_en="Guangdong",
                                                  level="province", parent=regions["china"]))
    gd_owner = user_with_token("gd", "province_analyst", guangdong)[0]
    webhook_register(owner=zhejiang_aggregator[0], url="http://127.0.0.1:9/zj", region=regions["zhejiang"])
    webhook_register(owner=gd_owner, url="http://127.0.0.1:9/gd", region=guangdong)
    inactive = webhook_register(owner=zhejiang_aggregator[0], url="http://127.0.0.1:9/off", region=regions["zhejiang"])
    inactive.active = False
    inactive.save()
    first = webhooks_cycle_published(cycle_id=scored.pk, run_id=scored.current_run_id)
    again = webhooks_cycle_published(cycle_id=scored.pk, run_id=scored.current_run_id)
    assert [d.endpoint.url for d in first] == ["http://127.0.0.1:9/zj"]
    assert again == []
    assert WebhookDelivery.objects.count() == 1


def test_a_run_that_is_not_the_current_one_notifies_nobody(scored, zhejiang_aggregator, regions):
    webhook_register(owner=zhejiang_aggregator[0], url="http://127.0.0.1:9/zj", region=regions["zhejiang"])
    old = scored.current_run
    score(scored)
    assert webhooks_cycle_published(cycle_id=scored.pk, run_id=old.pk) == []
    assert webhooks_cycle_published(cycle_id=999999, run_id=old.pk) == []


def test_the_owner_must_hold_a_role_for_the_region(zhejiang_aggregator, regions):
    with pytest.raises(PermissionRefused):
        webhook_register(owner=zhejiang_aggregator[0], url="https://example.org/hook", region=regions["jiangsu"])


def test_the_admin_registers_an_endpoint_with_a_generated_secret_and_shows_the_log_read_only(
        client, admin_user, zhejiang_aggregator, regions, scored):
    from api.models import WebhookEndpoint

    client.force_login(admin_user)
    response = client.post("/admin/api/webhookendpoint/add/", {
        "url": "https://zj.example.gov.cn/hooks", "region": regions["zhejiang"].pk,
        "owner": zhejiang_aggregator[0].pk, "secret": "", "active": "on"})
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert len(endpoint.secret) >= 40
    webhooks_cycle_published(cycle_id=scored.pk, run_id=scored.current_run_id)
    delivery = WebhookDelivery.objects.get()
    assert client.get("/admin/api/webhookdelivery/").status_code == 200
    page = client.get(f"/admin/api/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
