"""The national demo's seeding time, stage by stage (prints figures; not a test).

    .venv/bin/python benchmarks/demo_national.py [--skip-sqlite] [--skip-postgres] [--regions FILE]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/demo_national.py

`manage.py seed_demo --scale national` (China's register unless `--regions` names another file: 3,183 prefecture-
and county-level divisions × 33 indicators × 5 cycles) on new databases of its own, each seeded in a process of
its own: a SQLite file in a temporary folder (the embedded default), and a PostgreSQL database
`smartgov_national_bench` created on the server of DATABASE_URL (or postgres@127.0.0.1:5432) and dropped after.
Prints the seconds of each stage of each cycle — open (create, participants, groups), values, evidence, explain
(notes on flagged values), workflow (submit, sign off, approve), scores, publish — the score run split into its
parts (loading the values, computing, the statistical audit, the sensitivity analysis, writing; measured by
wrapping those functions here, nothing in the platform changes), the number of SQL queries of each stage, and the
peak memory of the process. The sensitivity analysis runs with `SCORE_SENSITIVITY_SAMPLES` as set (1,024 by
default).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from score_parts import PARTS  # noqa: E402

STAGES = ("open", "values", "evidence", "explain", "workflow", "scores", "publish")
SCORE_PARTS = tuple(part for part, _, _ in PARTS)
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from assessments.demo import CHINA_REGISTER
from assessments.demo.national import demo_seed_national
from benchmarks.score_parts import score_parts
from indicators.selectors import default_framework

class Counter:
    count = 0
    def __call__(self, execute, sql, params, many, context):
        Counter.count += 1
        return execute(sql, params, many, context)

call_command("migrate", "--noinput", verbosity=0)
call_command("load_framework", publish=True, verbosity=0)
told = []
def say(text):
    told.append((text.strip(), Counter.count))
with connection.execute_wrapper(Counter()), score_parts() as timed_parts:
    start = time.perf_counter()
    summary = demo_seed_national(framework=default_framework(), regions_file=Path(sys.argv[1]) if len(sys.argv) > 1
                                 else CHINA_REGISTER, say=say)
    total = time.perf_counter() - start
parts = {part: [round(seconds, 2) for seconds, _ in calls] for part, calls in timed_parts.items()}
counts, previous = {}, 0
for text, count in told:
    if ":" in text and text.split(":")[0].count(" ") == 1:
        counts[text.split(":")[0]] = count - previous
    previous = count
print(json.dumps({"stages": summary["stages"], "parts": parts, "queries": counts, "total": total,
                  "regions": summary["regions"], "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(env: dict[str, str], regions: str | None) -> dict:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "smartgov.settings", "LOG_LEVEL": "WARNING", **env}
    if not environment.get("DATABASE_URL"):
        environment.pop("DATABASE_URL", None)
    child = subprocess.run([sys.executable, "-c", CHILD, *([regions] if regions else [])], cwd=ROOT,
                           env=environment, capture_output=True, text=True, check=False)
    if child.returncode:
        raise SystemExit(child.stderr[-4000:])
    return json.loads(child.stdout.strip().splitlines()[-1])


def report(name: str, figures: dict) -> None:
    stages, parts, queries = figures["stages"], figures["parts"], figures["queries"]
    periods = [p for p in stages if p != "setup"]
    print(f"\n{name}: {figures['regions']} regions, {figures['total']:.0f} s in all "
          f"(regions {stages['setup']['regions']:.1f} s, logins {stages['setup']['logins']:.1f} s), "
          f"peak memory {figures['peak_mb']:.0f} MB")
    print(f"{'cycle':>8} " + " ".join(f"{s:>9}" for s in STAGES) + " | " + " ".join(f"{p:>11}" for p in SCORE_PARTS))
    for n, period in enumerate(periods):
        row = " ".join(f"{stages[period].get(s, 0):9.1f}" for s in STAGES)
        split = " ".join(f"{parts[p][n]:11.1f}" if n < len(parts.get(p, [])) else f"{'':>11}" for p in SCORE_PARTS)
        print(f"{period:>8} {row} | {split}")
    totals = " ".join(f"{sum(stages[p].get(s, 0) for p in periods):9.1f}" for s in STAGES)
    print(f"{'all':>8} {totals} | " + " ".join(f"{sum(parts.get(p, [])):11.1f}" for p in SCORE_PARTS))
    print(f"{'queries':>8} " + " ".join(f"{queries.get(f'{periods[0]} {s}', 0):9d}" for s in STAGES)
          + f"   (cycle {periods[0]})")


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--regions", help="a register file (China's by default)")
    options = parser.parse_args()
    if not options.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            report("SQLite", run({"SMARTGOV_VAR_DIR": folder, "DATABASE_URL": ""}, options.regions))
    if not options.skip_postgres:
        from scratch_database import scratch_database

        with tempfile.TemporaryDirectory() as folder, \
                scratch_database(postgres_url(), "smartgov_national_bench") as url:
            report("PostgreSQL", run({"SMARTGOV_VAR_DIR": folder, "DATABASE_URL": url}, options.regions))


if __name__ == "__main__":
    main()
