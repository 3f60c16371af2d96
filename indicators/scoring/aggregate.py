"""Aggregation of 0–100 scores into dimension scores and the index, with the missing-data rule
(docs/scoring.md §6–7). Everything is batched over a leading axis B (periods, or periods × draws).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from .arrays import BoolArray, FloatArray, IntArray
from .topsis import topsis_batch

SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Aggregate:
    dimension_scores: FloatArray
    """(B, R, D) 0–100, NaN where the dimension is not scored."""
    dimension_coverage: FloatArray
    """(B, R, D) present share of the weight of the dimension's indicators that apply to the region."""
    dimension_present: FloatArray
    """(B, R, D) present share of the dimension's whole indicator weight (what its mean is divided by)."""
    dimension_weights: FloatArray
    """(B, D) dimension weights (sum of their indicators' overall weights)."""
    index: FloatArray
    """(B, R) 0–100, NaN where incomplete."""
    coverage: FloatArray
    """(B, R) present share of the overall weight of the indicators that apply."""
    complete: BoolArray
    """(B, R) every dimension scored."""


def _bounded(scores: FloatArray) -> FloatArray:
    """Clip to [0, 100]: a weighted mean of scores of 100 can round to 100.00000000000001."""
    return np.clip(scores, 0.0, 100.0)


def _within_weights(weights: FloatArray, dimension_of: IntArray, dimension_weights: FloatArray) -> FloatArray:
    """Indicator weights within their dimension; equal within a dimension whose weight is 0."""
    per_indicator = dimension_weights[:, dimension_of]
    equal = 1.0 / np.bincount(dimension_of)[dimension_of]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(per_indicator > 0, weights / per_indicator, equal)


def _applicable_share(weights_within: FloatArray, membership: FloatArray,
                      applicable: BoolArray | None) -> FloatArray | None:
    """(B, R, D) share of each dimension's weight carried by the indicators that apply to the region; None
    without a mask (all apply: the share is 1)."""
    if applicable is None:
        return None
    share: FloatArray = (applicable[None, :, :] * weights_within[:, None, :]) @ membership
    return share


def _scored(present_share: FloatArray, applicable_share: FloatArray | None,
            min_share: float) -> tuple[BoolArray, FloatArray]:
    """Which dimensions are scored, and their coverage: the present share of the weight that applies (None: all
    of it applies, the coverage is the present share)."""
    coverage = present_share
    if applicable_share is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            coverage = np.where(applicable_share > 0, present_share / applicable_share, 0.0)
    return (present_share > 0) & (coverage >= min_share - SHARE_TOLERANCE), coverage


