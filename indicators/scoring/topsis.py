"""TOPSIS closeness (Hwang & Yoon 1981) with vector normalisation, batched over a leading axis."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from .arrays import BoolArray, FloatArray, is_bool_array
from .keys import Keyed, align


def topsis_batch(x: FloatArray, weights: FloatArray, higher: BoolArray | None = None,
                 rows: BoolArray | None = None) -> FloatArray:
    """Closeness in [0, 1] of every row of every slice of `x` (B, m, n) with weights (B, n).

    `higher` (n,) marks benefit criteria (default all); `rows` (B, m) limits each slice to the rows that
    take part (the others get NaN and influence nothing). A zero column is left out (it cannot be
    vector-normalised); when all rows coincide (D⁺ + D⁻ = 0) every row is the ideal: closeness 1.
    Each step is a single pass over the data (fmax/fmin reductions are several times faster than
    max/min along a middle axis); this is the hot path of `compute` and `uncertainty`.
    """
    if weights.shape != (x.shape[0], x.shape[2]):
        raise ValueError(f"TOPSIS weights are shaped {weights.shape}, the data {x.shape}: give one weight per "
                         f"criterion ({x.shape[2]}) for each of the {x.shape[0]} slices")
    if rows is not None and rows.all():
        rows = None
    masked = x if rows is None else np.where(rows[..., None], x, 0.0)
    norm = np.sqrt(np.einsum("bmn,bmn->bn", masked, masked))
    if not np.isfinite(norm).all():
        raise ValueError("TOPSIS needs complete, finite data (impute or drop missing values first)")
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(norm > 0, weights / norm, 0.0)
    v = masked * scale[:, None, :]
    if rows is not None:
        v[~rows] = np.nan
    top, bottom = np.fmax.reduce(v, axis=1), np.fmin.reduce(v, axis=1)
    if higher is None:
        ideal, anti = top, bottom
    else:
        ideal, anti = np.where(higher, top, bottom), np.where(higher, bottom, top)
    diff = np.subtract(v, ideal[:, None, :], out=v)
    d_plus = np.sqrt(np.einsum("bmn,bmn->bm", diff, diff))
    diff = np.subtract(diff, (anti - ideal)[:, None, :], out=diff)
    d_minus = np.sqrt(np.einsum("bmn,bmn->bm", diff, diff))
    total = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = np.where(total > 0, d_minus / total, 1.0)
    return closeness if rows is None else np.where(rows, closeness, np.nan)


def topsis(matrix: pd.DataFrame | npt.ArrayLike, weights: Keyed | npt.ArrayLike, benefit: Keyed | npt.ArrayLike
           ) -> pd.Series | FloatArray:
    """TOPSIS closeness in [0, 1] of the rows of `matrix` (regions × indicators).

    Vector normalisation r_ij = x_ij / √Σ_i x_ij², weighted v_ij = w_j r_ij, ideal = column max
    (min for cost criteria), anti-ideal the opposite, closeness C_i = D⁻_i / (D⁺_i + D⁻_i) with
    Euclidean distances. A DataFrame takes `weights` and `benefit` (True = higher is better) as
    Series keyed by column code and gives a Series; a 2-D array takes arrays (n,); a 3-D array
    (periods × regions × indicators) takes weights (n,) or (periods, n) and gives (periods, regions).
    """
    if isinstance(matrix, pd.DataFrame):
        codes = list(matrix.columns)
        data = matrix.to_numpy(dtype=float)[None]
        w = align(weights, codes, "weights").astype(float)
        higher = align(benefit, codes, "benefit")
    else:
        data = np.asarray(matrix, dtype=float)
        if data.ndim == 2:
            data = data[None]
        elif data.ndim != 3:
            raise ValueError(f"matrix must be 2-D or 3-D, got shape {data.shape}")
        w = np.asarray(weights, dtype=float)
        higher = np.asarray(benefit)
    periods, n = data.shape[0], data.shape[2]
    if not is_bool_array(higher) or higher.shape != (n,):
        raise ValueError(f"benefit must be {n} booleans (True = higher is better), one per column of the matrix; "
                         f"got {higher.size}")
    if w.ndim == 1 and w.shape != (n,):
        raise ValueError(f"{w.size} weights were given for a matrix of {n} columns: give one weight per column")
    if w.ndim != 1 and w.shape != (periods, n):
        per_period = f", or a ({periods}, {n}) array: one row per period" if np.ndim(matrix) == 3 else ""
        raise ValueError(f"weights are shaped {w.shape} for a matrix of {n} columns: give {n} weights{per_period}")
    w = np.broadcast_to(w, (periods, n)) if w.ndim == 1 else w
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be non-negative and finite")
    closeness = topsis_batch(data, w, higher)
    if isinstance(matrix, pd.DataFrame):
        return pd.Series(closeness[0], index=matrix.index, name="closeness")
    return closeness if np.ndim(matrix) == 3 else closeness[0]
