"""Observability: the request id (given to every request, returned in X-Request-ID, on every log line, carried into
Celery tasks), the log formats, and /metrics (internal callers only; requests, the broker, the outbox, score runs
and reports)."""

import json
import logging
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from celery.worker.request import Request
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from assessments.models import ScoreRun
from reports.models import Report
from smartgov import metrics as smartgov_metrics
from smartgov.celery import app
from smartgov.logs import ContextFilter, JsonFormatter, TextFormatter
from smartgov.requestid import current_request_id, current_task, request_id_context
from tests.workers import wait_for

ROOT = Path(__file__).resolve().parent.parent
logger = logging.getLogger("tests.observability")


# A task and two views of the tests' own (this module is the URLconf of the tests marked `urls`) ----------------

SEEN: list[tuple[str, tuple[str, str]]] = []


@app.task(name="tests.observability.remember_request_id")
def remember_request_id():
    SEEN.append((current_request_id(), current_task()))
    logger.info("inside the task")
    return current_request_id()


def logging_view(request):
    logger.warning("inside the view")
    return HttpResponse("ok")


def task_view(request):
    result = remember_request_id.apply_async()
    return JsonResponse({"request_id": request.request_id, "eager": result.get() if app.conf.task_always_eager
                         else None})


urlpatterns = [path("log", logging_view), path("task", task_view)]
with_test_views = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def _nothing_seen_yet():
    SEEN.clear()


@pytest.fixture
def sent(monkeypatch):
    """Tasks sent to the broker (the in-process memory broker by default, Redis in CI) on a queue of the test's own,
    not run at once, so that their messages can be read back."""
    monkeypatch.setitem(app.conf, "task_default_queue", f"observability-{uuid.uuid4().hex}")
    app.conf.task_always_eager = False  # put back by conftest's _tasks_in_process
    _drain()
    yield
    _drain()


def _drain():
    with app.connection_for_read() as connection:
        messages = []
        while (message := connection.default_channel.basic_get(app.conf.task_default_queue, no_ack=True)):
            messages.append(message)
        return messages


# The request id -------------------------------------------------------------------------------------------------

@with_test_views
def test_a_request_gets_an_id_returned_in_the_response(client):
    first, second = client.get("/log")["X-Request-ID"], client.get("/log")["X-Request-ID"]
    assert len(first) == 32
    assert int(first, 16) >= 0
    assert first != second


@with_test_views
def test_a_well_formed_incoming_id_is_kept(client):
    assert client.get("/log", HTTP_X_REQUEST_ID="edge-7f3a.91_B")["X-Request-ID"] == "edge-7f3a.91_B"


@with_test_views
@pytest.mark.parametrize("incoming",
                         ["short", "x" * 65, "has space in it", "semi;colon-1234", "", "日本語のリクエスト"])
