"""`/metrics` (Prometheus text format), for internal callers only (smartgov.internal; anyone else gets 404).

Besides django-prometheus's own metrics (requests and their latency by view, responses by status, exceptions…)
and the process's (CPU, memory, open files), one collector reads at each scrape what every process shares — the
broker and the database — so that the figures are the same whichever gunicorn worker answers:

- the broker (Redis only; nothing with the in-process default): smartgov_broker_up, smartgov_celery_queue_length
  {queue} for the default queue, the routed and declared ones and those of the outbox's kinds,
  smartgov_celery_unacked_messages (taken by a worker, not yet acknowledged);
- the outbox (background jobs): smartgov_outbox_jobs{kind,state} (pending, running), smartgov_outbox_overdue_jobs
  {kind} (pending, due for more than a minute), smartgov_outbox_oldest_due_seconds, smartgov_outbox_expired_lease
  _jobs{kind} (running, but the worker stopped renewing its lease), smartgov_outbox_failed_jobs_last_24h{kind};
- score runs and reports: smartgov_score_runs{status} and smartgov_reports{status}; the summaries
  smartgov_score_run_duration_seconds{status} and smartgov_report_duration_seconds{status} (count and sum of
  finished_at − started_at of every finished run: rate(_sum)/rate(_count) is the mean over any window);
  smartgov_score_runs_last_24h{status}, smartgov_score_run_max_duration_last_24h_seconds{status} (and the same
  for reports), smartgov_score_run_oldest_seconds{status} (the longest-waiting queued run, the longest-running
  running one; 0 when none; smartgov_report_oldest_seconds likewise);
- smartgov_metrics_collector_errors{collector}: 1 when a part could not be read at this scrape (it is logged).

A broker or database outage never fails the scrape: that part is left out (smartgov_broker_up is then 0).
Constant work per scrape: a pipeline of LLEN to Redis and seven aggregate queries.
"""

import importlib
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.registry import Collector

from .celery import app
from .internal import is_internal_request

logger = logging.getLogger(__name__)

OVERDUE_AFTER = timedelta(seconds=60)
RECENT = timedelta(hours=24)
BROKER_TIMEOUT_SECONDS = 1.0
OPEN_JOB_STATES = ("pending", "running")
FINISHED = ("succeeded", "failed")


# The broker -------------------------------------------------------------------------------------------------------

def _redis_url(broker_url: str) -> str:
    """The broker's Redis URL, "" when the broker is not Redis (the in-process memory broker, AMQP…)."""
    url = broker_url.split(";", 1)[0].strip()
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("redis", "rediss"):
        return url
    if scheme in ("redis+socket", "socket"):
        return "unix://" + url.split("://", 1)[1]
    return ""


def _redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=BROKER_TIMEOUT_SECONDS,
                                socket_connect_timeout=BROKER_TIMEOUT_SECONDS)


def _queue_name(queue: Any) -> str:
    if isinstance(queue, dict):
        queue = queue.get("queue", "")
    return str(getattr(queue, "name", queue) or "")


def queue_names() -> list[str]:
    """The default queue, those named by task_routes and task_queues, and those of the outbox's kinds."""
    names = {app.conf.task_default_queue}
    declared = app.conf.task_queues or ()
    names.update(_queue_name(queue) for queue in (declared.keys() if isinstance(declared, dict) else declared))
    routes = app.conf.task_routes or ()
    for router in routes if isinstance(routes, list | tuple) else (routes,):
        if isinstance(router, dict):
            names.update(_queue_name(route) for route in router.values())
    if apps.is_installed("outbox"):
        try:
            kinds = importlib.import_module("outbox.registry").KINDS
        except (ImportError, AttributeError):
            kinds = {}
        names.update(getattr(spec, "queue", "") for spec in kinds.values())
    return sorted(name for name in names if name)


