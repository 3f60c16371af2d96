"""A satisfaction import of the largest file allowed — 200,000 good/bad ratings (SATISFACTION_FILE_MAX_ROWS) — as
background work: the upload (`satisfaction_import_request`: store the file, record the job) and the job as a worker
runs it (`outbox.services.job_run`: read, check, write all rows in one transaction, record the result), with the
time of each stage, the rows per second and the worker's peak memory. On SQLite and, when DATABASE_URL points at
PostgreSQL, on PostgreSQL.

    .venv/bin/python benchmarks/satisfaction_import.py [--rows 200000] [--xlsx]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/satisfaction_import.py

The file is CSV, or with --xlsx an Excel workbook (openpyxl reads it: the slower and heavier case); it is made
before the measured process starts.

Each database is new and the benchmark's own: a SQLite file in a temporary folder, and on the PostgreSQL server of
DATABASE_URL a database `smartgov_import_bench` created for the run and dropped after it; each run is a process of
its own (its peak memory is the job's). Target: well within the job's time limit (IMPORT_TIME_LIMIT, 600 s) and
the worker's --max-memory-per-child (600 MB, docker-compose.yml).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.scratch_database import scratch_database  # noqa: E402

DATABASE = "smartgov_import_bench"
MEMORY_TARGET_MB = 600


HEADER = ["服务事项", "渠道", "日期", "评分", "评价内容", "是否整改"]


def ratings(count: int) -> list[list[str]]:
    """`count` ratings dated this year up to yesterday (in UTC: never in the future of the platform's time zone),
    one in ten with a comment holding a phone number."""
    yesterday = datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)
    first = datetime.date(yesterday.year, 1, 1)
    span = (yesterday - first).days + 1
    rows = []
    for i in range(count):
        rating = 1 + i % 5
        comment = f"办事员态度好，回电 1380000{i % 10000:04d}" if i % 10 == 0 else ""
        rectified = ("是" if i % 2 else "否") if rating <= 2 else ""
        day = first + datetime.timedelta(days=i % span)
        rows.append([f"事项{i % 97}", "线上" if i % 3 else "窗口", day.isoformat(), str(rating), comment, rectified])
    return rows


def ratings_file(count: int, xlsx: bool) -> bytes:
    if not xlsx:
        lines = [",".join(HEADER)] + [",".join(row) for row in ratings(count)]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)  # generated text, no formulas: saved as it is
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in ratings(count):
        sheet.append([int(row[3]) if i == 3 else value for i, value in enumerate(row)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _city_and_reviewer():
    """The default framework, the country, a province and its city, an open cycle of this year, the city's
    submission and its reviewer."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from assessments.models import Cycle, Region, RoleAssignment, Submission
    from indicators.framework_file import load_framework_file
    from indicators.services import framework_import, framework_publish

    framework = framework_publish(framework=framework_import(document=load_framework_file(
        ROOT / "indicators" / "frameworks" / "smartgov-maturity.yaml")).framework)
    china = Region.objects.create(code="CHN", name_zh="中国", name_en="China", level=Region.Level.COUNTRY)
    province = Region.objects.create(code="330000", name_zh="浙江省", name_en="Zhejiang", level=Region.Level.PROVINCE,
                                     parent=china)
    Region.objects.filter(pk=province.pk).update(province=province)
    city = Region.objects.create(code="330100", name_zh="杭州市", name_en="Hangzhou", level=Region.Level.PREFECTURE,
                                 parent=province, province=province)
    today = timezone.localdate()
    cycle = Cycle.objects.create(framework=framework, period=today.year, status=Cycle.Status.OPEN,
                                 opens=today - datetime.timedelta(days=30), closes=today + datetime.timedelta(days=30))
    submission = Submission.objects.create(region=city, cycle=cycle)
    reviewer = get_user_model().objects.create_user("bench-reviewer")
    RoleAssignment.objects.create(user=reviewer, role=RoleAssignment.Role.CITY_REVIEWER, region=city)
    return submission, reviewer


def measure(path: Path) -> dict[str, object]:
    """Run in a child process whose DATABASE_URL is the benchmark's database, on the file at `path`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartgov.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from outbox.models import Job
    from outbox.services import job_run
    from smartgov.celery import app
    from surveys.models import ServiceRating
    from surveys.services import import_requests, satisfaction_import_request

    call_command("migrate", verbosity=0)
    app.conf.task_always_eager = False  # the job is recorded, not run at commit: this process runs it as a worker
    submission, reviewer = _city_and_reviewer()
    data = path.read_bytes()

    stages: dict[str, float] = {}
    progress = import_requests._job_progress

    def timed_progress(made, stage, percent):
        stages[stage] = time.perf_counter()
        progress(made, stage, percent)

    import_requests._job_progress = timed_progress
    with tempfile.TemporaryDirectory() as media:
        settings.MEDIA_ROOT = media
        start = time.perf_counter()
        made = satisfaction_import_request(submission=submission, kind="ratings", data=data,
                                           name=f"好差评{path.suffix}", actor=reviewer)
        uploaded = time.perf_counter()
        memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        outcome = job_run(job_id=Job.objects.get(key=f"satisfaction-import:{made.pk}").pk, in_process=True)
        finished = time.perf_counter()
    made.refresh_from_db()
    assert outcome == "done", outcome
    assert made.status == "succeeded", made.error
    rows = ServiceRating.objects.count()
    assert rows == made.rows
    job_seconds = finished - uploaded
    order = ["reading", "checking", "writing"]
    marks = [stages[s] for s in order] + [finished]
    return {
        "vendor": connection.vendor, "rows": rows, "format": path.suffix[1:], "megabytes": round(len(data) / 1e6, 1),
        "upload_seconds": round(uploaded - start, 2), "job_seconds": round(job_seconds, 2),
        "rows_per_second": round(rows / job_seconds),
        "stages": {s: round(marks[i + 1] - marks[i], 2) for i, s in enumerate(order)},
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_mb_before_job": round(memory_before / 1024),
        "time_limit": import_requests.IMPORT_TIME_LIMIT,
    }


def run(url: str, path: Path) -> dict[str, object]:
    child = subprocess.run([sys.executable, __file__, "--child", str(path)],
                           env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, check=False)
    if child.returncode:
        raise SystemExit(f"benchmark on {url.split('@')[-1]} failed:\n{child.stderr}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def postgres(url: str, path: Path) -> dict[str, object]:
    with scratch_database(url, DATABASE) as scratch:
        return run(scratch, path)


def report(outcome: dict[str, object]) -> None:
    stages = " · ".join(f"{stage} {seconds:.2f} s" for stage, seconds in outcome["stages"].items())
    verdict = "within" if outcome["job_seconds"] < outcome["time_limit"] else "OVER"
    memory = "within" if outcome["peak_mb"] < MEMORY_TARGET_MB else "OVER"
    print(f"\n{outcome['vendor']}: {outcome['rows']:,} ratings ({outcome['megabytes']} MB {outcome['format']})\n"
          f"  upload (store the file, record the job)   {outcome['upload_seconds']:>7.2f} s\n"
          f"  the job (read, check, write, record)       {outcome['job_seconds']:>7.2f} s  "
          f"= {outcome['rows_per_second']:,} rows/s  ({verdict} the {outcome['time_limit']} s limit)\n"
          f"    {stages}\n"
          f"  peak memory of the process                 {outcome['peak_mb']:>7} MB "
          f"({outcome['peak_mb_before_job']} MB before the job; {memory} {MEMORY_TARGET_MB} MB)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--xlsx", action="store_true", help="an Excel workbook instead of CSV")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(measure(options.child)))
        return 0
    outcomes = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("ratings.xlsx" if options.xlsx else "ratings.csv")
        path.write_bytes(ratings_file(options.rows, options.xlsx))
        outcomes.append(run(f"sqlite:///{folder}/import.sqlite3", path))
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            outcomes.append(postgres(url, path))
        else:
            print("DATABASE_URL names no PostgreSQL server: SQLite only.")
    for outcome in outcomes:
        report(outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
