"""The region register: China's whole tree loaded from its file — a first load, a second (no-op) load and a newer
edition — on SQLite and, when DATABASE_URL points at PostgreSQL, on PostgreSQL.

    .venv/bin/python benchmarks/regions.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/regions.py

Each database is new and the benchmark's own: a SQLite file in a temporary folder, and on the PostgreSQL server of
DATABASE_URL a database `smartgov_regions_bench` created for the run and dropped after it. The times are those of
the service (`regions_load`), reading the file included. Target: the full tree in under 30 s on PostgreSQL; a
second load writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.scratch_database import scratch_database  # noqa: E402

CHINA = ROOT / "assessments" / "data" / "regions" / "cn-nbs-2023.yaml"
DATABASE = "smartgov_regions_bench"
TARGET = 30.0


def measure() -> dict[str, object]:
    """Run in a child process whose DATABASE_URL is the benchmark's database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartgov.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.models import Region
    from assessments.regions_file import RegionEntry, read_regions_file
    from assessments.services.regions import regions_load

    call_command("migrate", verbosity=0)

    def timed(label: str, load) -> dict[str, object]:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            diff = load()
            seconds = time.perf_counter() - start
        writes = [q for q in queries.captured_queries if q["sql"].split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE")]
        return {"step": label, "seconds": round(seconds, 2), "changes": diff.changes, "queries": len(queries),
                "writes": len(writes)}

    start = time.perf_counter()
    read_regions_file(CHINA)
    results = [{"step": "read and check the file (part of each load below)", "seconds": round(
                    time.perf_counter() - start, 2), "changes": 0, "queries": 0, "writes": 0},
               timed("first load", lambda: regions_load(document=read_regions_file(CHINA), actor=None)),
               timed("second load", lambda: regions_load(document=read_regions_file(CHINA), actor=None))]

    def newer_edition():
        document = read_regions_file(CHINA)
        regions = [e for e in document.regions if e.code not in ("330122", "330182")]
        regions = [dataclasses.replace(e, replaces=("330182",)) if e.code == "330127" else e for e in regions]
        regions.append(RegionEntry("330115", "330100", "county", "桐庐区", "Tonglu District", ("330122",)))
        edition = dataclasses.replace(document, edition="BENCH-2024", valid_from=datetime.date(2024, 6, 30),
                                      regions=tuple(regions))
        return regions_load(document=edition, actor=None)

    results.append(timed("newer edition (2 codes closed, 1 created, every edition stamp)", newer_edition))
    return {"vendor": connection.vendor, "regions": Region.objects.count(), "results": results}


def run(url: str) -> dict[str, object]:
    child = subprocess.run([sys.executable, __file__, "--child"], env={**os.environ, "DATABASE_URL": url},
                           capture_output=True, text=True, check=False)
    if child.returncode:
        raise SystemExit(f"benchmark on {url.split('@')[-1]} failed:\n{child.stderr}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def postgres(url: str) -> dict[str, object]:
    with scratch_database(url, DATABASE) as scratch:
        return run(scratch)


def report(outcome: dict[str, object]) -> None:
    print(f"\n{outcome['vendor']} ({outcome['regions']} regions in the end)")
    for row in outcome["results"]:
        print(f"  {row['step']:<66} {row['seconds']:>6.2f} s  {row['changes']:>5} changes  "
              f"{row['queries']:>4} queries, {row['writes']:>3} writing")


def main() -> int:
    if sys.argv[1:] == ["--child"]:
        print(json.dumps(measure()))
        return 0
    outcomes = []
    with tempfile.TemporaryDirectory() as folder:
        outcomes.append(run(f"sqlite:///{folder}/regions.sqlite3"))
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        outcomes.append(postgres(url))
    else:
        print("DATABASE_URL names no PostgreSQL server: SQLite only.")
    for outcome in outcomes:
        report(outcome)
        first, second = outcome["results"][1], outcome["results"][2]
        assert second["writes"] == 0, "a second load wrote"
        if outcome["vendor"] == "postgresql":
            verdict = "within" if first["seconds"] < TARGET else "OVER"
            print(f"  first load {verdict} the {TARGET:.0f} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