def _broker() -> list[Metric]:
    url = _redis_url(str(app.conf.broker_url or ""))
    if not url:
        return []
    options = app.conf.broker_transport_options or {}
    prefix = options.get("global_keyprefix", "")
    separator = options.get("sep", "\x06\x16")
    steps = options.get("priority_steps", [0, 3, 6, 9])
    queues = queue_names()
    up = GaugeMetricFamily("smartgov_broker_up", "1 when the broker (Redis) answered this scrape, else 0.")
    try:
        client = _redis_client(url)
        try:
            with client.pipeline(transaction=False) as pipe:
                for queue in queues:
                    for step in steps:  # kombu keeps each priority of a queue in a list of its own
                        pipe.llen(f"{prefix}{queue}{separator}{step}" if step else f"{prefix}{queue}")
                pipe.hlen(f"{prefix}{options.get('unacked_key', 'unacked')}")
                answers = pipe.execute()
        finally:
            client.close()
    except Exception as error:
        logger.warning("metrics: the broker did not answer: %s", error)
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    lengths = GaugeMetricFamily("smartgov_celery_queue_length", "Messages waiting in the Celery queue.",
                                labels=["queue"])
    for index, queue in enumerate(queues):
        lengths.add_metric([queue], sum(answers[index * len(steps):(index + 1) * len(steps)]))
    unacked = GaugeMetricFamily("smartgov_celery_unacked_messages",
                                "Messages delivered to a worker and not yet acknowledged (all queues).")
    unacked.add_metric([], answers[-1])
    return [up, lengths, unacked]


# The outbox -------------------------------------------------------------------------------------------------------

def _outbox(now: datetime) -> list[Metric]:
    try:
        job_model = apps.get_model("outbox", "Job")
    except LookupError:  # the outbox app is not installed
        return []
    rows = list(
        job_model.objects.filter(state__in=OPEN_JOB_STATES).values("kind", "state").order_by()
        .annotate(jobs=Count("id"), overdue=Count("id", filter=Q(state="pending", due_at__lt=now - OVERDUE_AFTER)),
                  expired=Count("id", filter=Q(state="running", lease_until__lt=now)), oldest_due=Min("due_at"))
    )
    failed = dict(job_model.objects.filter(state="failed", finished_at__gte=now - RECENT).values("kind").order_by()
                  .annotate(jobs=Count("id")).values_list("kind", "jobs"))
    try:
        registered = set(importlib.import_module("outbox.registry").KINDS)
    except (ImportError, AttributeError):
        registered = set()
    kinds = sorted(registered | {row["kind"] for row in rows} | set(failed))
    by_key: dict[tuple[str, str], dict[str, Any]] = {(row["kind"], row["state"]): row for row in rows}

    jobs = GaugeMetricFamily("smartgov_outbox_jobs", "Background jobs pending or running.", labels=["kind", "state"])
    overdue = GaugeMetricFamily("smartgov_outbox_overdue_jobs",
                                f"Pending jobs due for more than {OVERDUE_AFTER.seconds} s.", labels=["kind"])
    expired = GaugeMetricFamily("smartgov_outbox_expired_lease_jobs",
                                "Running jobs whose lease ran out (their worker stopped): the sweeper takes them "
                                "back.", labels=["kind"])
    given_up = GaugeMetricFamily("smartgov_outbox_failed_jobs_last_24h",
                                 "Jobs given up (failed for good) in the last 24 hours.", labels=["kind"])
    for kind in kinds:
        for state in OPEN_JOB_STATES:
            jobs.add_metric([kind, state], by_key.get((kind, state), {}).get("jobs", 0))
        overdue.add_metric([kind], by_key.get((kind, "pending"), {}).get("overdue", 0))
        expired.add_metric([kind], by_key.get((kind, "running"), {}).get("expired", 0))
        given_up.add_metric([kind], failed.get(kind, 0))
    due = [row["oldest_due"] for row in rows if row["state"] == "pending" and row["oldest_due"] is not None]
    oldest = GaugeMetricFamily("smartgov_outbox_oldest_due_seconds",
                               "How long the longest-waiting pending job has been due (0 when none is due).")
    oldest.add_metric([], max((now - min(due)).total_seconds(), 0.0) if due else 0.0)
    return [jobs, overdue, expired, given_up, oldest]


# Score runs and reports -------------------------------------------------------------------------------------------

def _seconds(value: timedelta | float | int | None) -> float:
    if value is None:
        return 0.0
    return value.total_seconds() if isinstance(value, timedelta) else float(value) / 1e6