def test_a_malformed_incoming_id_is_replaced(client, incoming):
    returned = client.get("/log", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"]
    assert returned != incoming
    assert len(returned) == 32


@with_test_views
def test_a_log_record_of_the_view_carries_the_request_id(client, caplog):
    caplog.handler.addFilter(ContextFilter())
    with caplog.at_level(logging.INFO):
        response = client.get("/log", HTTP_X_REQUEST_ID="from-the-proxy-42")
    [record] = [r for r in caplog.records if r.getMessage() == "inside the view"]
    assert record.request_id == response["X-Request-ID"] == "from-the-proxy-42"
    assert (record.task_name, record.task_id) == ("", "")
    assert current_request_id() == ""  # nothing left behind once the request is served


def test_the_console_handler_puts_the_context_on_every_record():
    root_handlers = logging.getLogger().handlers
    console = next(h for h in root_handlers if any(isinstance(f, ContextFilter) for f in h.filters))
    assert isinstance(console.formatter, TextFormatter | JsonFormatter)


# Log formats ----------------------------------------------------------------------------------------------------

def _record(message="hello %s", args=("world",), exc_info=None, **extra):
    record = logging.LogRecord("smartgov.test", logging.ERROR, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    ContextFilter().filter(record)
    return record


def test_the_json_formatter_writes_one_json_object_with_the_fields():
    try:
        raise ValueError("broken\nacross lines")
    except ValueError:
        exc_info = sys.exc_info()
    with request_id_context("json-test-0001"):
        line = JsonFormatter().format(_record(exc_info=exc_info, cycle=2026))
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "hello world"
    assert (data["level"], data["logger"]) == ("ERROR", "smartgov.test")
    assert data["request_id"] == "json-test-0001"
    assert (data["task"], data["task_id"]) == ("", "")
    assert "ValueError: broken" in data["exception"]
    assert data["cycle"] == 2026
    assert data["time"].endswith("+00:00")
    assert abs(datetime.fromisoformat(data["time"]) - timezone.now()) < timedelta(minutes=1)


def test_the_text_formatter_shows_the_request_id_or_a_dash():
    with request_id_context("text-test-0001"):
        assert "ERROR smartgov.test [text-test-0001] hello world" in TextFormatter().format(_record())
    assert "ERROR smartgov.test [-] hello world" in TextFormatter().format(_record())


def _log_one_line(**env):
    code = ("import django, logging; django.setup(); from smartgov.requestid import request_id_context\n"
            "with request_id_context('subprocess-0001'): logging.getLogger('smartgov.check').warning('a %s', 'line')")
    clean = {k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "smartgov.settings", **env})


def test_log_format_json_is_selected_by_the_environment():
    result = _log_one_line(LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stderr.strip().splitlines()[-1])
    assert (data["message"], data["request_id"], data["logger"]) == ("a line", "subprocess-0001", "smartgov.check")


def test_the_default_log_format_is_readable_text_and_a_wrong_one_is_refused():
    result = _log_one_line()
    assert result.stderr.strip().splitlines()[-1].endswith("WARNING smartgov.check [subprocess-0001] a line")
    refused = _log_one_line(LOG_FORMAT="xml")
    assert refused.returncode != 0
    assert "LOG_FORMAT must be" in refused.stderr


# Celery ---------------------------------------------------------------------------------------------------------

@with_test_views
def test_a_task_run_in_process_during_a_request_sees_its_id(client):
    response = client.get("/task")
    assert response.json()["eager"] == response["X-Request-ID"]
    [(request_id, (name, task_id))] = SEEN
    assert request_id == response["X-Request-ID"]
    assert name == "tests.observability.remember_request_id"
    assert task_id


@with_test_views
def test_a_task_sent_during_a_request_carries_its_id_to_the_worker(client, sent, caplog):
    response = client.get("/task", HTTP_X_REQUEST_ID="sent-from-a-request")
    [message] = _drain()
    assert message.headers["request_id"] == response["X-Request-ID"] == "sent-from-a-request"
    assert SEEN == []

    # What a worker does with the message: outside any request, the task runs with the message's request id.
    caplog.handler.addFilter(ContextFilter())
    with caplog.at_level(logging.INFO):
        Request(message, app=app).execute()
    [(request_id, (name, task_id))] = SEEN
    assert request_id == "sent-from-a-request"
    assert (name, task_id) == ("tests.observability.remember_request_id", message.headers["id"])
    [record] = [r for r in caplog.records if r.getMessage() == "inside the task"]
    assert (record.request_id, record.task_name, record.task_id) == ("sent-from-a-request", name, task_id)
    assert (current_request_id(), current_task()) == ("", ("", ""))  # reset once the task is done


def test_a_task_sent_outside_any_request_runs_without_an_id(sent):
    remember_request_id.apply_async()
    [message] = _drain()
    assert "request_id" not in message.headers
    with request_id_context("not-this-one-0001"):  # a worker's context never holds one; the message decides
        Request(message, app=app).execute()
    assert SEEN[0][0] == ""


def test_a_task_inside_a_task_inherits_the_id(sent):
    with request_id_context("parent-task-0001"):
        remember_request_id.apply_async()
    [message] = _drain()
    with request_id_context(message.headers["request_id"]):
        remember_request_id.apply_async()  # as a task sending another one would
    assert _drain()[0].headers["request_id"] == "parent-task-0001"


def test_an_explicit_id_in_the_headers_wins_in_process():
    assert remember_request_id.apply_async(headers={"request_id": "explicit-0001"}).get() == "explicit-0001"
    assert remember_request_id.apply_async(headers={"request_id": "bad id"}).get() == ""


@pytest.mark.worker
def test_a_real_workers_log_line_carries_the_request_id(worker):
    request_id = f"worker-{uuid.uuid4().hex}"
    with request_id_context(request_id):
        result = app.send_task("celery.accumulate", args=(7,), queue=app.conf.task_default_queue)

    def logged():
        return any(request_id in line and result.id in line and "succeeded" in line
                   for line in Path(worker.log_path).read_text().splitlines())

    wait_for(logged, timeout=60, what="the worker's line about the task")


# /metrics -------------------------------------------------------------------------------------------------------

def _scrape(client, **extra):
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode()) for sample in family.samples}


