"""Plain description of a scoring method, independent of Django.

`indicators.services.framework_spec()` builds one of these from a stored Framework; a notebook or a
benchmark can build one by hand. Every weight is keyed by indicator or dimension code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NORMALISATIONS = ("minmax_observed", "minmax_fixed", "target", "zscore", "percentile", "log_minmax")
DIRECTIONS = ("higher", "lower")
AGGREGATIONS = ("arithmetic", "geometric", "topsis")
WEIGHTINGS = ("expert", "equal", "ahp", "entropy", "combined")
GEOMETRIC_FLOOR = 1.0
"""The default floor of the geometric mean (`FrameworkSpec.geometric_floor`)."""


@dataclass(frozen=True)
class NormalisationSpec:
    """How raw values of one indicator become 0–100 scores.

    `lower`/`upper` are the fixed goalposts of ``minmax_fixed`` (and the cap of ``target``);
    `target` is the value at which ``target`` scores 100.
    """

    method: str = "minmax_observed"
    lower: float | None = None
    upper: float | None = None
    target: float | None = None


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    dimension: str
    weight: float
    direction: str = "higher"
    normalisation: NormalisationSpec = field(default_factory=NormalisationSpec)


@dataclass(frozen=True)
class DimensionSpec:
    code: str
    weight: float
    pairwise: tuple[tuple[float, ...], ...] | None = None
    """AHP pairwise comparison of this dimension's indicators, in the order of `indicators`."""


@dataclass(frozen=True)
class BandSpec:
    level: int
    min_score: float
    label: str = ""


@dataclass(frozen=True)
class FrameworkSpec:
    code: str
    version: int
    dimensions: tuple[DimensionSpec, ...]
    indicators: tuple[IndicatorSpec, ...]
    bands: tuple[BandSpec, ...] = ()
    aggregation: str = "arithmetic"
    geometric_floor: float = GEOMETRIC_FLOOR
    """Geometric aggregation raises scores below this (0–100 points, > 0) to it, so that one zero does not zero
    the index (docs/scoring.md §6.2)."""
    weighting: str = "expert"
    entropy_standardise: bool = True
    """Entropy weights on min-max standardised values (Chinese practice) rather than on raw values."""
    combine_alpha: float = 0.5
    """Share of the subjective (expert/AHP) weight when `weighting` is ``combined``."""
    min_share: float = 0.75
    """Least share of a dimension's indicator weight that must be present for a score."""
    rank_decimals: int | None = None
    """Round the index to this many decimals before ranking (published indices rank rounded values)."""
    dimension_pairwise: tuple[tuple[float, ...], ...] | None = None
    """AHP pairwise comparison of the dimensions, in the order of `dimensions`."""
