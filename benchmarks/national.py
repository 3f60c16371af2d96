"""(n) The platform at national scale on PostgreSQL: the figures of issue 15 in one run.

    .venv/bin/python benchmarks/national.py [--runs 3] [--skip-load] [--farm 60]

1. The score pipeline end to end (`cycle_scores_compute`: load, compute, statistical audit, sensitivity
   analysis, writing the result rows and the swap to current) on China's register — every province, prefecture
   and county, ~3,200 regions × the default framework's 33 indicators × 5 periods — and on every tenth of those
   regions (a copy of the framework of its own): the median of `--runs` runs, each part's seconds and SQL
   queries. Targets: ≤ 3 s at national scale; ≤ 2× the time of the tenth for 10× the regions.
2. The overview, a province analyst's overview and a county's page: server time and queries; the overview's
   bytes on a cold load (benchmarks/overview.py, same database).
3. Then, each in a process of its own: the REST API under 20 concurrent clients as the nation's aggregator
   (benchmarks/api_load.py --national: gunicorn, p50/p95; target p95 ≤ 100 ms), the deadline-day load of 300
   officers autosaving (benchmarks/deadline_load.py: p50/p95/p99, lost acknowledged saves, 5xx; target p95 ≤
   200 ms, 0, 0), and the report farm (benchmarks/reports.py: the city PDF on a warm worker, target ≤ 1.0 s
   median; reports a minute on one and on two workers, target ≥ 1.8×).
The data is built on the first run in `smartgov_bench_national` (a few minutes) and reused.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from overview import _national_cycle, bench_overview  # noqa: E402
from pipeline import _analyse, _pipeline_once, _prune, _setup_django  # noqa: E402
from score_parts import PARTS, score_parts  # noqa: E402

TARGET_S, GROWTH = 3.0, 2.0


def _pipeline(cycle, runs: int) -> dict:
    times, queries = [], []
    with score_parts() as parts:
        for _ in range(runs):
            seconds, count, info = _pipeline_once(cycle)
            times.append(seconds)
            queries.append(count)
            _prune(cycle)
    return {"seconds": statistics.median(times), "queries": max(queries), "regions": info["regions"],
            "parts": {part: (statistics.median(s for s, _ in calls), max(q for _, q in calls))
                      for part, calls in parts.items()}}


def bench_pipeline_national(runs: int) -> dict:
    sizes = {"national": _national_cycle(), "a tenth": _national_cycle(every=10)}
    _analyse()
    figures = {name: _pipeline(cycle, runs) for name, cycle in sizes.items()}
    for name, f in figures.items():
        print(f"(n) pipeline, {name}: {f['regions']:,} regions × 33 indicators × 5 periods: {f['seconds']:.2f} s "
              f"end to end (median of {runs}; target ≤ {TARGET_S:.0f} s at national scale), {f['queries']} SQL queries")
        print("    " + ", ".join(f"{part} {f['parts'][part][0]:.2f} s / {f['parts'][part][1]} q"
                                  for part, _, _ in PARTS if part in f["parts"]))
        print("    (the sensitivity analysis runs in a thread alongside the write, which waits for it before the "
              "rows per region: the two overlap; the queries of that thread's connection, its progress, are "
              "not counted)")
    national, tenth = figures["national"], figures["a tenth"]
    growth = national["seconds"] / tenth["seconds"]
    print(f"    growth: {national['regions'] / tenth['regions']:.1f}× the regions, {growth:.1f}× the time "
          f"(target ≤ {GROWTH:.0f}×; linear growth would be 10×); queries {tenth['queries']} → {national['queries']}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-load", action="store_true", help="no API load, deadline-day load or report farm")
    parser.add_argument("--farm", type=int, default=60, help="city reports in each report-farm batch")
    args = parser.parse_args()
    _setup_django("smartgov_bench_national")
    bench_pipeline_national(args.runs)
    bench_overview()
    if args.skip_load:
        return
    for script, options in (("api_load.py", ["--national"]), ("deadline_load.py", []),
                            ("reports.py", ["--samples", "5", "--batch", "0", "--farm", str(args.farm)])):
        print(f"\n$ benchmarks/{script} {' '.join(options)}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *options], check=True)


if __name__ == "__main__":
    main()