def _value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


@pytest.mark.parametrize("extra", [{"HTTP_X_FORWARDED_FOR": "203.0.113.7"}, {"HTTP_X_REAL_IP": "203.0.113.7"},
                                   {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "10.0.0.5"}])
def test_metrics_are_not_found_by_outside_callers(client, extra, db):
    assert client.get("/metrics", **extra).status_code == 404


@pytest.mark.django_db
def test_metrics_show_the_requests_and_their_latency_to_internal_callers(client, settings):
    client.get("/healthz")
    samples = _scrape(client)
    assert _value(samples, "django_http_requests_latency_seconds_by_view_method_count",
                  view="healthz", method="GET") >= 1
    assert any(name.startswith("django_http_requests_latency_including_middlewares_seconds") for name, _ in samples)
    assert _value(samples, "smartgov_metrics_collector_errors", collector="score_runs") == 0
    settings.INTERNAL_NETWORKS = ["10.0.0.0/8"]
    assert _scrape(client, REMOTE_ADDR="10.1.2.3")


@pytest.mark.django_db
def test_metrics_count_score_runs_and_time_the_finished_ones(client, cycle):
    before = _scrape(client)
    now = timezone.now()

    def run(status, *, requested=None, started=None, took=None):
        return ScoreRun.objects.create(
            cycle=cycle, status=status, requested_at=requested or now, started_at=started,
            finished_at=started + timedelta(seconds=took) if took is not None else None)

    run("succeeded", started=now - timedelta(minutes=10), took=30)
    run("succeeded", started=now - timedelta(minutes=5), took=90)
    run("succeeded", started=now - timedelta(days=3), took=500)  # out of the last 24 h
    run("failed", started=now - timedelta(minutes=1), took=4)
    run("running", started=now - timedelta(minutes=2))
    run("queued", requested=now - timedelta(minutes=5))
    after = _scrape(client)

    def grew(name, **labels):
        return (_value(after, name, **labels) or 0) - (_value(before, name, **labels) or 0)

    assert grew("smartgov_score_runs", status="succeeded") == 3
    assert grew("smartgov_score_runs", status="failed") == 1
    assert grew("smartgov_score_runs", status="running") == 1
    assert grew("smartgov_score_runs", status="queued") == 1
    assert grew("smartgov_score_run_duration_seconds_count", status="succeeded") == 3
    assert grew("smartgov_score_run_duration_seconds_sum", status="succeeded") == pytest.approx(620)
    assert grew("smartgov_score_run_duration_seconds_count", status="failed") == 1
    assert grew("smartgov_score_runs_last_24h", status="succeeded") == 2
    assert _value(after, "smartgov_score_run_max_duration_last_24h_seconds", status="succeeded") >= 90
    assert _value(after, "smartgov_score_run_oldest_seconds", status="queued") >= 300
    assert _value(after, "smartgov_score_run_oldest_seconds", status="running") >= 120
    assert _value(after, "smartgov_metrics_collector_errors", collector="score_runs") == 0


@pytest.mark.django_db
def test_metrics_count_reports(client, cycle, regions):
    before = _scrape(client)
    now = timezone.now()
    Report.objects.create(cycle=cycle, region=regions["hangzhou"], status="succeeded", file="reports/built.pdf",
                          started_at=now - timedelta(seconds=50), finished_at=now - timedelta(seconds=10))
    Report.objects.create(cycle=cycle, region=regions["hangzhou"], status="queued",
                          requested_at=now - timedelta(minutes=3))
    after = _scrape(client)
    assert (after[("smartgov_reports", (("status", "succeeded"),))]
            - before[("smartgov_reports", (("status", "succeeded"),))]) == 1
    assert (after[("smartgov_report_duration_seconds_sum", (("status", "succeeded"),))]
            - before[("smartgov_report_duration_seconds_sum", (("status", "succeeded"),))]) == pytest.approx(40)
    assert _value(after, "smartgov_report_oldest_seconds", status="queued") >= 180


