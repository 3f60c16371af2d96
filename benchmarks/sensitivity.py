"""Benchmark of the Sobol sensitivity analysis (prints figures; not a test).

    .venv/bin/python benchmarks/sensitivity.py

Six uncertain inputs (weights ±20 %, four normalisations, three aggregations, imputation on/off,
winsorisation on/off, one indicator excluded at a time), N = 1,024 base samples of the Saltelli design
(N·(2·6 + 2) = 14,336 runs) on 300 regions × 60 indicators, entropy weights + TOPSIS (target ≤ 30 s on one
worker), against a plain loop calling `compute` once per run (estimated from 50 runs).
tests/indicators/scoring/test_sensitivity.py checks that the batched runs equal `compute` on each run's spec.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from SALib.sample import sobol as salib_sample

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring import plausible_cube, plausible_spec, tidy

from indicators.scoring import OutlierTreatment, UncertainInputs, compute, sensitivity
from indicators.scoring.sensitivity import run_inputs

INPUTS = UncertainInputs(weight_range=0.2, normalisations=("spec", "minmax_observed", "zscore", "percentile"),
                         aggregations=("arithmetic", "geometric", "topsis"), imputation=True,
                         outliers=OutlierTreatment("winsorise", max_points=5), exclusion=True)
LOOP_RUNS = 50


def bench_sensitivity(regions: int = 300, indicators: int = 60, base_samples: int = 1024) -> dict[str, float]:
    spec = plausible_spec(indicators)
    values = tidy(plausible_cube(regions, indicators, 1, missing=0.01, seed=2), spec)

    start = time.perf_counter()
    result = sensitivity(values, spec, INPUTS, base_samples=base_samples, seed=7)
    seconds = time.perf_counter() - start

    groups = ["weights"] * indicators + list(INPUTS.names()[1:])
    problem = {"num_vars": len(groups), "names": [f"x{j}" for j in range(len(groups))],
               "bounds": [[0.0, 1.0]] * len(groups), "groups": groups}
    sample = salib_sample.sample(problem, base_samples, seed=7)
    rows = np.random.default_rng(0).choice(sample.shape[0], LOOP_RUNS, replace=False)
    runs = [run_inputs(values, spec, INPUTS, sample[k]) for k in rows]
    start = time.perf_counter()
    for run_values, run_spec in runs:
        compute(run_values, run_spec)
    loop = (time.perf_counter() - start) / LOOP_RUNS * result.runs

    widths = np.array([r.rank_p95 - r.rank_p05 for r in result.regions])
    print(f"sensitivity: {len(result.inputs)} inputs, N = {base_samples:,} → {result.runs:,} runs × {regions} regions "
          f"× {indicators} indicators, entropy + TOPSIS nominal")
    print(f"    {seconds:.2f} s on one worker (target ≤ 30 s); {result.runs / seconds:,.0f} runs/s")
    print(f"    plain loop of compute per run: {loop:.0f} s (estimated from {LOOP_RUNS} runs); "
          f"ratio {loop / seconds:.0f}×")
    print(f"    median 5–95 % rank interval {np.median(widths):.0f} places; mean |rank shift| "
          f"{result.mean_rank_shift:.2f}")
    print("    mean |rank shift|: " + ", ".join(f"{i.input} S1 {i.s1:.2f}±{i.s1_conf:.2f} ST {i.st:.2f}±{i.st_conf:.2f}"
                                           for i in result.rank_shift))
    return {"sensitivity_s": seconds, "loop_s": loop}


if __name__ == "__main__":
    bench_sensitivity()
