"""Normalisation of raw indicator values to 0–100 scores, 100 always best (see docs/scoring.md §1).

The kernels work on arrays shaped (..., n, k): statistics are taken over the n observations
(axis -2, the regions), parameters are per column (axis -1, the indicators). `compute` passes a
(period, region, indicator) cube so every period is normalised across its regions in one call.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from .arrays import BoolArray, FloatArray, GenericArray, ObjectArray
from .keys import PerColumn, per_column
from .ranking import average_rank
from .spec import DIRECTIONS, NORMALISATIONS

ZSCORE_CENTRE = 50.0
ZSCORE_SCALE = 10.0
CONSTANT_SCORE = 100.0
"""Score of every present value of a constant column under min–max: nobody is behind anyone."""

Kernel: TypeAlias = Callable[
    [FloatArray, BoolArray, FloatArray, FloatArray, FloatArray, Sequence[object]], FloatArray]
"""(x, higher, lower, upper, target, names) → scores; the goalposts are NaN where not given."""


def _nanmin(x: FloatArray) -> FloatArray:
    """Column minimum ignoring NaN (NaN for an all-missing column); fmin is also much faster than min."""
    return np.fmin.reduce(x, axis=-2, keepdims=True)


def _nanmax(x: FloatArray) -> FloatArray:
    return np.fmax.reduce(x, axis=-2, keepdims=True)


def _scaled(num: FloatArray, den: FloatArray, x: FloatArray) -> FloatArray:
    """100·num/den; where den is 0 (a constant column) every present value scores CONSTANT_SCORE."""
    with np.errstate(invalid="ignore", divide="ignore"):
        score = num / den * 100.0
    return np.where(den > 0, score, CONSTANT_SCORE + 0.0 * x)


def _minmax(x: FloatArray, higher: BoolArray) -> FloatArray:
    lo, hi = _nanmin(x), _nanmax(x)
    return _scaled(np.where(higher, x - lo, hi - x), hi - lo, x)


def minmax_observed(x: FloatArray, higher: BoolArray, lower: FloatArray, upper: FloatArray, target: FloatArray,
                    names: Sequence[object]) -> FloatArray:
    return _minmax(x, higher)


def minmax_fixed(x: FloatArray, higher: BoolArray, lower: FloatArray, upper: FloatArray, target: FloatArray,
                 names: Sequence[object]) -> FloatArray:
    span = upper - lower
    score = np.where(higher, x - lower, upper - x) / span
    return 100.0 * np.clip(score, 0.0, 1.0)


def target_distance(x: FloatArray, higher: BoolArray, lower: FloatArray, upper: FloatArray, target: FloatArray,
                    names: Sequence[object]) -> FloatArray:
    """Share of the way from the baseline to the target, capped at 100.

    The baseline is `lower` (higher is better) or `upper` (lower is better) when given, otherwise the
    observed minimum (maximum) of the column.
    """
    base = np.where(higher, np.where(np.isnan(lower), _nanmin(x), lower),
                    np.where(np.isnan(upper), _nanmax(x), upper))
    reached = np.where(higher, x >= target, x <= target)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (x - base) / (target - base)
    return np.where(reached, 100.0, 100.0 * np.clip(share, 0.0, 1.0))


def zscore(x: FloatArray, higher: BoolArray, lower: FloatArray, upper: FloatArray, target: FloatArray,
           names: Sequence[object]) -> FloatArray:
    """50 + 10·z (population standard deviation, as scipy.stats.zscore), clipped to [0, 100]."""
    if np.isnan(x).any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(x, axis=-2, keepdims=True)
            std = np.nanstd(x, axis=-2, keepdims=True)
    else:
        mean = x.mean(axis=-2, keepdims=True)
        std = x.std(axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(std > 0, (x - mean) / std, 0.0 * x)
    z = np.where(higher, z, -z)
    return np.clip(ZSCORE_CENTRE + ZSCORE_SCALE * z, 0.0, 100.0)


def percentile(x: FloatArray, higher: BoolArray, lower: FloatArray, upper: FloatArray, target: FloatArray,
               names: Sequence[object]) -> FloatArray:
    """100 · average rank / number of present values (pandas ``rank(pct=True)`` × 100)."""
    oriented = np.swapaxes(np.where(higher, x, -x), -1, -2)
    ranks = average_rank(oriented)
    count = np.sum(~np.isnan(oriented), axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.swapaxes(ranks / count * 100.0, -1, -2)


def log_minmax(x: FloatArray, higher: BoolArray, lower: FloatArray, upper: FloatArray, target: FloatArray,
               names: Sequence[object]) -> FloatArray:
    low = _nanmin(x)
    bad = np.nonzero(np.any(low <= -1.0, axis=tuple(range(low.ndim - 1))))[0]
    if bad.size:
        listed = ", ".join(repr(names[j]) for j in bad[:10])
        raise ValueError(f"log_minmax needs values > -1 (log1p); not so for {listed}")
    return _minmax(np.log1p(x), higher)


KERNELS: dict[str, Kernel] = {
    "minmax_observed": minmax_observed,
    "minmax_fixed": minmax_fixed,
    "target": target_distance,
    "zscore": zscore,
    "percentile": percentile,
    "log_minmax": log_minmax,
}
if tuple(KERNELS) != NORMALISATIONS:
    raise ImportError("every normalisation of spec.NORMALISATIONS needs its kernel here, in the same order")


def check_parameters(method: str, higher: BoolArray, lower: FloatArray, upper: FloatArray, target: FloatArray,
                     names: Sequence[object]) -> None:
    """Raise ValueError naming the columns whose goalposts do not suit `method`."""
    if method not in KERNELS:
        raise ValueError(f"unknown normalisation {method!r}; expected one of {', '.join(NORMALISATIONS)}")
    if method == "minmax_fixed":
        bad = ~(np.isfinite(lower) & np.isfinite(upper) & (lower < upper))
        reason = "minmax_fixed needs finite goalposts lower < upper"
    elif method == "target":
        bad = ~np.isfinite(target)
        bad |= higher & np.isfinite(lower) & ~(lower < target)
        bad |= ~higher & np.isfinite(upper) & ~(upper > target)
        reason = "target needs a finite target, above `lower` (higher is better) or below `upper` (lower is better)"
    else:
        return
    if bad.any():
        listed = ", ".join(repr(names[j]) for j in np.nonzero(bad)[0][:10])
        raise ValueError(f"{reason}; not so for {listed}")


def normalise_array(x: FloatArray, method: str, higher: BoolArray, lower: FloatArray, upper: FloatArray,
                    target: FloatArray, names: Sequence[object]) -> FloatArray:
    """Scores of `x` (..., n, k) with per-column parameters (k,); NaN goalpost = not given."""
    check_parameters(method, higher, lower, upper, target, names)
    if np.isinf(x).any():
        raise ValueError("values must be finite numbers or NaN (missing)")
    return KERNELS[method](x, higher, lower, upper, target, names)


def _floats(param: GenericArray) -> FloatArray:
    return np.array([np.nan if v is None else float(v) for v in param], dtype=float)


def normalise(values: pd.DataFrame | pd.Series | npt.ArrayLike, method: str, *, direction: PerColumn = "higher",
              lower: PerColumn = None, upper: PerColumn = None, target: PerColumn = None
              ) -> pd.DataFrame | pd.Series | FloatArray:
    """Normalise a 1-D array/Series, or each column of a 2-D array/DataFrame, to 0–100 scores.

    `direction`, `lower`, `upper` and `target` are scalars, or per column: keyed by column code
    (Series/mapping) for a DataFrame, one per column for an array. "lower" direction flips the
    scale so that 100 is always best. NaN stays NaN. The result has the type and shape of `values`.
    """
    if isinstance(values, pd.DataFrame):
        data, columns = values.to_numpy(dtype=float), list(values.columns)
    elif isinstance(values, pd.Series):
        data, columns = values.to_numpy(dtype=float)[:, None], None
    else:
        data, columns = np.asarray(values, dtype=float), None
        if data.ndim == 1:
            data = data[:, None]
        elif data.ndim != 2:
            raise ValueError(f"values must be 1-D or 2-D, got shape {data.shape}")
    k = data.shape[1]
    names = columns if columns is not None else (
        [values.name] if isinstance(values, pd.Series) else list(range(k)))
    directions = per_column(direction, columns, k, "direction")
    unknown = sorted({str(d) for d in directions} - set(DIRECTIONS))
    if unknown:
        raise ValueError(f"direction must be 'higher' or 'lower', got {', '.join(unknown)}")
    scores = normalise_array(
        data, method, directions == "higher",
        _floats(per_column(lower, columns, k, "lower")),
        _floats(per_column(upper, columns, k, "upper")),
        _floats(per_column(target, columns, k, "target")),
        names,
    )
    if isinstance(values, pd.DataFrame):
        return pd.DataFrame(scores, index=values.index, columns=values.columns)
    if isinstance(values, pd.Series):
        return pd.Series(scores[:, 0], index=values.index, name=values.name)
    return scores[:, 0] if np.ndim(values) == 1 else scores


def normalise_cube(x: FloatArray, methods: ObjectArray, higher: BoolArray, lower: FloatArray,
                   upper: FloatArray, target: FloatArray, names: Sequence[object]) -> FloatArray:
    """Scores of `x` (..., regions, indicators), each indicator by its own method (one call per method)."""
    if len(set(methods)) == 1:
        return normalise_array(x, methods[0], higher, lower, upper, target, names)
    scores = np.empty_like(x)
    for method in dict.fromkeys(methods):
        cols = np.nonzero(methods == method)[0]
        scores[..., cols] = normalise_array(x[..., cols], method, higher[cols], lower[cols], upper[cols],
                                            target[cols], [names[int(j)] for j in cols])
    return scores
