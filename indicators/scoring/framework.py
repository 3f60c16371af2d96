"""A FrameworkSpec checked and turned into the per-indicator arrays the vectorised engine works with."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import BoolArray, FloatArray, IntArray, ObjectArray
from .normalise import check_parameters
from .spec import (
    AGGREGATIONS,
    DIRECTIONS,
    NORMALISATIONS,
    REGION_LEVELS,
    WEIGHTINGS,
    DimensionSpec,
    FrameworkSpec,
    IndicatorSpec,
)


@dataclass(frozen=True)
class Framework:
    spec: FrameworkSpec
    codes: tuple[str, ...]
    """Indicator codes in spec order: the indicator axis of every array."""
    dimension_codes: tuple[str, ...]
    dimension_of: IntArray
    """(I,) position of each indicator's dimension in `dimension_codes`."""
    higher: BoolArray
    methods: ObjectArray
    lower: FloatArray
    upper: FloatArray
    target: FloatArray
    band_min: FloatArray
    band_level: IntArray
    band_label: tuple[str, ...]
    band_gates: FloatArray
    """(bands, D) least score of each dimension per band, in `band_min`'s order (0: no gate)."""
    applies_at: BoolArray
    """(len(REGION_LEVELS), I) whether each indicator is assessed at each region level."""


def _float(value: float | None) -> float:
    return np.nan if value is None else float(value)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(f"framework spec: {message}")


def _duplicates(codes: list[str]) -> list[str]:
    return sorted({c for c in codes if codes.count(c) > 1})


def _check_pairwise(matrix: tuple[tuple[float, ...], ...] | None, size: int, what: str) -> None:
    if matrix is not None:
        shape = np.shape(matrix)
        _check(shape == (size, size), f"{what} pairwise matrix must be {size}×{size}, got {shape}")


def compile_spec(spec: FrameworkSpec) -> Framework:
    """Validate `spec` (raising ValueError that names the offending field) and compile it."""
    dims = [d.code for d in spec.dimensions]
    codes = [i.code for i in spec.indicators]
    _check(bool(dims) and bool(codes), "needs at least one dimension and one indicator")
    _check(not _duplicates(dims), f"duplicate dimension codes {_duplicates(dims)}")
    _check(not _duplicates(codes), f"duplicate indicator codes {_duplicates(codes)}")
    _check(spec.aggregation in AGGREGATIONS, f"aggregation must be one of {AGGREGATIONS}")
    _check(spec.weighting in WEIGHTINGS, f"weighting must be one of {WEIGHTINGS}")
    _check(0.0 <= spec.min_share <= 1.0, "min_share must lie in [0, 1]")
    _check(0.0 <= spec.combine_alpha <= 1.0, "combine_alpha must lie in [0, 1]")
    _check(0.0 < spec.geometric_floor <= 100.0, "geometric_floor must lie in (0, 100]")
    _check(spec.rank_decimals is None or spec.rank_decimals >= 0, "rank_decimals must be ≥ 0")
    orphans = [i.code for i in spec.indicators if i.dimension not in dims]
    _check(not orphans, f"indicators {orphans} belong to no dimension of the spec")
    empty = [d for d in dims if all(i.dimension != d for i in spec.indicators)]
    _check(not empty, f"dimensions {empty} have no indicator")
    weighted: tuple[DimensionSpec | IndicatorSpec, ...] = (*spec.dimensions, *spec.indicators)
    for item in weighted:
        _check(np.isfinite(item.weight) and item.weight >= 0, f"{item.code}: weight must be ≥ 0 and finite")
    for indicator in spec.indicators:
        _check(indicator.applies_to is None or (bool(indicator.applies_to) and set(indicator.applies_to)
                                                 <= set(REGION_LEVELS)),
               f"{indicator.code}: applies_to must name levels among {REGION_LEVELS}")
        _check(indicator.direction in DIRECTIONS, f"{indicator.code}: direction must be one of {DIRECTIONS}")
        _check(indicator.normalisation.method in NORMALISATIONS,
               f"{indicator.code}: normalisation must be one of {NORMALISATIONS}")
    _check_pairwise(spec.dimension_pairwise, len(dims), "the dimensions'")
    for dim in spec.dimensions:
        _check_pairwise(dim.pairwise, sum(i.dimension == dim.code for i in spec.indicators),
                        f"dimension {dim.code!r}")

    methods = np.array([i.normalisation.method for i in spec.indicators], dtype=object)
    higher = np.array([i.direction == "higher" for i in spec.indicators])
    lower = np.array([_float(i.normalisation.lower) for i in spec.indicators])
    upper = np.array([_float(i.normalisation.upper) for i in spec.indicators])
    target = np.array([_float(i.normalisation.target) for i in spec.indicators])
    for method in set(methods):
        columns = np.nonzero(methods == method)[0]
        check_parameters(method, higher[columns], lower[columns], upper[columns], target[columns],
                         [codes[j] for j in columns])
    for band in spec.bands:
        for code, least in band.gates:
            _check(code in dims, f"band {band.level}: the gate names {code!r}, not a dimension of the spec")
            _check(0.0 <= least <= 100.0, f"band {band.level}: the gate of {code} must lie in [0, 100]")
    bands = sorted(spec.bands, key=lambda b: b.min_score)
    return Framework(
        spec=spec,
        codes=tuple(codes),
        dimension_codes=tuple(dims),
        dimension_of=np.array([dims.index(i.dimension) for i in spec.indicators]),
        higher=higher,
        methods=methods,
        lower=lower,
        upper=upper,
        target=target,
        band_min=np.array([b.min_score for b in bands], dtype=float),
        band_level=np.array([b.level for b in bands], dtype=int),
        band_label=tuple(b.label for b in bands),
        band_gates=np.array([[dict(b.gates).get(d, 0.0) for d in dims] for b in bands], dtype=float).reshape(
            len(bands), len(dims)),
        applies_at=np.array([[i.applies_to is None or level in i.applies_to for i in spec.indicators]
                             for level in REGION_LEVELS]),
    )
