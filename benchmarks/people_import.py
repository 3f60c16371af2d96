"""The people import of a big province, and (for information) the values workbook import of a whole province.

    .venv/bin/python benchmarks/people_import.py [--rows 2000 10000] [--values-rows 4000 20000]
                                                 [--skip-people] [--skip-values]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/people_import.py

People: a province of 21 prefectures and 122 counties (Guangdong's shape), a sheet of `--rows` rows spread over
them (each row a new person given a city role; every other one with an e-mail, so invited by e-mail), its dry run
as the page runs it in the request (`people_import_preview`), and its apply as a worker runs it: the request that
stores the file and records the job (`people_import_request`), then the job (`outbox.services.job_run`), which
reads the file again, checks it against the dry run and writes every account, role and invitation in one
transaction. The job is under PEOPLE_IMPORT_TIME_LIMIT (600 s); the dry run should stay in a few seconds, as it
runs in the request.

Values (information only): a province of `cities` cities × 40 indicators, the province template filled in, its
dry run (`import_preview`) and apply (`import_apply`) as the page runs them today, in the request.

Each database is new and the benchmark's own: a SQLite file in a temporary folder, and on the PostgreSQL server of
DATABASE_URL (or, when it names none, of postgres@127.0.0.1:5432 if one answers) a database
`smartgov_people_bench` created for the run and dropped after it; each measure runs in a process of its own.
"""

from __future__ import annotations

import argparse
import datetime
import io
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

DATABASE = "smartgov_people_bench"
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
PREFECTURES, COUNTIES = 21, 122
VALUES_INDICATORS = 40
HEADER = ["姓名 Name", "电子邮箱 E-mail", "手机 Mobile", "地区代码 Region code", "角色 Role"]


# People ---------------------------------------------------------------------------------------------------------


def _province():
    """A country and a province of PREFECTURES prefectures with COUNTIES counties among them; its coordinator."""
    from django.contrib.auth import get_user_model

    from assessments.models import Region, RoleAssignment

    china = Region.objects.create(code="CHN", name_zh="中国", name_en="China", level=Region.Level.COUNTRY)
    province = Region.objects.create(code="440000", name_zh="广东省", name_en="Guangdong",
                                     level=Region.Level.PROVINCE, parent=china)
    Region.objects.filter(pk=province.pk).update(province=province)
    regions = []
    for p in range(1, PREFECTURES + 1):
        city = Region.objects.create(code=f"44{p:02d}00", name_zh=f"基准市{p}", name_en=f"City {p}",
                                     level=Region.Level.PREFECTURE, parent=province, province=province)
        regions.append(city)
    for c in range(COUNTIES):
        city = regions[c % PREFECTURES]
        regions.append(Region.objects.create(
            code=f"{city.code[:4]}{c // PREFECTURES + 1:02d}", name_zh=f"基准县{c}", name_en=f"County {c}",
            level=Region.Level.COUNTY, parent=city, province=province))
    coordinator = get_user_model().objects.create_user("bench-coordinator", email="coordinator@gd.gov.cn")
    RoleAssignment.objects.create(user=coordinator, role=RoleAssignment.Role.PROVINCE_COORDINATOR, region=province)
    return coordinator, regions


