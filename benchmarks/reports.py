"""(e)–(g) Reports on PostgreSQL: one city PDF, a batch of 300 city PDFs on two workers, the report farm's
throughput on one worker and on two, and the dashboards.

    .venv/bin/python benchmarks/reports.py [--samples 5] [--batch 300] [--farm N]

Uses the 300-city benchmark data of benchmarks/pipeline.py (created on first use; every cycle is scored once).
- A city PDF: `reports.services.report_build` end to end (read the stored results, draw 4 charts to SVG with
  kaleido, lay out with WeasyPrint, store the file) — the median of several cities, after a first build that
  also starts Chromium. Target: ≤ 3 s.
- A batch: one task per city, on two workers. With CELERY_BROKER_URL set (e.g. redis://127.0.0.1:6379/0) two
  real report workers (`celery worker --concurrency=1` each, docker-compose's `report-worker` flags) take them
  from the broker, sent as the platform sends them (outbox jobs, routed by settings.OUTBOX_QUEUES to a queue of
  the benchmark's own); otherwise two processes share the list. Target: 300 city PDFs ≤ 10 min.
- The report farm (`--farm N`): the same N city reports built on one worker, then on two — two worker processes
  rather than one worker of concurrency 2, as `docker compose up --scale report-worker=2` adds a worker —
  printed as reports a minute, and the ratio. Target: two workers ≥ 1.8× one (at most 2× on two cores).
Files go to a temporary MEDIA_ROOT, removed at the end, and the benchmark's reports are deleted from the database.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboards import bench_dashboards
from pipeline import ROOT, _ensure_data, _setup_django

QUEUE = "smartgov-bench-reports"
CITY_TARGET, BATCH_TARGET, FARM_TARGET = 3.0, 600.0, 1.8


def _scored(cycle):
    """Every cycle of the benchmark framework scored once (the reports show a trend over the periods)."""
    from assessments.models import Cycle, Submission
    from assessments.services import cycle_scores_compute, cycle_scores_request

    for each in (Cycle.objects.filter(framework=cycle.framework, current_run__isnull=True,
                                      submissions__status=Submission.Status.APPROVED).distinct().order_by("period")):
        run = cycle_scores_compute(run_id=cycle_scores_request(cycle=each, reason="benchmark", enqueue=False).pk)
        assert run.status == "succeeded", run.error
    cycle.refresh_from_db()
    return cycle


def _forget(cycle):
    from reports.models import Report, ReportBatch

    Report.objects.filter(cycle__framework=cycle.framework).delete()
    ReportBatch.objects.filter(cycle__framework=cycle.framework).delete()


def bench_city(cycle, samples: int) -> dict:
    from assessments.models import Region, RegionScore
    from reports import pdf, selectors, services
    from reports.charts import svg_uris
    from reports.models import Report
    from reports.services import report_build, report_request

    codes = list(RegionScore.objects.filter(run_id=cycle.current_run_id).order_by("region__code")
                 .values_list("region__code", flat=True))
    picked = [codes[round(i * (len(codes) - 1) / samples)] for i in range(samples + 1)]
    times, pages, sizes = [], [], []
    for code in picked:
        region = Region.objects.get(code=code)
        report = report_request(cycle=cycle, region=region, enqueue=False)
        start = time.perf_counter()
        report = report_build(report_id=report.pk)
        times.append(time.perf_counter() - start)
        assert report.status == Report.Status.SUCCEEDED, report.error
        pages.append(report.pages)
        sizes.append(report.size)
    first, rest = times[0], times[1:]

    # The same steps one by one, to see where the time goes.
    from django.template.loader import render_to_string
    from django.utils import timezone

    region = Region.objects.get(code=picked[-1])
    stages = {}
    start = time.perf_counter()
    data = selectors.city_report(cycle, region)
    stages["data"] = time.perf_counter() - start
    start = time.perf_counter()
    charts = svg_uris(services._city_charts(data))
    stages["charts (4 SVG)"] = time.perf_counter() - start
    start = time.perf_counter()
    html = render_to_string("reports/pdf/city.html", {
        "report": Report(language="zh-hans"), "cycle": cycle, "region": region, "data": data, "charts": charts,
        "generated_at": timezone.localtime(), **pdf.print_context(top_left=region.name, top_right="")})
    stages["template"] = time.perf_counter() - start
    start = time.perf_counter()
    pdf.html_to_pdf(html)
    stages["WeasyPrint"] = time.perf_counter() - start

    median = statistics.median(rest)
    print(f"(e) city PDF report, 300 cities × 60 indicators: median {median:.2f} s of {len(rest)} cities "
          f"(target ≤ {CITY_TARGET:.0f} s; min {min(rest):.2f}, max {max(rest):.2f}); the first one, which also "
          f"starts Chromium, {first:.2f} s; {statistics.median(pages):.0f} pages, "
          f"{statistics.median(sizes) / 1024:.0f} KB")
    print("    stages: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in stages.items()))
    return {"city_pdf_s": median, "city_pdf_first_s": first}


def _build_in_process(report_id):
    from reports.services import report_build

    return report_build(report_id=report_id).status


def _process_init():
    import django
    from django.db import connections

    django.setup()
    connections.close_all()


def _run_processes(ids, workers: int) -> tuple[str, float]:
    """`workers` processes take the reports one at a time; timed from their start (including Django's setup)."""
    start = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_process_init) as pool:
        list(pool.imap_unordered(_build_in_process, ids, chunksize=1))
    return f"{workers} processes (multiprocessing, spawn)", time.perf_counter() - start


