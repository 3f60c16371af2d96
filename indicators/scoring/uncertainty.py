"""Monte Carlo uncertainty analysis of ranks, as in the JRC audits of composite indicators.

Each draw multiplies every overall indicator weight by U(1 − r, 1 + r) (then rescales to sum 1) and
picks one normalisation method; the index and ranks are recomputed for every period. Draws are
processed in batches through the same vectorised aggregation as `compute` (batch axis = draw × period).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .aggregate import aggregate
from .arrays import FloatArray
from .compute import nominal
from .cube import parent_codes
from .frames import Frames, nullable_int, rank_basis
from .keys import Levels, Parents
from .normalise import normalise_cube
from .ranking import competition_rank
from .spec import NORMALISATIONS, FrameworkSpec

DEFAULT_NORMALISATIONS = ("spec", "minmax_observed", "zscore", "percentile")
""""spec" stands for each indicator's own method in the framework."""
BATCH_CELLS = 2_000_000
"""Scores held per batch of draws (≈16 MB of float64), to keep memory flat whatever `draws` is."""
QUANTILES = {"rank_median": 0.5, "rank_p05": 0.05, "rank_p95": 0.95}


def nan_quantiles(samples: FloatArray) -> tuple[dict[str, FloatArray], FloatArray]:
    """Linear-interpolation quantiles (numpy's default) over axis 0 ignoring NaN, and the present share."""
    ordered = np.sort(samples, axis=0)
    count = (~np.isnan(samples)).sum(axis=0)
    out: dict[str, FloatArray] = {}
    for name, q in QUANTILES.items():
        position = q * np.maximum(count - 1, 0)
        below = np.floor(position).astype(int)
        above = np.ceil(position).astype(int)
        low = np.take_along_axis(ordered, below[None], axis=0)[0]
        high = np.take_along_axis(ordered, above[None], axis=0)[0]
        out[name] = np.where(count > 0, low + (high - low) * (position - below), np.nan)
    return out, count / samples.shape[0]


def uncertainty(values: pd.DataFrame, spec: FrameworkSpec, *, draws: int = 1000, weight_range: float = 0.2,
                normalisations: Sequence[str] = DEFAULT_NORMALISATIONS, seed: int = 0,
                parents: Parents | None = None, levels: Levels | None = None) -> pd.DataFrame:
    """Median and 5–95 % interval of every region's rank per period over `draws` Monte Carlo draws.

    Columns: region, period, rank (nominal, as `compute`), rank_median, rank_p05, rank_p95,
    ranked_share (share of draws in which the region–period was complete, hence ranked), parent,
    parent_rank, parent_rank_median, parent_rank_p05, parent_rank_p95. The same seed gives the same
    output.
    """
    if draws < 1:
        raise ValueError("draws must be ≥ 1")
    if not 0.0 <= weight_range < 1.0:
        raise ValueError("weight_range must lie in [0, 1)")
    unknown = [m for m in normalisations if m != "spec" and m not in NORMALISATIONS]
    if unknown or not normalisations:
        raise ValueError(f"normalisations must be drawn from 'spec', {', '.join(NORMALISATIONS)}; got {unknown}")
    base = nominal(values, spec, levels)
    fw, cube, scores, weights = base.fw, base.cube, base.scores, base.weights
    n_periods, n_regions, n_ind = cube.values.shape
    methods = [
        scores if m == "spec" else normalise_cube(cube.values, np.full(n_ind, m, dtype=object), fw.higher,
                                                  fw.lower, fw.upper, fw.target, fw.codes)
        for m in normalisations
    ]
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1.0 - weight_range, 1.0 + weight_range, size=(draws, n_ind))
    chosen = rng.integers(len(methods), size=draws)
    parent_of, parent_labels = parent_codes(parents, cube.regions)
    has_parents = bool((parent_of >= 0).any())

    def ranks_of(index: FloatArray) -> tuple[FloatArray, FloatArray]:
        basis = rank_basis(index, spec.rank_decimals)
        within = competition_rank(basis, parent_of) if has_parents else np.full(basis.shape, np.nan)
        return competition_rank(basis), within

    ranks = np.empty((draws, n_periods, n_regions))
    parent_ranks = np.empty_like(ranks)
    batch = max(1, BATCH_CELLS // cube.values.size)
    for start in range(0, draws, batch):
        stop = min(start + batch, draws)
        w = weights[None, :, :] * factors[start:stop, None, :]
        w /= w.sum(axis=-1, keepdims=True)
        s = np.stack([methods[c] for c in chosen[start:stop]])
        result = aggregate(s.reshape(-1, n_regions, n_ind), w.reshape(-1, n_ind), fw.dimension_of,
                           spec.aggregation, spec.min_share, spec.geometric_floor, base.applies)
        overall, within = ranks_of(result.index)
        ranks[start:stop] = overall.reshape(stop - start, n_periods, n_regions)
        parent_ranks[start:stop] = within.reshape(stop - start, n_periods, n_regions)

    nominal_index = aggregate(scores, weights, fw.dimension_of, spec.aggregation, spec.min_share,
                              spec.geometric_floor, base.applies).index
    nominal_rank, nominal_parent_rank = ranks_of(nominal_index)
    overall_q, ranked_share = nan_quantiles(ranks)
    parent_q, _ = nan_quantiles(parent_ranks)
    frames = Frames(fw, cube)

    def integer(array: FloatArray) -> pd.arrays.IntegerArray:
        flat = frames.rows(array)
        return nullable_int(flat, np.isnan(flat))

    return pd.DataFrame({
        **frames.keys(1),
        "rank": integer(nominal_rank),
        **{name: frames.rows(q) for name, q in overall_q.items()},
        "ranked_share": frames.rows(ranked_share),
        "parent": frames.parent_column(parent_of, parent_labels),
        "parent_rank": integer(nominal_parent_rank),
        **{f"parent_{name}": frames.rows(q) for name, q in parent_q.items()},
    })
