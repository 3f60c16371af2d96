"""Distribution statistics of raw indicator values and outlier treatment before normalisation.

The outlier rule and the treatments follow COINr (Becker et al.), the JRC's package for auditing composite
indicators (`check_SkewKurt`, `winsorise`, `log_CT`):

* skewness is the adjusted Fisher–Pearson G1 and kurtosis the bias-corrected *excess* kurtosis G2 — the
  estimators of pandas ``skew()``/``kurt()``, scipy ``skew(bias=False)``/``kurtosis(bias=False)``, COINr's
  ``skew``/``kurt`` and e1071 type 2 (Excel's SKEW and KURT);
* an indicator has outliers when |skew| ≥ 2 **and** kurtosis ≥ 3.5 (COINr passes it when |skew| < 2 *or*
  kurtosis < 3.5);
* ``winsorise``: while the rule fails, the most extreme value on the side of the skew (skew ≥ 0: the
  largest) takes the next value inward; values tied at the extreme move together. Unlike COINr, which can
  overshoot its limit on ties, never more than `max_points` values of an indicator are moved in a period;
* ``log``: COINr's ``log_CT``, log(x − min + 0.01·(max − min)), which does not depend on the unit of the
  indicator (log(x − min + 1) would), for skew ≥ 0; for negative skew the mirror −log(max − x + 0.01·(max −
  min)), so the order of the regions is kept either way. Applied only where the rule fails.

Everything works on arrays shaped (..., n, k): statistics over the n regions (axis -2), one per column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .arrays import BoolArray, FloatArray, IntArray
from .cube import Cube, to_cube
from .framework import Framework, compile_spec
from .spec import TREATMENTS, FrameworkSpec, OutlierRule, OutlierTreatment

LOG_OFFSET = 0.01
"""Share of the range added before the log (COINr ``log_CT``), so that the minimum maps to a finite value."""
DATA_DRIVEN = ("minmax_observed", "zscore", "percentile")
"""Normalisations that take their goalposts from the data: the only ones that make sense of logged values."""


JRC_RULE = OutlierRule()


@dataclass(frozen=True)
class Moments:
    """Per column (..., k): count of present values, and their statistics (NaN where undefined)."""

    n: IntArray
    mean: FloatArray
    sd: FloatArray
    """Sample standard deviation (ddof = 1)."""
    minimum: FloatArray
    maximum: FloatArray
    skew: FloatArray
    """G1, needs n ≥ 3 and a column that is not constant."""
    kurtosis: FloatArray
    """Excess G2, needs n ≥ 4 and a column that is not constant."""

    @property
    def constant(self) -> BoolArray:
        """At least one present value, all equal."""
        same: BoolArray = (self.n > 0) & (self.minimum == self.maximum)
        return same

    def outliers(self, rule: OutlierRule) -> BoolArray:
        """Where the rule fails (never where skew or kurtosis is undefined)."""
        with np.errstate(invalid="ignore"):
            return (np.abs(self.skew) >= rule.skew) & (self.kurtosis >= rule.kurtosis)


def moments(x: FloatArray) -> Moments:
    """Moments of every column of `x` (..., n, k) over its present values, as pandas computes them."""
    present = ~np.isnan(x)
    n = present.sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, x, 0.0).sum(axis=-2) / n
        d = np.where(present, x - mean[..., None, :], 0.0)
        d2 = d * d
        m2 = d2.sum(axis=-2)
        m3 = (d2 * d).sum(axis=-2)
        m4 = (d2 * d2).sum(axis=-2)
        lo, hi = np.fmin.reduce(x, axis=-2), np.fmax.reduce(x, axis=-2)
        varying = hi > lo
        sd = np.where(n >= 2, np.where(varying, np.sqrt(m2 / (n - 1)), 0.0), np.nan)
        skew = n * np.sqrt(n - 1) / (n - 2) * m3 / m2 ** 1.5
        kurt = n * (n + 1) * (n - 1) * m4 / ((n - 2) * (n - 3) * m2 ** 2) - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
    return Moments(
        n=n, mean=mean, sd=sd, minimum=lo, maximum=hi,
        skew=np.where(varying & (n >= 3), skew, np.nan),
        kurtosis=np.where(varying & (n >= 4), kurt, np.nan),
    )


@dataclass(frozen=True)
class Treated:
    """Outcome of `treat_array` on x (..., n, k)."""

    values: FloatArray
    """(..., n, k) treated values (the input where nothing was done)."""
    before: Moments
    after: Moments
    failed: BoolArray
    """(..., k) the rule failed on the raw values."""
    applied: BoolArray
    """(..., k) a treatment changed the column (winsorised or logged)."""
    moved: BoolArray
    """(..., n, k) the values a winsorisation moved."""


def winsorise(x: FloatArray, max_points: IntArray, rule: OutlierRule) -> tuple[FloatArray, BoolArray]:
    """Winsorise every column of `x` (n, m) that fails the rule, at most `max_points` (m,) values per column.

    Returns the treated values and the mask of the values moved.
    """
    x = x.copy()
    moved = np.zeros(x.shape, dtype=bool)
    count = np.zeros(x.shape[1], dtype=int)
    active = np.nonzero(max_points > 0)[0]
    while active.size:
        stats = moments(x[:, active])
        failing = stats.outliers(rule)
        active = active[failing]
        if not active.size:
            break
        col = x[:, active]
        high = stats.skew[failing] >= 0
        extreme = np.where(high, np.fmax.reduce(col, axis=0), np.fmin.reduce(col, axis=0))
        tied = col == extreme
        rest = np.where(tied | np.isnan(col), np.where(high, -np.inf, np.inf), col)
        inward = np.where(high, rest.max(axis=0), rest.min(axis=0))
        ties = tied.sum(axis=0)
        step = np.isfinite(inward) & (count[active] + ties <= max_points[active])
        tied &= step
        col[tied] = np.broadcast_to(inward, col.shape)[tied]
        x[:, active] = col
        moved[:, active] |= tied
        count[active] += np.where(step, ties, 0)
        active = active[step]
    return x, moved


def log_transform(x: FloatArray, positive: BoolArray) -> FloatArray:
    """COINr ``log_CT`` of every column of `x` (n, m); its mirror where `positive` (m,) skew is False."""
    lo, hi = np.fmin.reduce(x, axis=0), np.fmax.reduce(x, axis=0)
    offset = LOG_OFFSET * (hi - lo)
    with np.errstate(invalid="ignore", divide="ignore"):
        logged: FloatArray = np.where(positive, np.log(x - lo + offset), -np.log(hi - x + offset))
    return logged


def treat_array(x: FloatArray, methods: Sequence[str], max_points: Sequence[int],
                rule: OutlierRule = JRC_RULE) -> Treated:
    """Treat the columns of `x` (..., n, k) that fail `rule`, each by its method (k,) (`TREATMENTS`).

    Every leading index (a period) is treated on its own, as it is normalised on its own.
    """
    method = np.asarray(methods, dtype=object)
    unknown = sorted({str(m) for m in method} - set(TREATMENTS))
    if unknown:
        raise ValueError(f"unknown outlier treatment {', '.join(unknown)}; expected one of {', '.join(TREATMENTS)}")
    before = moments(x)
    failed = before.outliers(rule)
    columns = np.moveaxis(x, -2, 0).reshape(x.shape[-2], -1)
    flat_method = np.broadcast_to(method, failed.shape).reshape(-1)
    flat_failed = failed.reshape(-1)
    limit = np.broadcast_to(np.asarray(max_points, dtype=int), failed.shape).reshape(-1)
    treated = columns.copy()
    moved = np.zeros(columns.shape, dtype=bool)
    win = np.nonzero(flat_failed & (flat_method == "winsorise"))[0]
    if win.size:
        treated[:, win], moved[:, win] = winsorise(columns[:, win], limit[win], rule)
    logged = np.nonzero(flat_failed & (flat_method == "log"))[0]
    if logged.size:
        positive = before.skew.reshape(-1)[logged] >= 0
        treated[:, logged] = log_transform(columns[:, logged], positive)
    shape = (x.shape[-2], *x.shape[:-2], x.shape[-1])
    values = np.moveaxis(treated.reshape(shape), 0, -2)
    applied = np.zeros(flat_failed.shape, dtype=bool)
    applied[logged] = True
    applied[win] = moved[:, win].any(axis=0)
    return Treated(values=values, before=before, after=moments(values), failed=failed,
                   applied=applied.reshape(failed.shape), moved=np.moveaxis(moved.reshape(shape), 0, -2))


def treatment_columns(treatments: OutlierTreatment | Mapping[str, OutlierTreatment] | None,
                      codes: Sequence[str]) -> tuple[list[str], list[int]]:
    """Per indicator code: its method and winsorisation limit (``none`` for codes not in a mapping)."""
    if treatments is None:
        treatments = OutlierTreatment()
    if isinstance(treatments, OutlierTreatment):
        per_code = dict.fromkeys(codes, treatments)
    else:
        unexpected = sorted(set(treatments) - set(codes))
        if unexpected:
            raise ValueError(f"outlier treatments for codes not in the framework: {', '.join(unexpected)}")
        per_code = {c: treatments.get(c, OutlierTreatment()) for c in codes}
    for code, t in per_code.items():
        if t.method not in TREATMENTS:
            raise ValueError(f"{code}: unknown outlier treatment {t.method!r}; expected one of {', '.join(TREATMENTS)}")
        if t.method == "winsorise" and not (isinstance(t.max_points, int) and t.max_points >= 1):
            raise ValueError(f"{code}: winsorise needs max_points ≥ 1, got {t.max_points!r}")
    return [per_code[c].method for c in codes], [per_code[c].max_points for c in codes]


def check_log(fw: Framework, methods: Sequence[str]) -> None:
    """Refuse a log treatment where logged values cannot be scored: fixed goalposts or targets are in the
    unit of the raw values, ``log_minmax`` would log twice, and entropy weights on raw values need them ≥ 0."""
    logged = [j for j, m in enumerate(methods) if m == "log"]
    bad = [fw.codes[j] for j in logged if fw.methods[j] not in DATA_DRIVEN]
    if bad:
        raise ValueError(f"a log outlier treatment needs a normalisation taken from the data "
                         f"({', '.join(DATA_DRIVEN)}); not so for {', '.join(bad)}")
    spec = fw.spec
    if logged and spec.weighting in ("entropy", "combined") and not spec.entropy_standardise:
        raise ValueError("a log outlier treatment cannot be combined with entropy weights on raw values "
                         "(logged values may be negative): set entropy_standardise")


def declared(spec: FrameworkSpec) -> dict[str, OutlierTreatment]:
    """Indicator code → the outlier treatment the framework declares for it."""
    return {i.code: i.outliers for i in spec.indicators}


def treat(values: pd.DataFrame, spec: FrameworkSpec,
          treatments: OutlierTreatment | Mapping[str, OutlierTreatment] | None = None,
          rule: OutlierRule | None = None) -> pd.DataFrame:
    """`values` (region, period, indicator, value) with outlier treatments applied: `treatments` (one for every
    indicator, or per code), by default those the framework declares, under `rule` (by default the framework's).

    The rows are those of `values`, in its order; only `value` changes (to floats). `compute` applies the
    declared treatments itself, before normalisation; `audit` reports what was done.
    """
    fw = compile_spec(spec)
    cube = to_cube(values, fw.codes)
    methods, limits = treatment_columns(declared(spec) if treatments is None else treatments, fw.codes)
    check_log(fw, methods)
    treated = treat_array(cube.values, methods, limits, rule or spec.outlier_rule)
    out = values.copy()
    out["value"] = cube_cells(treated.values, cube, values, fw.codes)
    return out


def cube_cells(array: FloatArray, cube: Cube, values: pd.DataFrame, codes: Sequence[str]) -> FloatArray:
    """The cells of `array` (P, R, I), laid out as `cube`, at the rows of the tidy `values`."""
    period = pd.Index(cube.periods).get_indexer(values["period"].to_numpy())
    region = pd.Index(cube.regions).get_indexer(values["region"].to_numpy())
    indicator = pd.Index(codes).get_indexer(values["indicator"].to_numpy())
    cells: FloatArray = array[period, region, indicator]
    return cells
