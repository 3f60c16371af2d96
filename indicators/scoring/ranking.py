"""Ranks along the last axis of an array, vectorised (sorts over whole blocks of rows, never a loop over one row).

NaN is "not ranked": it gets rank NaN and does not affect the ranks of the others. Equal values get one rank
whatever order the sort leaves them in, so the sorts need not be stable (numpy's default sort is three times
faster than its stable one on the sensitivity analysis's thousands of rankings, and it sorts NaN to the end
slowly: the sort sees +inf instead).
"""

from __future__ import annotations

import numpy as np

from .arrays import BoolArray, FloatArray, IntArray


def _block_starts(sorted_keys: FloatArray | IntArray, extra_breaks: BoolArray | None = None) -> IntArray:
    """Position (along the last axis) at which each element's run of equal keys starts."""
    n = sorted_keys.shape[-1]
    breaks = np.ones(sorted_keys.shape, dtype=bool)
    breaks[..., 1:] = sorted_keys[..., 1:] != sorted_keys[..., :-1]
    if extra_breaks is not None:
        breaks |= extra_breaks
    pos = np.broadcast_to(np.arange(n), sorted_keys.shape)
    return np.maximum.accumulate(np.where(breaks, pos, 0), axis=-1)


def _group_breaks(sorted_groups: IntArray) -> BoolArray:
    breaks = np.ones(sorted_groups.shape, dtype=bool)
    breaks[..., 1:] = sorted_groups[..., 1:] != sorted_groups[..., :-1]
    return breaks


def competition_rank(values: FloatArray, groups: IntArray | None = None) -> FloatArray:
    """Standard competition ranks ("1224", pandas ``method="min"``), highest value = rank 1.

    Ranks run along the last axis, separately for every leading index. With `groups` (integer codes
    along the last axis, -1 = no group) ranks restart within each group; elements without a group are
    not ranked. Returns floats with NaN where not ranked.
    """
    values = np.asarray(values, dtype=float)
    if groups is None:
        return _competition_rank_ungrouped(values)
    keys = -values
    groups = np.broadcast_to(np.asarray(groups), values.shape)
    order = np.lexsort((keys, groups), axis=-1)
    sorted_keys = np.take_along_axis(keys, order, axis=-1)
    sorted_groups = np.take_along_axis(groups, order, axis=-1)
    group_breaks = _group_breaks(sorted_groups)
    group_starts = _block_starts(sorted_groups)
    ranks_sorted = (_block_starts(sorted_keys, group_breaks) - group_starts) + 1.0
    ranks_sorted[np.isnan(sorted_keys) | (sorted_groups < 0)] = np.nan
    ranks = np.empty_like(ranks_sorted)
    np.put_along_axis(ranks, order, ranks_sorted, axis=-1)
    return ranks


BLOCK_ELEMENTS = 1 << 20
"""Elements ranked at once by `_competition_rank_ungrouped` (a few hundred rankings of a national period)."""


def _competition_rank_ungrouped(values: FloatArray) -> FloatArray:
    """`competition_rank` without groups, by the cheapest path numpy offers for the sensitivity analysis's
    twenty million ranks: rows in blocks of about `BLOCK_ELEMENTS` (each step's temporaries then stay in the cache
    and reuse the allocator's memory, where whole-matrix temporaries of 160 MB spent more time faulting their pages
    in than sorting: 2.0 s → 1.0 s), the sorted keys from `np.sort` (SIMD, faster than gathering them by the
    permutation), ranks counted in 32-bit integers and one flat scatter back through the permutation (faster than
    `put_along_axis`). The permutation's order within a run of equal keys does not matter: they share its first
    position."""
    n = values.shape[-1]
    ranks = np.empty(values.shape, dtype=float)
    if values.size == 0:
        return ranks
    rows, flat_ranks = values.reshape(-1, n), ranks.reshape(-1, n)
    step = max(1, BLOCK_ELEMENTS // n)
    positions = np.arange(1, n + 1, dtype=np.int32)
    for start in range(0, rows.shape[0], step):
        flat_ranks[start:start + step] = _block_ranks(rows[start:start + step], positions)
    return ranks


def _block_ranks(values: FloatArray, positions: IntArray) -> FloatArray:
    unranked = np.isnan(values)
    keys = np.negative(values)
    keys[unranked] = np.inf
    rows, n = keys.shape
    order = np.argsort(keys, axis=-1)
    keys.sort(axis=-1)
    starts = np.empty(keys.shape, dtype=np.int32)
    starts[:, 0] = 1
    np.multiply(keys[:, 1:] != keys[:, :-1], positions[1:], out=starts[:, 1:])
    np.maximum.accumulate(starts, axis=-1, out=starts)
    order += (np.arange(rows) * n)[:, None]
    ranks = np.empty((rows, n), dtype=float)
    ranks.reshape(-1)[order.ravel()] = starts.ravel()
    ranks[unranked] = np.nan
    return ranks


def average_rank(values: FloatArray) -> FloatArray:
    """Ascending ranks with ties averaged (pandas ``rank(method="average")``) along the last axis."""
    values = np.asarray(values, dtype=float)
    n = values.shape[-1]
    order = np.argsort(values, axis=-1)
    sorted_values = np.take_along_axis(values, order, axis=-1)
    starts = _block_starts(sorted_values)
    ends_break = np.ones(sorted_values.shape, dtype=bool)
    ends_break[..., :-1] = sorted_values[..., 1:] != sorted_values[..., :-1]
    pos = np.broadcast_to(np.arange(n), sorted_values.shape)
    ends = np.flip(np.minimum.accumulate(np.flip(np.where(ends_break, pos, n - 1), -1), axis=-1), -1)
    ranks_sorted = (starts + ends) / 2.0 + 1.0
    ranks_sorted[np.isnan(sorted_values)] = np.nan
    ranks = np.empty_like(ranks_sorted)
    np.put_along_axis(ranks, order, ranks_sorted, axis=-1)
    return ranks
