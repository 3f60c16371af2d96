"""Benchmarks of the scoring engine (prints figures; not a test).

    .venv/bin/python benchmarks/scoring.py

(a) `compute` on 3,000 regions × 120 indicators × 10 periods, entropy weights + TOPSIS (target ≤ 1.0 s);
(b) entropy weights + TOPSIS for every period, four ways: our batched engine, pymcdm looped per period,
    a bare numpy floor, a naive per-region Python loop on a subset (extrapolated)
    (targets: ≥ 8× faster than pymcdm, ≤ 1.5× the floor);
(c) `uncertainty`, 1,000 Monte Carlo draws on 300 regions × 60 indicators, one period (target ≤ 3 s);
(d) the database pipeline on PostgreSQL (benchmarks/pipeline.py: load → compute → write → swap, target ≤ 3 s);
(e) `audit` on 300 regions × 60 indicators × 5 periods (benchmarks/audit.py, target ≤ 2 s);
(f) `sensitivity`, 6 uncertain inputs, N = 1,024 on 300 regions × 60 indicators, against a plain loop calling
    `compute` per run (benchmarks/sensitivity.py, target ≤ 30 s).
(e) and (f) run before (d), which needs a PostgreSQL server; each also runs on its own.
Every part but (f) asserts that its results equal a reference computation, so speed is not bought with
wrong answers ((f)'s batched runs are checked against `compute` by tests/indicators/scoring/test_sensitivity.py).
Times are medians of several runs, except (f)'s single run.
"""

from __future__ import annotations

import importlib.util
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from pymcdm.methods import TOPSIS
from pymcdm.normalizations import vector_normalization
from pymcdm.weights import entropy_weights as pymcdm_entropy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indicators.scoring import (
    DimensionSpec,
    FrameworkSpec,
    IndicatorSpec,
    NormalisationSpec,
    compute,
    entropy_weights,
    topsis,
    uncertainty,
)

PYMCDM_TOPSIS = TOPSIS(vector_normalization)
KINDS = ("percent", "count", "days", "score")
"""Indicator kinds cycled over the indicators: e-service rates in %, counts of online services or
open datasets (skewed), processing days (lower is better) and expert scores on 1–10."""