def _run_celery(ids, broker, workdir: Path, workers: int) -> tuple[str, float]:
    """`workers` real report workers — each a `celery worker --concurrency=1` with the flags of docker-compose's
    `report-worker`, as `--scale report-worker=N` adds them — consume one task per report from the queue the
    reports are routed to (settings.OUTBOX_QUEUES: the benchmark's own); timed from the first task sent to the
    last report stored."""
    from django.db import connection

    from reports.models import Report
    from reports.services import _enqueue

    # INFO: a worker says " ready." at that level (its log goes to a file, read only for that and for errors).
    env = {**os.environ, "CELERY_BROKER_URL": broker, "CELERY_TASK_ALWAYS_EAGER": "false", "LOG_LEVEL": "INFO"}
    logs = [workdir / f"worker-{n}.log" for n in range(workers)]
    started = [subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "smartgov", "worker", "--pool=prefork", "--concurrency=1",
         "--prefetch-multiplier=1", "-O", "fair", "--loglevel=INFO", "-Q", QUEUE, "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-n", f"bench-reports-{os.getpid()}-{n}@%h"],
        cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
    ) for n, log in enumerate(logs)]
    try:
        deadline = time.monotonic() + 60
        while not all(" ready." in log.read_text() for log in logs):
            if any(w.poll() is not None for w in started) or time.monotonic() > deadline:
                raise RuntimeError("the workers did not start:\n" + _tails(logs))
            time.sleep(0.2)
        start = time.perf_counter()
        _enqueue(ids)
        deadline = time.monotonic() + 3 * BATCH_TARGET
        while Report.objects.filter(pk__in=ids, status__in=("queued", "running")).exists():
            if time.monotonic() > deadline or any(w.poll() is not None for w in started):
                raise RuntimeError("the batch did not finish:\n" + _tails(logs))
            time.sleep(0.5)
        elapsed = time.perf_counter() - start
        connection.close()
        return f"{workers} Celery report worker(s) of concurrency 1 on {broker.split('@')[-1]}", elapsed
    finally:
        for worker in started:
            worker.send_signal(signal.SIGTERM)
        for worker in started:
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                worker.kill()


def _tails(logs) -> str:
    return "\n".join(log.read_text()[-3000:] for log in logs)


def _requested(cycle, size: int) -> list[int]:
    """`size` city reports requested (queued, not yet sent), the benchmark's earlier reports forgotten."""
    from assessments.models import Region
    from reports.models import Report
    from reports.services import batch_request

    _forget(cycle)
    ids = []
    for province in Region.objects.filter(level="province", children__submissions__cycle=cycle).distinct():
        batch = batch_request(cycle=cycle, province=province, enqueue=False)
        ids += list(batch.reports.values_list("pk", flat=True))
    ids = sorted(ids)[:size]
    Report.objects.exclude(pk__in=ids).filter(cycle=cycle).delete()
    return ids


