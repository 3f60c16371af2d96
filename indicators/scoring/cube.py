"""Tidy values (region, period, indicator, value) pivoted once into a (period, region, indicator) cube."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .arrays import BoolArray, FloatArray, IntArray
from .keys import Parents

COLUMNS = ("region", "period", "indicator", "value")


@dataclass(frozen=True)
class Cube:
    periods: pd.Index
    """Sorted period labels (the order in which `change` looks back)."""
    regions: pd.Index
    """Sorted region codes."""
    values: FloatArray
    """(P, R, I) raw values, NaN where missing; indicators in framework order."""
    seen: BoolArray
    """(P, R) the region has at least one row for the period; only these pairs are reported."""


def _codes(column: pd.Series, what: str, sort: bool = True) -> tuple[IntArray, pd.Index]:
    """Integer codes of a label column and its labels (sorted when `sort`).

    Categorical columns use their codes as they are; other columns are hashed once as a bare array,
    which is much faster than through the pandas string extension array.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, labels = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, labels = pd.factorize(column.to_numpy())
        labels = pd.Index(labels)
    if (codes < 0).any():
        raise ValueError(f"values: {int((codes < 0).sum())} rows have no {what}")
    if not sort:
        return codes, labels
    order = labels.argsort()
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[codes], labels.take(order)


def to_cube(values: pd.DataFrame, indicator_codes: Sequence[str]) -> Cube:
    missing = [c for c in COLUMNS if c not in values.columns]
    if missing:
        raise ValueError(f"values needs the columns {', '.join(COLUMNS)}; missing {', '.join(missing)}")
    if values.empty:
        raise ValueError("values is empty")
    region, regions = _codes(values["region"], "region")
    period, periods = _codes(values["period"], "period")
    ind_codes, ind_labels = _codes(values["indicator"], "indicator", sort=False)
    position = pd.Index(indicator_codes).get_indexer(ind_labels)
    used = np.bincount(ind_codes, minlength=len(ind_labels)) > 0
    unknown = sorted(str(label) for label, pos, u in zip(ind_labels, position, used, strict=True) if pos < 0 and u)
    if unknown:
        raise ValueError(f"values: indicator codes not in the framework: {', '.join(unknown)}")
    data = pd.to_numeric(values["value"], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(data).any():
        raise ValueError("values: infinite values (use NaN for missing)")
    n_p, n_r, n_i = len(periods), len(regions), len(indicator_codes)
    cell = (period * n_r + region) * n_i + position[ind_codes]
    counts = np.bincount(cell, minlength=n_p * n_r * n_i)
    if (counts > 1).any():
        dup = np.nonzero(counts[cell] > 1)[0][:5]
        listed = "; ".join(
            f"{regions[region[k]]}/{periods[period[k]]}/{indicator_codes[position[ind_codes[k]]]}" for k in dup)
        raise ValueError(f"values: more than one value for region/period/indicator {listed}")
    cube = np.full(n_p * n_r * n_i, np.nan)
    cube[cell] = data
    seen = np.zeros(n_p * n_r, dtype=bool)
    seen[period * n_r + region] = True
    return Cube(periods=periods, regions=regions, values=cube.reshape(n_p, n_r, n_i),
                seen=seen.reshape(n_p, n_r))


def parent_codes(parents: Parents | None, regions: pd.Index) -> tuple[IntArray, pd.Index]:
    """(R,) integer code of each region's parent (-1 when it has none) and the parent labels."""
    if parents is None:
        return np.full(len(regions), -1), pd.Index([], dtype=object)
    mapped = pd.Series(parents).reindex(regions)
    codes, labels = pd.factorize(mapped, sort=True)
    return codes, pd.Index(labels)