def aggregate(scores: FloatArray, weights: FloatArray, dimension_of: IntArray, method: str,
              min_share: float, floor: float, applicable: BoolArray | None = None) -> Aggregate:
    """Dimension scores and index of `scores` (B, R, I) with overall weights (B, I).

    Within a dimension the present indicators are re-weighted when their share of the weight of the
    dimension's indicators that apply to the region (`applicable`, (R, I); None: all apply) reaches
    `min_share`; otherwise the dimension is not scored and the index is NaN. An indicator that does not apply
    has no score (`applicability.leave_out`). `floor`: the geometric mean raises scores below it to it (unused
    by the other methods).
    """
    membership = (dimension_of[:, None] == np.arange(dimension_of.max() + 1)).astype(float)
    present = ~np.isnan(scores)
    any_missing = not present.all()
    filled = np.where(present, scores, 0.0) if any_missing else scores
    dimension_weights = weights @ membership
    within = _within_weights(weights, dimension_of, dimension_weights)
    shape = (*scores.shape[:2], membership.shape[1])
    coverage_d = (present * within[:, None, :]) @ membership if any_missing else np.ones(shape)
    scored, relative = _scored(coverage_d, _applicable_share(within, membership, applicable), min_share)
    # (B, R, D) reduced over D: always an array, never the scalar the stubs allow for a 1-D input.
    complete = cast("BoolArray", scored.all(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        arithmetic = np.where(scored, ((filled * within[:, None, :]) @ membership) / coverage_d, np.nan)
        if method == "arithmetic":
            dim_scores = arithmetic
            index = np.einsum("brd,bd->br", np.where(scored, dim_scores, 0.0), dimension_weights)
        elif method == "geometric":
            logs = np.where(present, np.log(np.maximum(filled, floor)), 0.0) * within[:, None, :]
            dim_logs = np.where(scored, (logs @ membership) / coverage_d, 0.0)
            dim_scores = np.where(scored, np.exp(dim_logs), np.nan)
            index = np.exp(np.einsum("brd,bd->br", dim_logs, dimension_weights))
        elif method == "topsis":
            dim_scores, index = _topsis(scores, present, arithmetic, weights, within, dimension_of, scored,
                                        complete, any_missing)
        else:
            raise ValueError(f"unknown aggregation {method!r}")
    return Aggregate(
        dimension_scores=_bounded(dim_scores),
        dimension_coverage=relative,
        dimension_present=coverage_d,
        dimension_weights=dimension_weights,
        index=_bounded(np.where(complete, index, np.nan)),
        coverage=np.einsum("brd,bd->br", relative, dimension_weights),
        complete=complete,
    )


def index_of_weights(scores: FloatArray, weights: FloatArray, dimension_of: IntArray, method: str,
                     min_share: float, floor: float, applicable: BoolArray | None = None) -> FloatArray:
    """(B, R) index of one score matrix (R, I) under B weight vectors (B, I) — `aggregate`'s index for runs
    that differ only in their weights, arithmetic or geometric.

    The sensitivity analysis evaluates thousands of such runs: as `aggregate` it would build (B, R, I) products;
    here they are matrix products, the same arithmetic in another order. Without missing scores every dimension
    is whole and the index is the weighted sum over all indicators, (B, I) @ (I, R); with them, each dimension's
    weighted sum and present weight share are (B·D, I) @ (I, R) with the weights laid out per run and dimension
    (computing only the regions with gaps that way costs more in indexing than it saves).
    """
    if method not in ("arithmetic", "geometric"):
        raise ValueError(f"index_of_weights aggregates arithmetic or geometric, not {method!r}")
    present = ~np.isnan(scores)
    geometric = method == "geometric"
    filled = np.where(present, scores, floor if geometric else 0.0)
    terms = np.where(present, np.log(np.maximum(filled, floor)), 0.0) if geometric else filled
    index = weights @ terms.T if present.all() else _index_with_gaps(terms, present, weights, dimension_of, min_share,
                                                                      applicable)
    return _bounded(np.exp(index) if geometric else index)


def _index_with_gaps(terms: FloatArray, present: BoolArray, weights: FloatArray, dimension_of: IntArray,
                     min_share: float, applicable: BoolArray | None) -> FloatArray:
    """`index_of_weights` before its last step (exp for geometric), where some scores are missing."""
    runs, dimensions = weights.shape[0], int(dimension_of.max()) + 1
    membership = (dimension_of[:, None] == np.arange(dimensions)).astype(float)
    dimension_weights = weights @ membership
    within = _within_weights(weights, dimension_of, dimension_weights)
    per_dimension = (within[:, None, :] * membership.T[None, :, :]).reshape(runs * dimensions, len(dimension_of))
    shape = (runs, dimensions, terms.shape[0])
    coverage = (per_dimension @ present.T.astype(float)).reshape(shape)
    applies = None if applicable is None else (per_dimension @ applicable.T.astype(float)).reshape(shape)
    scored = _scored(coverage, applies, min_share)[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(scored, (per_dimension @ terms.T).reshape(shape) / coverage, 0.0)
    index: FloatArray = np.where(scored.all(axis=1), np.einsum("bdr,bd->br", means, dimension_weights), np.nan)
    return index


def _topsis(scores: FloatArray, present: BoolArray, arithmetic: FloatArray, weights: FloatArray, within: FloatArray,
            dimension_of: IntArray, scored: BoolArray, complete: BoolArray, any_missing: bool
            ) -> tuple[FloatArray, FloatArray]:
    """TOPSIS over all indicators for the index and within each dimension for its score.

    A missing score of a scored dimension is imputed with the region's re-weighted arithmetic mean of
    that dimension, the TOPSIS counterpart of re-weighting; unscored dimensions and incomplete regions
    take no part (they move neither ideal nor anti-ideal).
    """
    imputed = np.where(present, scores, arithmetic[:, :, dimension_of]) if any_missing else scores
    dim_scores = np.empty_like(arithmetic)
    for d in range(arithmetic.shape[-1]):
        cols = np.nonzero(dimension_of == d)[0]
        dim_scores[:, :, d] = 100.0 * topsis_batch(imputed[:, :, cols], within[:, cols], rows=scored[:, :, d])
    index = 100.0 * topsis_batch(imputed, weights, rows=complete)
    return dim_scores, index


def effective_weights(scores: FloatArray, weights: FloatArray, dimension_of: IntArray,
                      result: Aggregate) -> FloatArray:
    """(B, R, I) weight each indicator carries in a region's index after re-weighting (0 if missing)."""
    coverage = result.dimension_present[:, :, dimension_of]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isnan(scores), 0.0, weights[:, None, :] / coverage)


def contributions(scores: FloatArray, effective: FloatArray, index: FloatArray, method: str,
                  floor: float) -> FloatArray:
    """(B, R, I) points of the index attributed to each indicator; they sum to the index.

    Arithmetic: ω·s exactly. Geometric: the index split by shares of ω·ln(max(s, floor) / floor), each
    indicator's part of how far the index rises above the floor (ln s̃ for the default floor of 1). TOPSIS
    (not additive): the index split by shares of ω·s.
    """
    filled = np.nan_to_num(scores, nan=0.0)
    terms = effective * (np.log(np.maximum(filled, floor) / floor) if method == "geometric" else filled)
    if method == "arithmetic":
        return np.where(np.isnan(index)[..., None], np.nan, terms)
    total = terms.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, terms / total, effective)
    return index[..., None] * shares
