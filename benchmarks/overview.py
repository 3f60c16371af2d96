"""(o) The overview dashboard at national scale: server time, SQL queries and the bytes of a cold load.

    .venv/bin/python benchmarks/overview.py

The register of China (assessments/data/regions/cn-nbs-2023.yaml: 31 provinces, ~340 prefectures, ~2,850
counties, loaded as `manage.py load_regions` loads it), the default framework (33 indicators) and five closed
cycles in which every one of those regions has an approved submission, scored by the engine
(`cycle_scores_compute`, its audit and sensitivity analysis included): built once in its own PostgreSQL
database (`smartgov_bench_national` on 127.0.0.1, or DATABASE_URL when it names PostgreSQL), then reused — the
register closes every region it does not list, which other benchmarks' databases hold. Requests go through
Django's test client in this process (routing, middleware, view, selectors, figures, template), so the time is
the server's, without the network.

It prints, for the national administrator's overview (every level, each region level, a later page, a search)
and a province analyst's: the median server time (target ≤ 300 ms) and the queries, the same at the two sizes
(constant in the number of regions). Then what a cold load transfers before the first chart draws — the HTML
and the CSS and JavaScript files the page links (what the browser must have before dashboards.js runs),
compressed as `collectstatic` stores them and the server sends them (gzip, brotli): the page as it is now, and
as it was before issue 15 (every region on one page and in the heatmap, the full plotly.js bundle). Target:
≤ 1.5 MB.
"""

from __future__ import annotations

import datetime
import gzip
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboards import _measure, _users
from pipeline import ROOT, _analyse, _setup_django

REGISTER = ROOT / "assessments" / "data" / "regions" / "cn-nbs-2023.yaml"
PERIODS = (2022, 2023, 2024, 2025, 2026)
TARGET_MS, TARGET_BYTES = 300, 1.5e6


def _national_cycle(every: int = 1):
    """The cycle of 2026 of the default framework, all of the register's regions below the country scored in
    it and in the four years before (built on the first run: a few minutes, most of them the score runs).

    With `every` > 1, every `every`-th of those regions only, in a copy of the framework of its own (benchmarks/
    national.py compares the pipeline at a tenth of the size).
    """
    import numpy as np
    from django.core.management import call_command

    from assessments.models import Cycle, IndicatorValue, Region, Submission
    from assessments.services import cycle_scores_compute, cycle_scores_request
    from indicators.framework_file import load_framework_file
    from indicators.models import Framework
    from indicators.services import framework_import, framework_publish

    document = load_framework_file(ROOT / "indicators" / "frameworks" / "smartgov-maturity.yaml")
    if every > 1:
        document = {**document, "code": f"{document['code']}-1-in-{every}"}
    framework = Framework.objects.filter(code=document["code"], version=document["version"]).first()
    if framework is None:
        framework = framework_publish(framework=framework_import(document=document).framework)
    found = Cycle.objects.filter(framework=framework, period=PERIODS[-1], current_run__isnull=False,
                                 closes=datetime.date(PERIODS[-1], 11, 30)).first()
    if found is not None and Submission.objects.filter(cycle=found).exists():
        return found
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("load_regions", str(REGISTER), stdout=quiet)
    regions = list(Region.objects.filter(level__in=[Region.Level.PROVINCE, Region.Level.PREFECTURE,
                                                    Region.Level.COUNTY], valid_to__isnull=True).order_by("code"))
    regions = regions[::every]
    items = list(framework.indicators.order_by("dimension__order", "order"))
    rng = np.random.default_rng(15)
    capacity = rng.normal(0, 1, len(regions))
    for t, period in enumerate(PERIODS):
        cycle = Cycle.objects.create(framework=framework, period=period, opens=datetime.date(period, 9, 1),
                                     closes=datetime.date(period, 11, 30), status=Cycle.Status.CLOSED)
        submissions = Submission.objects.bulk_create(
            (Submission(region=region, cycle=cycle, status=Submission.Status.APPROVED) for region in regions),
            batch_size=5000)
        latent = capacity[:, None] + 0.2 * t + rng.normal(0, 0.6, (len(regions), len(items)))
        values = np.round(100 / (1 + np.exp(-latent)), 1)
        IndicatorValue.objects.bulk_create(
            (IndicatorValue(submission=s, indicator=item, value=float(values[r, j]))
             for r, s in enumerate(submissions) for j, item in enumerate(items)), batch_size=20000)
        _analyse()
        run = cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, reason="benchmark", enqueue=False).pk)
        assert run.status == "succeeded", run.error
    print(f"    built {len(regions)} regions × {len(items)} indicators × {len(PERIODS)} scored cycles in "
          f"{time.perf_counter() - started:.0f} s")
    cycle.refresh_from_db()
    return cycle


