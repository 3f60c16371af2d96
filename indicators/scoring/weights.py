"""Objective (entropy) weights and their combination with subjective weights (docs/scoring.md §3–4)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from .arrays import BoolArray, FloatArray, is_bool_array
from .keys import Keyed, align, as_keyed

COMBINATIONS = ("multiplicative", "linear")


def entropy_batch(x: FloatArray, higher: BoolArray | None, standardise: bool,
                  names: Sequence[object]) -> FloatArray:
    """Entropy weights of every (m alternatives × n criteria) slice of `x` (B, m, n) → (B, n).

    Missing values (NaN) are left out of their column: p, the column total and m_j are taken over the
    present values. A column that is constant, has fewer than two present values or sums to zero carries
    no information: d_j = 0. When no column carries information the weights are equal.
    """
    lo: FloatArray = np.fmin.reduce(x, axis=1)
    hi: FloatArray = np.fmax.reduce(x, axis=1)
    if np.isinf(lo).any() or np.isinf(hi).any():
        raise ValueError("values must be finite numbers or NaN (missing)")
    if standardise:
        span = hi - lo
        base = lo if higher is None else np.where(higher, lo, hi)
        sign = 1.0 if higher is None else np.where(higher, 1.0, -1.0)
        z = (x - base[:, None, :]) * (sign / np.where(span > 0, span, 1.0))[:, None, :]
    else:
        negative = np.nonzero(np.any(lo < 0, axis=0))[0]
        if negative.size:
            listed = ", ".join(repr(names[j]) for j in negative[:10])
            raise ValueError(f"entropy weights on raw values need non-negative columns; not so for {listed}")
        z = x
    total = z.sum(axis=1)
    has_nan = bool(np.isnan(total).any())
    if has_nan:
        present = ~np.isnan(x)
        z = np.where(present, z, 0.0)
        count = present.sum(axis=1)
        total = z.sum(axis=1)
    else:
        count = np.full(total.shape, x.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        p = z / total[:, None, :]
        zero_free = not has_nan and not standardise and bool((lo > 0).all())
        logp = np.log(p) if zero_free else np.log(p, out=np.zeros_like(p), where=p > 0)
        entropy = -np.einsum("bmn,bmn->bn", p, logp) / np.log(count)
    degenerate = (hi == lo) | np.isnan(lo) | (count < 2) | (total <= 0)
    divergence = np.where(degenerate, 0.0, np.clip(1.0 - entropy, 0.0, None))
    total_divergence = divergence.sum(axis=1, keepdims=True)
    equal = np.full_like(divergence, 1.0 / x.shape[2])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total_divergence > 0, divergence / total_divergence, equal)


def _benefit_array(benefit: Keyed | npt.ArrayLike | None, columns: Sequence[object] | None, n: int
                   ) -> BoolArray | None:
    if benefit is None:
        return None
    if columns is not None:
        benefit = align(benefit, columns, "benefit")
    array = np.asarray(benefit)
    if not is_bool_array(array) or array.shape != (n,):
        raise ValueError(f"benefit must be {n} booleans (True = higher is better)")
    return array


def entropy_weights(matrix: pd.DataFrame | npt.ArrayLike, *, standardise: bool = False,
                    benefit: Keyed | npt.ArrayLike | None = None) -> pd.Series | FloatArray:
    """Entropy weights (熵权法) of the columns of `matrix` (rows = regions, columns = indicators).

    standardise=False: on the values as given (non-negative), p_ij = x_ij / Σ_i x_ij, as pymcdm.
    standardise=True: on per-column min–max standardised values, oriented by `benefit` (True = higher
    is better, default all True), with 0·ln 0 = 0. A DataFrame gives a Series keyed by column code
    (`benefit` then keyed by code too); a 2-D array gives an array; a 3-D array (periods × regions ×
    indicators) gives one row of weights per period.
    """
    if isinstance(matrix, pd.DataFrame):
        columns = list(matrix.columns)
        data = matrix.to_numpy(dtype=float)[None]
    else:
        columns = None
        data = np.asarray(matrix, dtype=float)
        if data.ndim == 2:
            data = data[None]
        elif data.ndim != 3:
            raise ValueError(f"matrix must be 2-D or 3-D, got shape {data.shape}")
    higher = _benefit_array(benefit, columns, data.shape[2])
    names = columns if columns is not None else list(range(data.shape[2]))
    weights = entropy_batch(data, higher, standardise, names)
    if isinstance(matrix, pd.DataFrame):
        return pd.Series(weights[0], index=matrix.columns, name="weight")
    return weights if np.ndim(matrix) == 3 else weights[0]


def combine(subjective: FloatArray, objective: FloatArray, method: str, alpha: float) -> FloatArray:
    """Combined weights along the last axis; both inputs are first scaled to sum 1."""
    if method not in COMBINATIONS:
        raise ValueError(f"unknown combination {method!r}; expected one of {', '.join(COMBINATIONS)}")
    for what, w in (("subjective", subjective), ("objective", objective)):
        if not np.isfinite(w).all() or (w < 0).any() or (w.sum(axis=-1) <= 0).any():
            raise ValueError(f"{what} weights must be non-negative, finite and not all zero")
    s: FloatArray = subjective / subjective.sum(axis=-1, keepdims=True)
    o: FloatArray = objective / objective.sum(axis=-1, keepdims=True)
    if method == "linear":
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
        return alpha * s + (1.0 - alpha) * o
    product = s * o
    total: FloatArray = product.sum(axis=-1, keepdims=True)
    if (total <= 0).any():
        raise ValueError("multiplicative combination: no indicator has both a subjective and an objective weight")
    return product / total


def combine_weights(subjective: Keyed, objective: Keyed, *,
                    method: str = "multiplicative", alpha: float = 0.5) -> pd.Series:
    """Combine subjective and objective weights keyed by indicator code; the result sums to 1.

    multiplicative: w = s·o / Σ s·o; linear: w = α·s + (1 − α)·o (s and o each scaled to sum 1).
    """
    subjective = as_keyed(subjective, "subjective weights")
    codes = list(subjective.index)
    o = align(objective, codes, "objective weights").astype(float)
    combined = combine(subjective.to_numpy(dtype=float), o, method, alpha)
    return pd.Series(combined, index=subjective.index, name="weight")