@pytest.mark.django_db
def test_metrics_show_the_outbox_backlog(client):
    from django.apps import apps

    if not apps.is_installed("outbox"):
        pytest.skip("the outbox app is not installed")
    job = apps.get_model("outbox", "Job")
    now = timezone.now()
    kind = "tests.observability"
    job.objects.create(kind=kind, key="a", state="pending", due_at=now - timedelta(minutes=10))
    job.objects.create(kind=kind, key="b", state="pending", due_at=now - timedelta(seconds=5))
    job.objects.create(kind=kind, key="c", state="pending", due_at=now + timedelta(hours=1))
    job.objects.create(kind=kind, key="d", state="running", due_at=now, lease_until=now - timedelta(seconds=30))
    job.objects.create(kind=kind, key="e", state="running", due_at=now, lease_until=now + timedelta(seconds=30))
    job.objects.create(kind=kind, key="f", state="done", due_at=now, finished_at=now)
    job.objects.create(kind=kind, key="g", state="failed", due_at=now, finished_at=now)
    samples = _scrape(client)
    assert _value(samples, "smartgov_outbox_jobs", kind=kind, state="pending") == 3
    assert _value(samples, "smartgov_outbox_jobs", kind=kind, state="running") == 2
    assert _value(samples, "smartgov_outbox_overdue_jobs", kind=kind) == 1
    assert _value(samples, "smartgov_outbox_expired_lease_jobs", kind=kind) == 1
    assert _value(samples, "smartgov_outbox_failed_jobs_last_24h", kind=kind) == 1
    assert _value(samples, "smartgov_outbox_oldest_due_seconds") >= 600
    assert _value(samples, "smartgov_metrics_collector_errors", collector="outbox") == 0


def _broker_is(monkeypatch, url):
    monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery reads it before its own setting
    monkeypatch.setitem(app.conf, "broker_url", url)


@pytest.mark.django_db
def test_with_the_in_process_broker_there_are_no_queue_metrics(client, monkeypatch):
    _broker_is(monkeypatch, "memory://")
    samples = _scrape(client)
    assert not [name for name, _ in samples if name.startswith(("smartgov_broker", "smartgov_celery"))]
    assert _value(samples, "smartgov_metrics_collector_errors", collector="broker") == 0


class _FakeRedis:
    """Answers LLEN and HLEN from a dict, like redis-py's pipeline."""

    def __init__(self, lists):
        self.lists, self.calls = lists, []

    def pipeline(self, transaction=True):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def llen(self, key):
        self.calls.append(key)

    def hlen(self, key):
        self.calls.append(key)

    def execute(self):
        return [self.lists.get(key, 0) for key in self.calls]

    def close(self):
        pass


@pytest.mark.django_db
def test_with_redis_the_queue_lengths_are_shown(client, monkeypatch):
    fake = _FakeRedis({"smartgov": 4, "smartgov\x06\x169": 1, "reports": 2, "unacked": 3})
    _broker_is(monkeypatch, "redis://broker.invalid:6379/0")
    monkeypatch.setitem(app.conf, "task_default_queue", "smartgov")
    monkeypatch.setitem(app.conf, "task_routes", {"reports.*": {"queue": "reports"}})
    monkeypatch.setattr(smartgov_metrics, "_redis_client", lambda url: fake)
    samples = _scrape(client)
    assert _value(samples, "smartgov_broker_up") == 1
    assert _value(samples, "smartgov_celery_queue_length", queue="smartgov") == 5
    assert _value(samples, "smartgov_celery_queue_length", queue="reports") == 2
    assert _value(samples, "smartgov_celery_unacked_messages") == 3


@pytest.mark.django_db
def test_a_broker_outage_does_not_break_the_metrics(client, monkeypatch, caplog):
    _broker_is(monkeypatch, "redis://127.0.0.1:1/0")  # nothing listens there
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="smartgov.metrics"):
        samples = _scrape(client)
    assert time.monotonic() - started < 10
    assert _value(samples, "smartgov_broker_up") == 0
    assert not [name for name, _ in samples if name.startswith("smartgov_celery_queue_length")]
    assert _value(samples, "smartgov_score_runs", status="queued") is not None
    assert "the broker did not answer" in caplog.text


@pytest.mark.django_db
def test_a_failing_part_is_reported_and_the_rest_still_shown(client, monkeypatch):
    def broken(now):
        raise RuntimeError("database gone")

    monkeypatch.setattr(smartgov_metrics, "_outbox", broken)
    samples = _scrape(client)
    assert _value(samples, "smartgov_metrics_collector_errors", collector="outbox") == 1
    assert _value(samples, "smartgov_metrics_collector_errors", collector="score_runs") == 0
