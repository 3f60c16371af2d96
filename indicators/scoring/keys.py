"""Alignment of per-indicator parameters by code: weights are keyed by code, never by position."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from .arrays import GenericArray

Keyed: TypeAlias = pd.Series | Mapping[str, object]
"""Per-indicator parameters keyed by indicator code."""
Parents: TypeAlias = pd.Series | Mapping[str, str | None]
"""Region code → its parent region's code (None or absent: no parent)."""
Levels: TypeAlias = pd.Series | Mapping[str, str]
"""Region code → its level (`spec.REGION_LEVELS`; absent or another level: every indicator applies)."""
PerColumn: TypeAlias = Keyed | npt.ArrayLike | None
"""A scalar for every column, or one entry per column: keyed by code (a DataFrame) or by position (an array)."""


def _listing(codes: Sequence[object]) -> str:
    shown = ", ".join(repr(c) for c in list(codes)[:10])
    return shown + (f", … ({len(codes)} in all)" if len(codes) > 10 else "")


def as_keyed(values: Keyed, what: str) -> pd.Series:
    if isinstance(values, Mapping):
        values = pd.Series(dict(values))
    if not isinstance(values, pd.Series):
        raise TypeError(f"{what} must be a pandas Series (or mapping) keyed by indicator code")
    if values.index.has_duplicates:
        dups = values.index[values.index.duplicated()].unique()
        raise ValueError(f"{what}: duplicate codes {_listing(list(dups))}")
    return values


def align(values: Keyed, codes: Sequence[object], what: str) -> GenericArray:
    """The values of `values` in the order of `codes`; any missing or unexpected code is an error."""
    values = as_keyed(values, what)
    index = pd.Index(codes)
    missing = [c for c in index if c not in values.index]
    unexpected = [c for c in values.index if c not in index]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {_listing(missing)}")
        if unexpected:
            parts.append(f"unexpected {_listing(unexpected)}")
        raise ValueError(f"{what} do not match the indicator codes: " + "; ".join(parts))
    aligned: GenericArray = values.reindex(index).to_numpy()
    return aligned


def per_column(param: PerColumn, columns: Sequence[object] | None, k: int, what: str) -> GenericArray:
    """Broadcast a scalar, or align a per-column parameter: keyed by code when the columns have codes
    (a DataFrame), positional only for bare arrays."""
    if param is None or isinstance(param, str | int | float | np.number | bool | np.bool_):
        return np.full(k, param, dtype=object)
    if columns is not None:
        return align(param, columns, what)
    array = np.asarray(param, dtype=object)
    if array.shape != (k,):
        raise ValueError(f"{what} must be a scalar or have one entry per column ({k}), got shape {array.shape}")
    return array
