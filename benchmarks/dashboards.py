"""(g) Server time and SQL queries of each dashboard at 300 cities × 60 indicators × 5 cycles on PostgreSQL.

    .venv/bin/python benchmarks/dashboards.py     (also run by benchmarks/reports.py)

Requests go through Django's test client in this process (URL routing, middleware, view, selectors, plotly
figures, templates), so the time is the server's, without the network. Target: ≤ 300 ms each, and queries
constant in the number of cities (compared with the 100-city framework of benchmarks/pipeline.py).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import _ensure_data, _setup_django

TARGET = 0.300


def _users(prefix: str = "bench", province: str = "900000"):
    """An admin and a province analyst of `province` (created once), named after `prefix`."""
    from django.contrib.auth import get_user_model

    from assessments.models import Region, RoleAssignment

    User = get_user_model()
    admin, _ = User.objects.get_or_create(username=f"{prefix}-admin", defaults={"is_superuser": True})
    RoleAssignment.objects.get_or_create(user=admin, role=RoleAssignment.Role.PLATFORM_ADMIN, region=None)
    analyst, _ = User.objects.get_or_create(username=f"{prefix}-analyst")
    RoleAssignment.objects.get_or_create(user=analyst, role=RoleAssignment.Role.PROVINCE_ANALYST,
                                         region=Region.objects.get(code=province))
    return admin, analyst


def _in_provinces():
    """The benchmark's regions with their province-level division set, as the register sets it (data made before
    the register knew provinces has it already; `pipeline._regions` does not set it)."""
    from django.db.models import F

    from assessments.models import Region

    Region.objects.filter(code__startswith="9", level=Region.Level.PROVINCE, province__isnull=True).update(
        province=F("pk"))
    Region.objects.filter(code__startswith="9", level=Region.Level.PREFECTURE, province__isnull=True).update(
        province=F("parent"))


def _scored(cycle):
    from assessments.models import Cycle
    from assessments.services import cycle_scores_compute, cycle_scores_request

    for each in Cycle.objects.filter(framework=cycle.framework, current_run__isnull=True).order_by("period"):
        cycle_scores_compute(run_id=cycle_scores_request(cycle=each, reason="benchmark", enqueue=False).pk)
    cycle.refresh_from_db()
    return cycle


def _measure(client, url, runs=7):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], set()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(captured))
    return statistics.median(times[1:]), sorted(queries), response.content


def bench_dashboards() -> dict:
    _setup_django()
    from django.test import Client

    big = _scored(_ensure_data("bench-300x60", 300, 60))
    small = _scored(_ensure_data("bench-100x60", 100, 60))
    _in_provinces()
    admin, analyst = _users()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    figures = {}
    pages = {
        "overview, nation (300 cities)": (admin, "/dashboards/?cycle={cycle}"),
        "overview, province (30 cities)": (analyst, "/dashboards/?cycle={cycle}"),
        "city": (analyst, "/dashboards/cities/900100/?cycle={cycle}"),
        "compare (5 cities)": (analyst, "/dashboards/compare/?cycle={cycle}&cities=900100,900200,900300,900400,900500"),
    }
    for name, (user, url) in pages.items():
        client.force_login(user)
        seconds, queries, _content = _measure(client, url.format(cycle=big.pk))
        _small_seconds, small_queries, _content = _measure(client, url.format(cycle=small.pk), runs=2)
        figures[name] = seconds
        print(f"(g) dashboard {name}: {seconds * 1000:.0f} ms server time (median; target ≤ {TARGET * 1000:.0f} ms), "
              f"{queries} queries at 300 cities, {small_queries} at 100")
    return figures


if __name__ == "__main__":
    bench_dashboards()