def _runs(app_label: str, model_name: str, singular: str, plural: str, what: str, now: datetime) -> list[Metric]:
    """The same metrics for any model of runs with status (queued, running, succeeded, failed), requested_at,
    started_at and finished_at: ScoreRun and Report. Two aggregate queries."""
    model = apps.get_model(app_label, model_name)
    statuses = [value for value, _label in model._meta.get_field("status").choices or ()]
    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    timed = Q(started_at__isnull=False, finished_at__isnull=False)
    totals = {row["status"]: row for row in model.objects.values("status").order_by().annotate(
        runs=Count("id"), timed=Count("id", filter=timed), total=Sum(duration, filter=timed),
        oldest_requested=Min("requested_at"), oldest_started=Min("started_at"))}
    recent = {row["status"]: row for row in model.objects.filter(finished_at__gte=now - RECENT).values("status")
              .order_by().annotate(runs=Count("id"), longest=Max(duration, filter=timed))}

    counts = GaugeMetricFamily(f"smartgov_{plural}", f"{what.capitalize()} by status.", labels=["status"])
    for status in sorted(set(statuses) | set(totals)):
        counts.add_metric([status], totals.get(status, {}).get("runs", 0))
    durations = SummaryMetricFamily(f"smartgov_{singular}_duration_seconds",
                                    f"Duration (finished − started) of every finished {what[:-1]}.",
                                    labels=["status"])
    last_day = GaugeMetricFamily(f"smartgov_{plural}_last_24h", f"{what.capitalize()} finished in the last 24 hours.",
                                 labels=["status"])
    longest = GaugeMetricFamily(f"smartgov_{singular}_max_duration_last_24h_seconds",
                                f"Longest duration of the {what} finished in the last 24 hours.", labels=["status"])
    for status in FINISHED:
        total = totals.get(status, {})
        durations.add_metric([status], count_value=total.get("timed", 0), sum_value=_seconds(total.get("total")))
        last_day.add_metric([status], recent.get(status, {}).get("runs", 0))
        longest.add_metric([status], _seconds(recent.get(status, {}).get("longest")))
    oldest = GaugeMetricFamily(f"smartgov_{singular}_oldest_seconds",
                               f"Age of the oldest queued {what[:-1]} (since requested) and of the oldest running one "
                               "(since started); 0 when none.", labels=["status"])
    for status, field in (("queued", "oldest_requested"), ("running", "oldest_started")):
        since = totals.get(status, {}).get(field)
        oldest.add_metric([status], max((now - since).total_seconds(), 0.0) if since else 0.0)
    return [counts, durations, last_day, longest, oldest]


class SmartGovCollector(Collector):
    """Read at each scrape; each part on its own, so that one that fails leaves the others."""

    def describe(self) -> Iterable[Metric]:
        return []  # registering it must not query the database

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        parts = {
            "broker": _broker,
            "outbox": lambda: _outbox(now),
            "score_runs": lambda: _runs("assessments", "ScoreRun", "score_run", "score_runs", "score runs", now),
            "reports": lambda: _runs("reports", "Report", "report", "reports", "reports", now),
        }
        errors = GaugeMetricFamily("smartgov_metrics_collector_errors",
                                   "1 when this part of the metrics could not be read at this scrape.",
                                   labels=["collector"])
        for name, part in parts.items():
            try:
                found = part()
            except Exception:
                logger.exception("metrics: %s could not be read", name)
                errors.add_metric([name], 1)
                continue
            errors.add_metric([name], 0)
            yield from found
        yield errors


COLLECTOR = SmartGovCollector()
_registered: set[int] = set()


def register(registry: CollectorRegistry = REGISTRY) -> CollectorRegistry:
    """Adds the collector to the registry, once."""
    if id(registry) not in _registered:
        registry.register(COLLECTOR)
        _registered.add(id(registry))
    return registry


register()


def metrics(request: HttpRequest) -> HttpResponse:
    """The view of /metrics. With PROMETHEUS_MULTIPROC_DIR set (gunicorn with several workers) django-prometheus's
    figures are those of all the workers, read from that folder."""
    if not is_internal_request(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(COLLECTOR)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