def _compressed(data: bytes) -> tuple[int, int, int]:
    """Raw, gzip and brotli sizes, compressed as whitenoise's `collectstatic` compresses (gzip level 9, brotli's
    default quality)."""
    import brotli

    return len(data), len(gzip.compress(data, compresslevel=9, mtime=0)), len(brotli.compress(data))


def _cold_load(html: bytes) -> dict[str, tuple[int, int, int]]:
    """What the browser fetches before the first chart draws: the page, and the stylesheets and scripts it links
    (dashboards.js draws the charts once they have loaded; fonts and images aside)."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    files = {"HTML": _compressed(html)}
    for url in re.findall(rb'<(?:link rel="stylesheet" href|script src)="([^"]+)"', html):
        name = url.decode().removeprefix("/" + settings.STATIC_URL.strip("/") + "/")
        files[name] = _compressed(Path(finders.find(name)).read_bytes())
    return files


def _print_load(label, files):
    raw, gz, br = (sum(sizes[i] for sizes in files.values()) for i in range(3))
    plotly = {name: sizes for name, sizes in files.items() if "plotly" in name}
    print(f"(o) cold load, {label}: {raw / 1e6:.2f} MB uncompressed, {gz / 1e6:.2f} MB gzip, {br / 1e6:.2f} MB "
          f"brotli (target ≤ {TARGET_BYTES / 1e6:.1f} MB transferred); HTML {files['HTML'][1] / 1e3:.0f} kB gzip "
          f"({files['HTML'][0] / 1e3:.0f} kB raw); "
          + ", ".join(f"{name} {s[0] / 1e6:.2f} MB → {s[1] / 1e6:.2f} MB gzip, {s[2] / 1e6:.2f} MB brotli"
                      for name, s in plotly.items()))
    return gz


def bench_overview() -> dict:
    _setup_django("smartgov_bench_national")
    from django.test import Client

    from reports import ranking

    cycle = _national_cycle()
    _analyse()
    admin, analyst = _users("bench-national", "330000")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    figures: dict[str, float] = {}
    base = f"/dashboards/?cycle={cycle.pk}"
    pages = {
        "overview, nation, default level (counties)": (admin, base),
        "overview, nation, every level": (admin, f"{base}&level=all"),
        "overview, nation, prefectures": (admin, f"{base}&level=prefecture"),
        "overview, nation, counties, page 40": (admin, f"{base}&level=county&page=40"),
        "overview, nation, search “杭州”": (admin, f"{base}&level=all&q=杭州"),
        "overview, Zhejiang analyst (province scope)": (analyst, base),
        "a county's page (上城区, Hangzhou)": (analyst, f"/dashboards/cities/330102/?cycle={cycle.pk}"),
    }
    html = b""
    for name, (user, url) in pages.items():
        client.force_login(user)
        seconds, queries, content = _measure(client, url)
        ms = seconds * 1000
        html = html or content
        figures[name] = ms
        print(f"(o) {name}: {ms:.0f} ms server time (median; target ≤ {TARGET_MS} ms), "
              f"{queries} queries; {content.count(b'<tr data-level')} rows in the table")

    client.force_login(admin)
    after = _print_load("now (default page)", _cold_load(html))
    # The page before issue 15: every region of every level on one page and in the heatmap, a point per region,
    # and the full plotly.js bundle.
    page_size, many = ranking.PAGE_SIZE, ranking.MANY
    ranking.PAGE_SIZE, ranking.MANY = 10**6, 10**9
    try:
        seconds, _queries, content = _measure(client, f"{base}&level=all", runs=2)
        ms = seconds * 1000
    finally:
        ranking.PAGE_SIZE, ranking.MANY = page_size, many
    old = content.replace(b"vendor/plotly-cartesian/plotly-cartesian.min.js", b"vendor/plotly/plotly.min.js")
    print(f"    (the page as before, {content.count(b'<tr data-level')} rows: {ms:.0f} ms server time)")
    before = _print_load("before issue 15 (every region on one page, full plotly.js)", _cold_load(old))
    return {**figures, "cold_load_gzip_bytes": after, "cold_load_gzip_bytes_before": before}


if __name__ == "__main__":
    bench_overview()
