"""Webhooks: a signed notification when a cycle's results are published or revised (never for provisional
results), retried with growing delays."""

import json

import pytest
from django.utils import timezone

from api.models import WebhookDelivery
from api.services import RETRY_DELAYS, webhook_deliver, webhook_register, webhooks_results_published
from assessments.models import Region
from assessments.services.publication import cycle_publish, cycle_revise
from outbox.models import Job
from outbox.services import job_run
from outbox.tasks import run_job
from smartgov.errors import PermissionRefused
from tests.api.clients import user_with_token
from tests.api.receiver import Receiver, verify
from tests.factories import in_province, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def publication(scored):
    """The 2025 results published (version 1)."""
    return cycle_publish(cycle=scored, actor=None)


def test_it_notifies_the_province_with_a_signed_body(scored, publication, zhejiang_aggregator, regions,
                                                      django_capture_on_commit_callbacks):
    owner = zhejiang_aggregator[0]
    run = scored.current_run
    with Receiver() as receiver:
        endpoint = webhook_register(owner=owner, url=receiver.url, region=regions["zhejiang"])
        with django_capture_on_commit_callbacks(execute=True):
            deliveries = webhooks_results_published(publication_id=publication.pk)
    assert len(deliveries) == 1
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert verify(endpoint.secret, headers, body)
    assert not verify("another secret", headers, body)
    assert headers["X-SmartGov-Event"] == "results.published"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(body) == {
        "event": "results.published", "delivery": deliveries[0].pk,
        "cycle": {"period": 2025, "framework": "smartgov-maturity", "version": 1},
        "publication": {"version": 1, "published_at": timezone.localtime(publication.published_at).isoformat(),
                        "reason": "", "participants": 10, "approved": 10},
        "run": {"id": run.pk, "finished_at": timezone.localtime(run.finished_at).isoformat(),
                "inputs_fingerprint": run.inputs_fingerprint, "engine_version": run.engine_version},
        "region": {"code": "330000", "name_zh": "浙江省", "name_en": "Zhejiang"}, "regions_scored": 6,
        "results": "/api/v1/results/?cycle=2025&framework=smartgov-maturity&province=330000&version=1",
        "aggregates": "/api/v1/aggregates/?cycle=2025&framework=smartgov-maturity&province=330000&version=1"}
    assert json.loads(body)["publication"]["published_at"].endswith("+08:00")  # as every timestamp of the API
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        "delivered", 1, 200, "")
    assert delivery.delivered_at is not None
    assert delivery.attempt_log[0]["status_code"] == 200


def test_a_failing_receiver_is_retried_with_growing_delays_kept_in_the_database(
        publication, zhejiang_aggregator, regions):
    with Receiver(status=500) as receiver:
        webhook_register(owner=zhejiang_aggregator[0], url=receiver.url, region=regions["zhejiang"])
        [delivery] = webhooks_results_published(publication_id=publication.pk)
        job = Job.objects.get(key=f"webhook-delivery:{delivery.pk}")
        delays = []
        while (outcome := job_run(job_id=job.pk)) == "again":
            job.refresh_from_db()
            assert (job.state, job.dispatched_at) == ("pending", None)
            delays.append(round((job.due_at - timezone.now()).total_seconds() / 10) * 10)
            Job.objects.filter(pk=job.pk).update(due_at=timezone.now())
    assert outcome == "done"
    assert delays == [10, 60, 300, 1800, 7200] == list(RETRY_DELAYS)
    assert len(receiver.received) == 6
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.next_attempt_at) == (
        "failed", 6, 500, None)
    assert [(a["status_code"], a["retry_in"]) for a in delivery.attempt_log] == [
        (500, 10), (500, 60), (500, 300), (500, 1800), (500, 7200), (500, None)]
    assert delivery.last_error == "The receiver answered HTTP 500."


def test_in_process_the_retries_follow_at_once(publication, zhejiang_aggregator, regions):
    with Receiver(status=500) as receiver:
        webhook_register(owner=zhejiang_aggregator[0], url=receiver.url, region=regions["zhejiang"])
        [delivery] = webhooks_results_published(publication_id=publication.pk)
        run_job.apply(args=(Job.objects.get(key=f"webhook-delivery:{delivery.pk}").pk,))
    assert len(receiver.received) == 6
    assert WebhookDelivery.objects.get().status == "failed"


def test_each_attempt_sets_the_next_one_further_away(publication, zhejiang_aggregator, regions):
    webhook_register(owner=zhejiang_aggregator[0], url="http://127.0.0.1:9/closed", region=regions["zhejiang"])
    [delivery] = webhooks_results_published(publication_id=publication.pk)
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


def test_only_endpoints_covering_the_runs_cities_are_notified_and_never_twice(publication, zhejiang_aggregator,
                                                                              regions):
    guangdong = in_province(Region.objects.create(code="440000", name_zh="广东省", name_en="Guangdong",
                                                  level="province", parent=regions["china"]))
    gd_owner = user_with_token("gd", "province_analyst", guangdong)[0]
    webhook_register(owner=zhejiang_aggregator[0], url="http://127.0.0.1:9/zj", region=regions["zhejiang"])
    webhook_register(owner=gd_owner, url="http://127.0.0.1:9/gd", region=guangdong)
    inactive = webhook_register(owner=zhejiang_aggregator[0], url="http://127.0.0.1:9/off", region=regions["zhejiang"])
    inactive.active = False
    inactive.save()
    first = webhooks_results_published(publication_id=publication.pk)
    again = webhooks_results_published(publication_id=publication.pk)
    assert [d.endpoint.url for d in first] == ["http://127.0.0.1:9/zj"]
    assert again == []
    assert WebhookDelivery.objects.count() == 1


def test_a_revision_is_announced_as_such_with_its_version_and_run(scored, publication, zhejiang_aggregator,
                                                                   regions):
    webhook_register(owner=zhejiang_aggregator[0], url="http://127.0.0.1:9/zj", region=regions["zhejiang"])
    run = score(scored)
    revision = cycle_revise(cycle=scored, reason="宁波市数据更正", actor=None)
    [delivery] = webhooks_results_published(publication_id=revision.pk)
    assert (delivery.event, delivery.key) == ("results.revised", f"results.revised:publication-{revision.pk}")
    assert delivery.payload["publication"]["version"] == 2
    assert delivery.payload["publication"]["reason"] == "宁波市数据更正"
    assert delivery.payload["run"]["id"] == run.pk
    assert delivery.payload["results"].endswith("&version=2")


def test_nothing_is_announced_of_a_publication_that_does_not_exist(publication):
    assert webhooks_results_published(publication_id=publication.pk + 1) == []


def test_the_owner_must_hold_a_role_for_the_region(zhejiang_aggregator, regions):
    with pytest.raises(PermissionRefused):
        webhook_register(owner=zhejiang_aggregator[0], url="https://example.org/hook", region=regions["jiangsu"])


def test_the_admin_registers_an_endpoint_with_a_generated_secret_and_shows_the_log_read_only(
        client, admin_user, zhejiang_aggregator, regions, publication):
    from api.models import WebhookEndpoint

    client.force_login(admin_user)
    response = client.post("/admin/api/webhookendpoint/add/", {
        "url": "https://zj.example.gov.cn/hooks", "region": regions["zhejiang"].pk,
        "owner": zhejiang_aggregator[0].pk, "secret": "", "active": "on"})
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert len(endpoint.secret) >= 40
    webhooks_results_published(publication_id=publication.pk)
    delivery = WebhookDelivery.objects.get()
    assert client.get("/admin/api/webhookdelivery/").status_code == 200
    page = client.get(f"/admin/api/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