def people_file(count: int, codes: list[str]) -> bytes:
    """`count` rows, each a new person given a city role in one of `codes`, in turn; every other one has an
    e-mail address, the rest a mobile only."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)  # generated text, no formulas: saved as it is
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for i in range(count):
        email = f"person{i}@gd.gov.cn" if i % 2 == 0 else ""
        mobile = "" if i % 2 == 0 else f"139{i:08d}"
        sheet.append([f"人员{i}", email, mobile, codes[i % len(codes)], "city_officer" if i % 3 else "city_reviewer"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def measure_people(rows: int) -> dict[str, object]:
    _django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.db import connection

    from assessments.models import PeopleImportRequest, RoleAssignment
    from assessments.services.people import people_import_preview
    from assessments.services.people_requests import PEOPLE_IMPORT_TIME_LIMIT, people_import_request
    from outbox.models import Job
    from outbox.services import job_run

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    coordinator, regions = _province()
    data = people_file(rows, [region.code for region in regions])

    start = time.perf_counter()
    preview = people_import_preview(data=data, actor=coordinator)
    preview_seconds = time.perf_counter() - start
    assert preview.ok, preview.errors[:3]
    assert preview.created == rows

    with tempfile.TemporaryDirectory() as media:
        settings.MEDIA_ROOT = media
        start = time.perf_counter()
        made = people_import_request(data=data, name="人员.xlsx", actor=coordinator,
                                     fingerprint=preview.fingerprint, base_url="https://smartgov.example.gov.cn/")
        asked = time.perf_counter()
        memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        outcome = job_run(job_id=Job.objects.get(key=f"people-import:{made.pk}").pk, in_process=True)
        finished = time.perf_counter()
    made = PeopleImportRequest.objects.get(pk=made.pk)
    assert outcome == "done", outcome
    assert made.status == "succeeded", made.error
    users = get_user_model().objects.count() - 1
    assert users == made.created == rows
    assert RoleAssignment.objects.count() - 1 == made.granted == rows
    job_seconds = finished - asked
    return {
        "vendor": connection.vendor, "rows": rows, "kilobytes": round(len(data) / 1024),
        "regions": len(regions), "preview_seconds": round(preview_seconds, 2),
        "request_seconds": round(asked - start, 2), "job_seconds": round(job_seconds, 2),
        "ms_per_row": round(1000 * job_seconds / rows, 1), "emails": len(mail.outbox),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_mb_before_job": round(memory_before / 1024), "time_limit": PEOPLE_IMPORT_TIME_LIMIT,
    }


# Values (information only) --------------------------------------------------------------------------------------


def _framework_document(indicators: int) -> dict:
    dimensions = ("RS", "MP", "SC", "PS")
    per = indicators // len(dimensions)
    return {
        "format": "smartgov-framework/1", "code": "BENCH", "version": 1, "name": {"zh": "基准", "en": "Bench"},
        "dimensions": [{"code": d, "name": {"zh": d, "en": d}, "weight": 0.25, "indicators": [{
            "code": f"{d}{i:02d}", "name": {"zh": f"指标{d}{i}", "en": f"Indicator {d}{i}"},
            "definition": {"zh": "基准测试指标", "en": "Benchmark indicator"}, "unit": {"zh": "%", "en": "%"},
            "data_type": "percent", "direction": "higher",
            "normalisation": {"method": "minmax_fixed", "lower": 0, "upper": 100},
            "weight": 1 / per, "valid_range": [0, 100], "source": "benchmark"} for i in range(1, per + 1)]}
            for d in dimensions],
        "bands": [{"level": n + 1, "min_score": s, "label": {"zh": f"L{n + 1}", "en": f"L{n + 1}"}}
                  for n, s in enumerate((0, 40, 60, 75, 90))],
    }


def measure_values(cities: int) -> dict[str, object]:
    _django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from openpyxl import load_workbook

    from assessments.excel.template import values_workbook
    from assessments.models import Cycle, IndicatorValue, Region, Submission
    from assessments.services.imports import import_apply, import_preview, import_scope_province
    from indicators.services import framework_import, framework_publish
    from smartgov.workbooks import workbook_bytes

    framework = framework_publish(framework=framework_import(
        document=_framework_document(VALUES_INDICATORS)).framework)
    china = Region.objects.create(code="CHN", name_zh="中国", name_en="China", level=Region.Level.COUNTRY)
    province = Region.objects.create(code="440000", name_zh="广东省", name_en="Guangdong",
                                     level=Region.Level.PROVINCE, parent=china)
    Region.objects.filter(pk=province.pk).update(province=province)
    province.refresh_from_db()
    today = timezone.localdate()
    cycle = Cycle.objects.create(framework=framework, period=today.year, status=Cycle.Status.OPEN,
                                 opens=today - datetime.timedelta(days=30), closes=today + datetime.timedelta(days=30))
    for c in range(cities):
        city = Region.objects.create(code=f"{45 + c // 100}{c % 100:02d}00", name_zh=f"基准市{c}",
                                     name_en=f"City {c}", level=Region.Level.PREFECTURE, parent=province,
                                     province=province)
        Submission.objects.create(region=city, cycle=cycle)
    admin = get_user_model().objects.create_superuser("bench-admin", "admin@example.gov.cn", "x")
    scope = import_scope_province(cycle, province)
    start = time.perf_counter()
    template = values_workbook(cycle=cycle, submissions=list(scope.submissions.values()), kind="province",
                               region=province)
    template_seconds = time.perf_counter() - start
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    headers = {cell.value: cell.column for cell in sheet[1]}
    value_column = next(column for text, column in headers.items() if text and "本期数值" in str(text))
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, value_column).value = round(20 + (row * 7.3) % 75, 1)
    data = workbook_bytes(book)

    start = time.perf_counter()
    preview = import_preview(data=data, scope=scope, actor=admin)
    preview_seconds = time.perf_counter() - start
    assert not preview.errors, preview.errors[:3]
    start = time.perf_counter()
    result = import_apply(data=data, scope=scope, actor=admin, fingerprint=preview.fingerprint, name="省.xlsx")
    apply_seconds = time.perf_counter() - start
    assert result.values == cities * VALUES_INDICATORS == IndicatorValue.objects.count()
    return {
        "vendor": connection.vendor, "cities": cities, "rows": preview.rows, "kilobytes": round(len(data) / 1024),
        "template_seconds": round(template_seconds, 2), "preview_seconds": round(preview_seconds, 2),
        "apply_seconds": round(apply_seconds, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


# Running --------------------------------------------------------------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartgov.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from smartgov.celery import app

    call_command("migrate", verbosity=0)
    app.conf.task_always_eager = False  # jobs are recorded, not run at commit: this process runs them as a worker


def run(url: str, what: str, size: int) -> dict[str, object]:
    child = subprocess.run([sys.executable, __file__, "--child", what, str(size)],
                           env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, check=False)
    if child.returncode:
        raise SystemExit(f"benchmark {what} {size} on {url.split('@')[-1]} failed:\n{child.stderr}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    try:
        import psycopg2

        psycopg2.connect(LOCAL_POSTGRES, connect_timeout=3).close()
    except Exception:
        return None
    return LOCAL_POSTGRES


def each_database(what: str, size: int) -> list[dict[str, object]]:
    outcomes = []
    with tempfile.TemporaryDirectory() as folder:
        outcomes.append(run(f"sqlite:///{folder}/bench.sqlite3", what, size))
    url = _postgres_url()
    if url is not None:
        with scratch_database(url, DATABASE) as scratch:
            outcomes.append(run(scratch, what, size))
    return outcomes


def report_people(outcome: dict[str, object]) -> None:
    verdict = "within" if outcome["job_seconds"] < outcome["time_limit"] else "OVER"
    print(f"\n{outcome['vendor']}: people import, {outcome['rows']:,} rows ({outcome['kilobytes']} KB .xlsx) over "
          f"{outcome['regions']} regions\n"
          f"  dry run (in the request)                   {outcome['preview_seconds']:>7.2f} s\n"
          f"  apply: the request (store, record the job) {outcome['request_seconds']:>7.2f} s\n"
          f"  apply: the job (check again, write, invite) {outcome['job_seconds']:>6.2f} s  "
          f"= {outcome['ms_per_row']} ms a row ({verdict} the {outcome['time_limit']} s limit); "
          f"{outcome['emails']:,} e-mails\n"
          f"  peak memory of the process                 {outcome['peak_mb']:>7} MB "
          f"({outcome['peak_mb_before_job']} MB before the job)")


def report_values(outcome: dict[str, object]) -> None:
    print(f"\n{outcome['vendor']}: values workbook of a province, {outcome['cities']} cities × {VALUES_INDICATORS} "
          f"indicators = {outcome['rows']:,} rows ({outcome['kilobytes']} KB .xlsx)\n"
          f"  template download                          {outcome['template_seconds']:>7.2f} s\n"
          f"  dry run (import_preview, in the request)   {outcome['preview_seconds']:>7.2f} s\n"
          f"  apply (import_apply, in the request)       {outcome['apply_seconds']:>7.2f} s\n"
          f"  peak memory of the process                 {outcome['peak_mb']:>7} MB")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000], help="rows of the people sheet")
    parser.add_argument("--values-rows", type=int, nargs="+", default=[4_000, 20_000],
                        help=f"rows of the values workbook (cities × {VALUES_INDICATORS})")
    parser.add_argument("--skip-people", action="store_true")
    parser.add_argument("--skip-values", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        what, size = options.child[0], int(options.child[1])
        print(json.dumps(measure_people(size) if what == "people" else measure_values(size)))
        return 0
    if _postgres_url() is None:
        print("No PostgreSQL server (DATABASE_URL, or postgres@127.0.0.1:5432): SQLite only.")
    for rows in [] if options.skip_people else options.rows:
        for outcome in each_database("people", rows):
            report_people(outcome)
    if not options.skip_values:
        for rows in options.values_rows:
            for outcome in each_database("values", rows // VALUES_INDICATORS):
                report_values(outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