def timed(fn, runs: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def plausible_cube(regions: int, indicators: int, periods: int, *, missing: float = 0.0,
                   unsurveyed: float = 0.0, seed: int = 0) -> np.ndarray:
    """(period, region, indicator) raw values driven by a latent maturity per region that improves over
    time, so indicators correlate as real ones do. `missing` values are scattered; in a share
    `unsurveyed` of region–periods half of the first dimension's indicators are missing (incomplete)."""
    rng = np.random.default_rng(seed)
    maturity = rng.normal(0, 1, size=(1, regions, 1)) + 0.15 * np.arange(periods)[:, None, None]
    signal = maturity + rng.normal(0, 0.8, size=(periods, regions, indicators))
    kind = np.arange(indicators) % len(KINDS)
    share = 100 / (1 + np.exp(-signal))
    values = np.select(
        [kind == 0, kind == 1, kind == 2],
        [share, np.exp(3 + 0.9 * signal), np.clip(30 * np.exp(-0.4 * signal), 0.5, None)],
        1 + 9 / (1 + np.exp(-0.8 * signal)),
    )
    values[rng.random(values.shape) < missing] = np.nan
    gaps = rng.random((periods, regions)) < unsurveyed
    values[:, :, : indicators // 2 : 4] = np.where(gaps[..., None], np.nan, values[:, :, : indicators // 2 : 4])
    return values


def plausible_spec(indicators: int, *, aggregation: str = "topsis", weighting: str = "entropy",
                   standardise: bool = True) -> FrameworkSpec:
    norms = {
        "percent": NormalisationSpec("minmax_fixed", lower=0, upper=100),
        "count": NormalisationSpec("log_minmax"),
        "days": NormalisationSpec("target", upper=60, target=1),
        "score": NormalisationSpec("minmax_observed"),
    }
    dims = tuple(DimensionSpec(code=f"D{d}", weight=0.25) for d in range(4))
    inds = tuple(
        IndicatorSpec(code=f"I{j:03d}", dimension=f"D{j % 4}", weight=4 / indicators,
                      direction="lower" if KINDS[j % 4] == "days" else "higher",
                      normalisation=norms[KINDS[j % 4]])
        for j in range(indicators)
    )
    return FrameworkSpec(code="bench", version=1, dimensions=dims, indicators=inds, aggregation=aggregation,
                         weighting=weighting, entropy_standardise=standardise, min_share=0.75)


def tidy(cube: np.ndarray, spec: FrameworkSpec) -> pd.DataFrame:
    n_p, n_r, n_i = cube.shape
    codes = np.array([i.code for i in spec.indicators])
    frame = pd.DataFrame({
        "region": np.tile(np.repeat(np.array([f"{110100 + r:06d}" for r in range(n_r)]), n_i), n_p),
        "period": np.repeat(np.arange(2016, 2016 + n_p), n_r * n_i),
        "indicator": np.tile(codes, n_p * n_r),
        "value": cube.reshape(-1),
    })
    return frame[frame["value"].notna()].reset_index(drop=True)


def reference_entropy(raw: pd.DataFrame, higher: pd.Series) -> pd.Series:
    """Standardised entropy weights column by column with pandas (missing values dropped)."""
    divergence = {}
    for code, column in raw.items():
        x = column.dropna()
        z = (x - x.min()) / (x.max() - x.min())
        z = z if higher[code] else 1 - z
        p = z / z.sum()
        divergence[code] = 1 + (p[p > 0] * np.log(p[p > 0])).sum() / math.log(len(x))
    d = pd.Series(divergence)
    return d / d.sum()


def reference_topsis_index(scores: pd.DataFrame, weights: pd.Series, dimension: pd.Series) -> pd.Series:
    """pymcdm TOPSIS on the scores, missing ones imputed with the region's weighted dimension mean."""
    filled = scores.copy()
    for dim in dimension.unique():
        cols = dimension.index[dimension == dim]
        present = scores[cols].notna()
        mean = (scores[cols].fillna(0) * weights[cols]).sum(axis=1) / (present * weights[cols]).sum(axis=1)
        filled[cols] = scores[cols].where(present, mean, axis=0)
    closeness = PYMCDM_TOPSIS(filled.to_numpy(), weights[filled.columns].to_numpy(), np.ones(filled.shape[1]))
    return pd.Series(100 * closeness, index=filled.index)


def bench_compute(regions: int = 3000, indicators: int = 120, periods: int = 10) -> dict[str, float]:
    spec = plausible_spec(indicators)
    values = tidy(plausible_cube(regions, indicators, periods, missing=0.01, unsurveyed=0.02), spec)
    seconds, result = timed(lambda: compute(values, spec))

    period = 2016 + periods - 1
    raw = values[values.period == period].pivot(index="region", columns="indicator", values="value")
    higher = pd.Series({i.code: i.direction == "higher" for i in spec.indicators})
    weights = result.weights[result.weights.period == period].set_index("indicator")["weight"]
    weights.index = weights.index.astype(str)
    np.testing.assert_allclose(weights[raw.columns], reference_entropy(raw, higher)[raw.columns], atol=1e-12)
    rows = result.indicators[result.indicators.period == period]
    scores = rows.pivot(index="region", columns="indicator", values="score")
    scores.index, scores.columns = scores.index.astype(str), scores.columns.astype(str)
    observed = [i.code for i in spec.indicators if i.normalisation.method == "minmax_observed"]
    expected = 100 * (raw[observed] - raw[observed].min()) / (raw[observed].max() - raw[observed].min())
    np.testing.assert_allclose(scores[observed], expected, atol=1e-9)
    index = result.index[result.index.period == period].set_index("region")
    index.index = index.index.astype(str)
    complete = index.index[index.complete]
    dimension = pd.Series({i.code: i.dimension for i in spec.indicators})
    reference = reference_topsis_index(scores.loc[complete], weights, dimension)
    np.testing.assert_allclose(index.loc[complete, "index"], reference, atol=1e-9)

    print(f"(a) compute: {regions:,} regions × {indicators} indicators × {periods} periods "
          f"({len(values):,} values, 1 % missing, 2 % of region–periods incomplete), entropy + TOPSIS")
    print(f"    {seconds:.3f} s (median of 5; target ≤ 1.0 s); {int(index.complete.sum())}/{regions} complete "
          f"in {period}; equals the pandas/pymcdm reference")
    return {"compute_s": seconds}


def floor_entropy_topsis(x: np.ndarray, benefit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two steps in plain numpy, all periods at once, nothing else: the floor."""
    p = x / x.sum(axis=1, keepdims=True)
    e = -(p * np.log(p)).sum(axis=1) / np.log(x.shape[1])
    d = 1 - e
    w = d / d.sum(axis=1, keepdims=True)
    v = x / np.sqrt((x ** 2).sum(axis=1, keepdims=True)) * w[:, None, :]
    top, bottom = v.max(axis=1), v.min(axis=1)
    ideal, anti = np.where(benefit, top, bottom), np.where(benefit, bottom, top)
    d_plus = np.sqrt(((v - ideal[:, None, :]) ** 2).sum(axis=2))
    d_minus = np.sqrt(((v - anti[:, None, :]) ** 2).sum(axis=2))
    return w, d_minus / (d_plus + d_minus)


def pymcdm_looped(x: np.ndarray, benefit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    types = np.where(benefit, 1, -1)
    weights = np.array([pymcdm_entropy(x[p]) for p in range(len(x))])
    return weights, np.array([PYMCDM_TOPSIS(x[p], weights[p], types) for p in range(len(x))])


def naive_loop(x: np.ndarray, benefit: np.ndarray) -> tuple[list[float], list[float]]:
    """One period, region by region and indicator by indicator, as a straightforward script would."""
    rows = x.tolist()
    n = len(rows[0])
    totals = [sum(row[j] for row in rows) for j in range(n)]
    entropy = [0.0] * n
    for row in rows:
        for j in range(n):
            p = row[j] / totals[j]
            entropy[j] -= p * math.log(p)
    d = [1 - e / math.log(len(rows)) for e in entropy]
    w = [dj / sum(d) for dj in d]
    norms = [math.sqrt(sum(row[j] ** 2 for row in rows)) for j in range(n)]
    weighted = [[w[j] * row[j] / norms[j] for j in range(n)] for row in rows]
    top = [max(row[j] for row in weighted) for j in range(n)]
    bottom = [min(row[j] for row in weighted) for j in range(n)]
    ideal = [top[j] if benefit[j] else bottom[j] for j in range(n)]
    anti = [bottom[j] if benefit[j] else top[j] for j in range(n)]
    closeness = []
    for row in weighted:
        d_plus = math.sqrt(sum((row[j] - ideal[j]) ** 2 for j in range(n)))
        d_minus = math.sqrt(sum((row[j] - anti[j]) ** 2 for j in range(n)))
        closeness.append(d_minus / (d_plus + d_minus))
    return w, closeness


def bench_weight_aggregate(regions: int = 3000, indicators: int = 120, periods: int = 10,
                           naive_regions: int = 500) -> dict[str, float]:
    x = plausible_cube(regions, indicators, periods, seed=1)
    benefit = np.array([KINDS[j % 4] != "days" for j in range(indicators)])

    def ours():
        w = entropy_weights(x)
        return w, topsis(x, w, benefit)

    t_ours, (w_ours, c_ours) = timed(ours, runs=9)
    t_pymcdm, (w_ref, c_ref) = timed(lambda: pymcdm_looped(x, benefit), runs=3)
    t_floor, (w_floor, c_floor) = timed(lambda: floor_entropy_topsis(x, benefit), runs=9)
    subset = x[0, :naive_regions]
    t_naive_subset, (w_naive, c_naive) = timed(lambda: naive_loop(subset, benefit), runs=3)
    t_naive = t_naive_subset * (regions / naive_regions) * periods

    for w, c in ((w_ref, c_ref), (w_floor, c_floor)):
        np.testing.assert_allclose(w_ours, w, rtol=0, atol=1e-9)
        np.testing.assert_allclose(c_ours, c, rtol=0, atol=1e-9)
    w_sub = entropy_weights(subset)
    np.testing.assert_allclose(w_naive, w_sub, atol=1e-9)
    np.testing.assert_allclose(c_naive, topsis(subset, w_sub, benefit), atol=1e-9)

    print(f"(b) entropy weights + TOPSIS for {periods} periods × {regions:,} regions × {indicators} indicators")
    print(f"    ours (batched)      {t_ours:.4f} s")
    print(f"    pymcdm looped       {t_pymcdm:.4f} s   ours is {t_pymcdm / t_ours:.1f}× faster (target ≥ 8×)")
    print(f"    bare numpy floor    {t_floor:.4f} s   ours / floor = {t_ours / t_floor:.2f} (target ≤ 1.5)")
    print(f"    naive Python loop   {t_naive:.1f} s (extrapolated from {naive_regions} regions × 1 period: "
          f"{t_naive_subset:.3f} s)   ours is {t_naive / t_ours:,.0f}× faster")
    print("    all four agree to 1e-9")
    return {"ours_s": t_ours, "pymcdm_s": t_pymcdm, "floor_s": t_floor, "naive_s": t_naive}


def bench_uncertainty(regions: int = 300, indicators: int = 60, draws: int = 1000) -> dict[str, float]:
    spec = plausible_spec(indicators)
    values = tidy(plausible_cube(regions, indicators, 1, missing=0.01, seed=2), spec)
    seconds, result = timed(lambda: uncertainty(values, spec, draws=draws, seed=7), runs=3)

    pd.testing.assert_frame_equal(result, uncertainty(values, spec, draws=draws, seed=7))
    fixed = uncertainty(values, spec, draws=10, weight_range=0.0, normalisations=("spec",))
    nominal = compute(values, spec).index
    np.testing.assert_array_equal(fixed["rank_median"], nominal["rank"].astype(float))
    np.testing.assert_array_equal(result["rank"], nominal["rank"])

    width = (result.rank_p95 - result.rank_p05).median()
    print(f"(c) uncertainty: {draws:,} draws × {regions} regions × {indicators} indicators, one period, "
          "entropy + TOPSIS")
    print(f"    {seconds:.3f} s (median of 3; target ≤ 3 s); median 5–95 % rank interval {width:.0f} places; "
          "reproducible and consistent with compute")
    return {"uncertainty_s": seconds}


def script_function(script: str, name: str) -> Callable[[], dict[str, float]]:
    """Function `name` of benchmarks/<script>.py, loaded under a module name of its own: `import audit` would
    find the Django app of that name (the repository root is first on the path) or, found here, stand in for it."""
    spec = importlib.util.spec_from_file_location(f"benchmark_{script}", Path(__file__).with_name(f"{script}.py"))
    if spec is None or spec.loader is None:
        raise ImportError(f"benchmarks/{script}.py not found")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function: Callable[[], dict[str, float]] = getattr(module, name)
    return function


def main() -> None:
    from pipeline import bench_pipeline

    bench_audit = script_function("audit", "bench_audit")
    bench_sensitivity = script_function("sensitivity", "bench_sensitivity")
    for bench in (bench_compute, bench_weight_aggregate, bench_uncertainty, bench_audit, bench_sensitivity,
                  bench_pipeline):
        bench()
        print()


if __name__ == "__main__":
    main()