def _build(ids, workers: int, workdir: Path) -> tuple[str, float]:
    """The reports built by `workers` workers from the broker (CELERY_BROKER_URL), or by as many processes."""
    from django.db import connections

    broker = os.environ.get("CELERY_BROKER_URL", "")
    connections.close_all()
    if broker and not broker.startswith("memory"):
        return _run_celery(ids, broker, workdir, workers)
    return _run_processes(ids, workers)


def bench_batch(cycle, size: int, workdir: Path) -> dict:
    from django.conf import settings
    from django.db.models import Avg, F, Sum

    from reports.models import Report

    ids = _requested(cycle, size)
    how, elapsed = _build(ids, 2, workdir)
    reports = Report.objects.filter(pk__in=ids)
    done = reports.filter(status=Report.Status.SUCCEEDED)
    failed = reports.filter(status=Report.Status.FAILED)
    each = done.aggregate(build=Avg(F("finished_at") - F("started_at")), pages=Avg("pages"), size=Sum("size"))
    build = each["build"].total_seconds() if each["build"] is not None else float("nan")
    on_disk = sum(f.stat().st_size for f in Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    print(f"(f) {len(ids)} city PDF reports on {how}: {elapsed:.1f} s = {elapsed / 60:.1f} min "
          f"(target ≤ {BATCH_TARGET / 60:.0f} min); {len(ids) / elapsed * 60:.0f} reports a minute, "
          f"{build:.2f} s each on average in a worker; {done.count()} succeeded, {failed.count()} failed; "
          f"{(each['pages'] or 0):.1f} pages on average, {on_disk / 1024 / 1024:.0f} MB written")
    if failed.exists():
        print("    first error: " + failed.first().error[:300])
    return {"batch_s": elapsed, "batch_failed": failed.count()}


def bench_farm(cycle, size: int, workdir: Path) -> dict:
    """The same `size` city reports built on one worker, then on two: reports a minute and the ratio."""
    from reports.models import Report

    rates = {}
    for workers in (1, 2):
        ids = _requested(cycle, size)
        how, elapsed = _build(ids, workers, workdir)
        failed = Report.objects.filter(pk__in=ids).exclude(status=Report.Status.SUCCEEDED).count()
        rates[workers] = size / elapsed * 60
        print(f"(f) report farm: {size} city PDF reports on {how}: {elapsed:.1f} s, {rates[workers]:.1f} reports a "
              f"minute; {failed} not built")
    ratio = rates[2] / rates[1]
    print(f"(f) report farm: two workers build {ratio:.2f}× the reports a minute of one (target ≥ {FARM_TARGET}×; "
          f"at most 2× on this machine's {os.cpu_count()} cores, which PostgreSQL and this process share)")
    return {"farm_per_min_1": rates[1], "farm_per_min_2": rates[2], "farm_ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5, help="cities timed one by one (after a first one)")
    parser.add_argument("--batch", type=int, default=300, help="city reports in the batch (0: skip it)")
    parser.add_argument("--farm", type=int, default=0, metavar="N",
                        help="city reports built on one worker, then on two (0: skip it)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="smartgov-bench-reports-"))
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    # Every task the benchmark sends — the report builds (settings.OUTBOX_QUEUES) and any other — goes to its own
    # queue, which only its workers consume: other workers on the same Redis neither take nor hold them.
    os.environ["CELERY_QUEUE"] = os.environ["CELERY_REPORTS_QUEUE"] = QUEUE
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        _setup_django()
        bench_dashboards()
        from reports import pdf

        missing = pdf.missing_requirements()
        if missing:
            print("(e)/(f) skipped: " + " ".join(missing))
            return
        cycle = _scored(_ensure_data("bench-300x60", 300, 60))
        _forget(cycle)
        bench_city(cycle, args.samples)
        if args.batch:
            bench_batch(cycle, args.batch, workdir)
        if args.farm:
            bench_farm(cycle, args.farm, workdir)
        _forget(cycle)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
