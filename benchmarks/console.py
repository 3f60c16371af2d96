"""Server time and SQL queries of the campaign console and its progress export, at 300 and 3,000 participants,
on PostgreSQL.

    .venv/bin/python benchmarks/console.py

Each campaign: an open cycle of a 40-indicator framework (8 requiring evidence) whose deadline passed three days
ago, its participants spread over 30 provinces (half cities, half counties), at every stage of the workflow;
half of them with every value, some evidence and six audit events each. Requests go through Django's test
client in this process (routing, middleware, view, selector, template or workbook), so the time is the
server's, without the network. Target: ≤ 300 ms for the pages at 3,000 participants, and the same number of
queries at 300 and 3,000. Uses DATABASE_URL when it names PostgreSQL, otherwise `smartgov_bench` on 127.0.0.1
(benchmarks/pipeline.py), beside the other benchmarks' data (a register of its own, "BENCH"); the data is
created once, then reused.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboards import _measure
from pipeline import _document, _setup_django

TARGET = 0.300
PROVINCES = 30
FRAMEWORK = "bench-console"


def _framework():
    from indicators.models import Framework
    from indicators.services import framework_import, framework_publish

    found = Framework.objects.filter(code=FRAMEWORK, version=1).first()
    if found is not None:
        return found
    document = _document(FRAMEWORK, 40)
    for dimension in document["dimensions"]:
        for i, indicator in enumerate(dimension["indicators"]):
            indicator["evidence_required"] = i % 5 == 0
    return framework_publish(framework=framework_import(document=document).framework)


def _regions(count: int):
    """`count` participants over 30 provinces of a register of the benchmark's own: cities and their counties."""
    from assessments.models import Region

    country, _ = Region.objects.get_or_create(code="BCN", defaults={
        "name_zh": "运营基准国", "name_en": "Console Benchland", "level": Region.Level.COUNTRY, "tree": "BENCH"})
    existing = {r.code: r for r in Region.objects.filter(tree="BENCH")}
    participants = []
    for p in range(PROVINCES):
        code = f"B{p:02d}"
        province = existing.get(code) or Region.objects.create(
            code=code, name_zh=f"基准省{p}", name_en=f"Province {p}", level=Region.Level.PROVINCE, parent=country,
            tree="BENCH")
        if province.province_id is None:
            Region.objects.filter(pk=province.pk).update(province=province)
        for c in range(count // PROVINCES // 2):
            city_code, county_code = f"B{p:02d}C{c:03d}", f"B{p:02d}C{c:03d}X"
            city = existing.get(city_code) or Region.objects.create(
                code=city_code, name_zh=f"基准市{p}-{c}", name_en=f"City {p}-{c}", level=Region.Level.PREFECTURE,
                parent=province, province=province, tree="BENCH")
            county = existing.get(county_code) or Region.objects.create(
                code=county_code, name_zh=f"基准县{p}-{c}", name_en=f"County {p}-{c}", level=Region.Level.COUNTY,
                parent=city, province=province, tree="BENCH")
            participants += [city, county]
    return participants


def _campaign(framework, count: int):
    """The open cycle of `count` participants (created once)."""
    from django.utils import timezone

    from assessments.models import Cycle, Evidence, IndicatorValue, Submission
    from audit.models import Action, AuditEvent

    period = 2000 + count // 100
    found = Cycle.objects.filter(framework=framework, period=period).first()
    if found is not None:
        return found
    today = timezone.localdate()
    cycle = Cycle.objects.create(framework=framework, period=period, opens=today - datetime.timedelta(days=60),
                                 closes=today - datetime.timedelta(days=3), status=Cycle.Status.OPEN)
    statuses = list(Submission.Status)
    submissions = Submission.objects.bulk_create(
        Submission(cycle=cycle, region=region, status=statuses[i % len(statuses)],
                   extended_until=today + datetime.timedelta(days=7) if i % 7 == 0 else None)
        for i, region in enumerate(_regions(count)))
    indicators = list(framework.indicators.all())
    filled = submissions[::2]
    IndicatorValue.objects.bulk_create(
        (IndicatorValue(submission=s, indicator=i, value=50.0) for s in filled for i in indicators), batch_size=20000)
    Evidence.objects.bulk_create(
        Evidence(submission=s, indicator=i, file=f"evidence/bench/{s.pk}-{i.code}.pdf", original_name="x.pdf",
                 content_type="application/pdf", size=1, sha256="0" * 64)
        for s in filled for i in indicators[:12] if i.evidence_required)
    now = timezone.now()
    AuditEvent.objects.bulk_create(
        (AuditEvent(at=now - datetime.timedelta(hours=k * 5 + s.pk % 5), action=Action.VALUE_CHANGED, submission=s,
                    submission_version=1, region_id=s.region_id, subject=indicators[k].code, new={"value": 50.0})
         for s in submissions for k in range(6)), batch_size=20000)
    return cycle


def _users():
    from django.contrib.auth import get_user_model

    from assessments.models import Region, RoleAssignment

    User = get_user_model()
    admin, _ = User.objects.get_or_create(username="bench-console-admin")
    RoleAssignment.objects.get_or_create(user=admin, role=RoleAssignment.Role.PLATFORM_ADMIN, region=None)
    coordinator, _ = User.objects.get_or_create(username="bench-console-coordinator")
    RoleAssignment.objects.get_or_create(user=coordinator, role=RoleAssignment.Role.PROVINCE_COORDINATOR,
                                         region=Region.objects.get(code="B00"))
    return admin, coordinator


def bench_console() -> dict[str, float]:
    _setup_django()
    from django.test import Client

    framework = _framework()
    campaigns = {count: _campaign(framework, count) for count in (300, 3000)}
    admin, coordinator = _users()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages = {
        "console, nation (overview of every province)": (admin, "/console/?cycle={cycle}"),
        "console, one province (its participants)": (coordinator, "/console/?cycle={cycle}"),
        "progress export, nation (.xlsx)": (admin, "/console/progress.xlsx?cycle={cycle}"),
    }
    figures = {}
    for name, (user, url) in pages.items():
        client.force_login(user)
        measured = {count: _measure(client, url.format(cycle=cycle.pk), runs=5) for count, cycle in campaigns.items()}
        figures[name] = measured[3000][0]
        print(f"console: {name}: " + "; ".join(
            f"{count:,} participants {seconds * 1000:.0f} ms, {queries} queries"
            for count, (seconds, queries, _content) in measured.items()) + f" (server time, median; target ≤ "
            f"{TARGET * 1000:.0f} ms for the pages)")
    return figures


if __name__ == "__main__":
    bench_console()
