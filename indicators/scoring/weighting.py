"""Overall indicator weights of a framework per period, following `spec.weighting` (docs/scoring.md §5).

An overall weight is (dimension weight) × (indicator weight within its dimension); overall weights sum
to 1 in every period.
"""

from __future__ import annotations

import numpy as np

from .ahp import check_consistency
from .arrays import FloatArray, IntArray
from .framework import Framework
from .weights import combine, entropy_batch


def _scaled_to_one(weights: FloatArray, groups: IntArray, labels: tuple[str, ...], what: str) -> FloatArray:
    sums = np.bincount(groups, weights=weights, minlength=len(labels))
    empty = [labels[g] for g in np.nonzero(sums <= 0)[0]]
    if empty:
        raise ValueError(f"{what} sum to 0 for {', '.join(empty)}")
    return weights / sums[groups]


def _levels(fw: Framework, use_pairwise: bool) -> tuple[FloatArray, FloatArray]:
    """(dimension weights (D,), within-dimension indicator weights (I,)), each level summing to 1."""
    spec = fw.spec
    n_dims = len(fw.dimension_codes)
    if spec.weighting == "equal":
        return np.full(n_dims, 1.0 / n_dims), 1.0 / np.bincount(fw.dimension_of)[fw.dimension_of]
    dims = _scaled_to_one(np.array([d.weight for d in spec.dimensions], dtype=float),
                          np.zeros(n_dims, dtype=int), ("the framework",), "dimension weights")
    within = _scaled_to_one(np.array([i.weight for i in spec.indicators], dtype=float), fw.dimension_of,
                            tuple(f"dimension {c}" for c in fw.dimension_codes), "indicator weights")
    if use_pairwise:
        if spec.dimension_pairwise is not None:
            dims = check_consistency(spec.dimension_pairwise, "dimensions").weights
        for d, dim in enumerate(spec.dimensions):
            if dim.pairwise is not None:
                within[fw.dimension_of == d] = check_consistency(dim.pairwise, f"dimension {dim.code}").weights
    return dims, within


def subjective_weights(fw: Framework) -> FloatArray:
    """(I,) expert, equal or AHP weights; a level without a pairwise matrix keeps its expert weights."""
    dims, within = _levels(fw, use_pairwise=fw.spec.weighting in ("ahp", "combined"))
    return dims[fw.dimension_of] * within


def framework_weights(fw: Framework, values: FloatArray) -> FloatArray:
    """(P, I) overall weights for the raw cube `values` (P, R, I)."""
    spec = fw.spec
    periods = values.shape[0]
    if spec.weighting in ("entropy", "combined"):
        objective = entropy_batch(values, fw.higher, spec.entropy_standardise, fw.codes)
        if spec.weighting == "entropy":
            return objective
        return combine(subjective_weights(fw)[None, :], objective, "linear", spec.combine_alpha)
    return np.repeat(subjective_weights(fw)[None, :], periods, axis=0)
