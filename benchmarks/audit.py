"""Benchmark of the statistical audit (prints figures; not a test).

    .venv/bin/python benchmarks/audit.py

`audit` on 300 regions × 60 indicators × 5 periods (target ≤ 2 s, issue 14), with the synthetic framework
of benchmarks/scoring.py (4 dimensions, entropy weights, TOPSIS, four kinds of indicators, 1 % of values
missing, 2 % of region–periods incomplete) and winsorisation of up to 5 points declared for every
indicator. The run is checked against pandas on the last period (skewness, kurtosis, Pearson and Spearman
correlations of the scores `compute` publishes for the treated values), so speed is not bought with wrong
answers. Times are medians of several runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scoring import plausible_cube, plausible_spec, tidy, timed

from indicators.scoring import OutlierTreatment, audit, compute, treat

TREATMENT = OutlierTreatment("winsorise", max_points=5)


def wide(frame: pd.DataFrame, column: str, columns: str) -> pd.DataFrame:
    table = frame.pivot(index="region", columns=columns, values=column)
    table.index, table.columns = table.index.astype(str), table.columns.astype(str)
    return table


def check(values: pd.DataFrame, spec, result, period: int) -> None:
    """The last period's statistics and correlations equal pandas on the frames `compute` returns."""
    last = result.periods[-1]
    codes = [i.code for i in spec.indicators]
    raw = wide(values[values.period == period], "value", "indicator")[codes]
    skew = np.array([s.skew for s in last.indicators], dtype=float)
    kurt = np.array([s.kurtosis for s in last.indicators], dtype=float)
    np.testing.assert_allclose(skew, raw.skew(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kurt, raw.kurt(), rtol=1e-12, atol=1e-12)
    scored = compute(treat(values, spec, TREATMENT), spec)
    table = pd.concat([
        wide(scored.indicators[scored.indicators.period == period], "score", "indicator")[codes],
        wide(scored.dimensions[scored.dimensions.period == period], "score", "dimension"),
        scored.index[scored.index.period == period].set_index("region")["index"],
    ], axis=1)
    np.testing.assert_allclose(last.correlations.pearson, table.corr(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(last.correlations.spearman, table.corr("spearman"), rtol=0, atol=1e-12)


def bench_audit(regions: int = 300, indicators: int = 60, periods: int = 5) -> dict[str, float]:
    spec = plausible_spec(indicators)
    values = tidy(plausible_cube(regions, indicators, periods, missing=0.01, unsurveyed=0.02, seed=3), spec)
    seconds, result = timed(lambda: audit(values, spec, TREATMENT))
    compute_seconds, _ = timed(lambda: compute(treat(values, spec, TREATMENT), spec))
    check(values, spec, result, 2016 + periods - 1)

    flagged = sum(s.outliers for p in result.periods for s in p.indicators)
    winsorised = sum(len(t.points) for p in result.periods for t in p.treatments)
    size = len(json.dumps(result.as_dict(), allow_nan=False))
    print(f"audit: {regions} regions × {indicators} indicators × {periods} periods ({len(values):,} values), "
          "entropy + TOPSIS, winsorisation up to 5 points per indicator and period")
    print(f"    {seconds:.3f} s (median of 5; target ≤ 2 s); compute on the treated values {compute_seconds:.3f} s")
    print(f"    {flagged} indicator–periods with outliers, {winsorised} values winsorised; "
          f"{size / 1e6:.2f} MB as JSON; equals pandas on the last period")
    return {"audit_s": seconds, "compute_s": compute_seconds}


if __name__ == "__main__":
    bench_audit()
