"""The result DataFrames, built from (period, region, …) arrays without a Python loop over rows."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from .aggregate import Aggregate
from .arrays import BoolArray, FloatArray, IntArray, ObjectArray
from .cube import Cube, parent_codes
from .framework import Framework
from .groups import Groups, membership, ranks_within
from .keys import Parents
from .ranking import competition_rank

ScalarT = TypeVar("ScalarT", bound=np.generic)


def rank_basis(values: FloatArray, decimals: int | None) -> FloatArray:
    """The values ranks are computed on: rounded to `decimals` when the framework says so."""
    return values if decimals is None else np.round(values, decimals)


def _change(index: FloatArray) -> FloatArray:
    """Index minus the same region's index in its latest earlier period that has one."""
    n_periods = index.shape[0]
    valid_at = np.where(~np.isnan(index), np.arange(n_periods)[:, None], -1)
    latest = np.maximum.accumulate(valid_at, axis=0)
    previous = np.vstack([np.full((1, index.shape[1]), -1), latest[:-1]])
    before = np.take_along_axis(index, np.maximum(previous, 0), axis=0)
    return np.where(previous >= 0, index - before, np.nan)


def _levels(fw: Framework, index: FloatArray, dimension_scores: FloatArray) -> tuple[IntArray, BoolArray, ObjectArray]:
    """Level and label of the highest band whose min_score the index reaches and whose gates every dimension
    score (P, R, D) meets, and where there is none."""
    if not fw.band_min.size:
        return np.zeros(index.shape, dtype=int), np.ones(index.shape, dtype=bool), np.full(index.shape, None)
    reached = index[None] >= fw.band_min[:, None, None]
    if fw.band_gates.any():
        reached &= (dimension_scores[None] >= fw.band_gates[:, None, None, :]).all(axis=-1)
    position: IntArray = len(fw.band_min) - 1 - np.argmax(reached[::-1], axis=0)
    missing: BoolArray = ~reached.any(axis=0) | np.isnan(index)
    safe = np.maximum(position, 0)
    labels = np.array(fw.band_label, dtype=object)[safe]
    # numpy stubs: None is not ArrayLike, yet it is a valid value for an object array.
    return fw.band_level[safe], missing, np.where(missing, None, labels)  # type: ignore[call-overload]


def nullable_int(values: FloatArray | IntArray, missing: BoolArray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype("int64"), missing)


def categorical(codes: IntArray, labels: pd.Index) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(labels), validate=False)


class Frames:
    """Builds the result DataFrames from (P, R, …) arrays, keeping only the region–periods seen."""

    def __init__(self, fw: Framework, cube: Cube) -> None:
        self.fw, self.cube = fw, cube
        n_periods, n_regions = cube.seen.shape
        self.all_seen = bool(cube.seen.all())
        self.pairs = np.arange(n_periods * n_regions) if self.all_seen else np.nonzero(cube.seen.ravel())[0]
        self.period_of, self.region_of = np.divmod(self.pairs, n_regions)
        self.indicator_labels = pd.Index(fw.codes)
        self.dimension_labels = pd.Index(fw.dimension_codes)

    def rows(self, array: npt.NDArray[ScalarT]) -> npt.NDArray[ScalarT]:
        """(P, R, ...) → (pairs × ..., ) flat, seen pairs only."""
        flat = array.reshape(-1, *array.shape[2:])
        return (flat if self.all_seen else flat[self.pairs]).reshape(-1)

    def keys(self, per_pair: int) -> dict[str, object]:
        return {
            "region": categorical(np.repeat(self.region_of, per_pair), self.cube.regions),
            "period": self.cube.periods.take(np.repeat(self.period_of, per_pair)),
        }

    def parent_column(self, parent_of: IntArray, labels: pd.Index) -> pd.Categorical:
        return categorical(parent_of[self.region_of], labels)

    def indicators(self, scores: FloatArray, effective: FloatArray, contribution: FloatArray, gap: FloatArray
                   ) -> pd.DataFrame:
        n_ind = len(self.fw.codes)
        n_pairs = len(self.pairs)
        return pd.DataFrame({
            **self.keys(n_ind),
            "indicator": categorical(np.tile(np.arange(n_ind), n_pairs), self.indicator_labels),
            "dimension": categorical(np.tile(self.fw.dimension_of, n_pairs), self.dimension_labels),
            "value": self.rows(self.cube.values),
            "score": self.rows(scores),
            "weight": self.rows(effective),
            "contribution": self.rows(contribution),
            "gap": self.rows(gap),
        }, copy=False)

    def dimensions(self, result: Aggregate) -> pd.DataFrame:
        n_dims = len(self.fw.dimension_codes)
        basis = rank_basis(np.moveaxis(result.dimension_scores, 2, 1), self.fw.spec.rank_decimals)
        ranks = np.moveaxis(competition_rank(basis), 1, 2)
        weights = np.broadcast_to(result.dimension_weights[:, None, :], result.dimension_scores.shape)
        rank = self.rows(ranks)
        return pd.DataFrame({
            **self.keys(n_dims),
            "dimension": categorical(np.tile(np.arange(n_dims), len(self.pairs)), self.dimension_labels),
            "score": self.rows(result.dimension_scores),
            "coverage": self.rows(result.dimension_coverage),
            "weight": self.rows(np.ascontiguousarray(weights)),
            "rank": nullable_int(rank, np.isnan(rank)),
        })

    def index(self, result: Aggregate, parents: Parents | None) -> pd.DataFrame:
        fw, index = self.fw, result.index
        basis = rank_basis(index, fw.spec.rank_decimals)
        parent_of, parent_labels = parent_codes(parents, self.cube.regions)
        level, no_level, label = _levels(fw, index, result.dimension_scores)
        rank = self.rows(competition_rank(basis))
        parent_rank = self.rows(competition_rank(basis, parent_of))
        return pd.DataFrame({
            **self.keys(1),
            "index": self.rows(index),
            "level": nullable_int(self.rows(level), self.rows(no_level)),
            "label": pd.Series(self.rows(label), dtype=object),
            "rank": nullable_int(rank, np.isnan(rank)),
            "parent": self.parent_column(parent_of, parent_labels),
            "parent_rank": nullable_int(parent_rank, np.isnan(parent_rank)),
            "change": self.rows(_change(index)),
            "complete": self.rows(result.complete),
            "coverage": self.rows(result.coverage),
        })

    def group_ranks(self, index: FloatArray, groups: Groups | None) -> pd.DataFrame:
        """One row per seen region–period per group the region is a member of (period, region, group order)."""
        labels, member = membership(groups, self.cube.regions)
        ranks = ranks_within(rank_basis(index, self.fw.spec.rank_decimals), member)
        rows = member[None, :, :] & self.cube.seen[:, None, :]
        period, region, group = np.nonzero(np.moveaxis(rows, 1, 2))
        rank = ranks[period, group, region]
        return pd.DataFrame({
            "region": categorical(region, self.cube.regions),
            "period": self.cube.periods.take(period),
            "group": categorical(group, labels),
            "rank": nullable_int(rank, np.isnan(rank)),
        })

    def weights(self, weights: FloatArray) -> pd.DataFrame:
        n_periods, n_ind = weights.shape
        return pd.DataFrame({
            "period": self.cube.periods.take(np.repeat(np.arange(n_periods), n_ind)),
            "indicator": categorical(np.tile(np.arange(n_ind), n_periods), self.indicator_labels),
            "dimension": categorical(np.tile(self.fw.dimension_of, n_periods), self.dimension_labels),
            "weight": weights.reshape(-1),
        })
