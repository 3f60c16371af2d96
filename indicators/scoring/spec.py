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
TREATMENTS = ("none", "winsorise", "log")
WEIGHT_LEVELS = ("indicator", "dimension")
REGION_LEVELS = ("province", "prefecture", "county")
"""The levels of the regions assessed, which an indicator's `applies_to` names."""
MONTE_CARLO_NORMALISATIONS = ("spec", "minmax_observed", "zscore", "percentile")
"""The normalisations the rank intervals vary over when a framework declares no uncertain inputs ("spec" stands
for each indicator's own method)."""


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
class OutlierRule:
    """COINr's rule: outliers when |skew| ≥ `skew` and kurtosis ≥ `kurtosis` (excess kurtosis)."""

    skew: float = 2.0
    kurtosis: float = 3.5


@dataclass(frozen=True)
class OutlierTreatment:
    """What to do, before normalisation, with an indicator whose values fail the rule in a period."""

    method: str = "none"
    max_points: int = 5
    """``winsorise``: most values of the indicator moved in one period."""


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    dimension: str
    weight: float
    direction: str = "higher"
    normalisation: NormalisationSpec = field(default_factory=NormalisationSpec)
    outliers: OutlierTreatment = field(default_factory=OutlierTreatment)
    applies_to: tuple[str, ...] | None = None
    """The region levels the indicator is assessed at (`REGION_LEVELS`); None: every level. Elsewhere it is left
    out, and its dimension is scored on the indicators that apply (docs/scoring.md §6)."""


@dataclass(frozen=True)
class UncertainInputs:
    """The modelling choices that vary in a sensitivity analysis; an input left at its default is not uncertain
    (and not sampled).

    `normalisations` may name ``"spec"`` for each indicator's own method; `aggregations` are from
    `AGGREGATIONS`. `outliers` toggles the outlier treatment: on, every indicator is treated as the framework
    declares it or, where it declares none, with this treatment (method ``none``: the declared ones only); off,
    none is. A declared input with one level (or a weight range of 0) is sampled but cannot move a rank: its
    indices are 0.
    """

    weight_range: float | None = 0.2
    weight_level: str = "indicator"
    normalisations: tuple[str, ...] = ()
    aggregations: tuple[str, ...] = ()
    imputation: bool = False
    outliers: OutlierTreatment | None = None
    exclusion: bool = False

    def names(self) -> tuple[str, ...]:
        declared = (("weights", self.weight_range is not None), ("normalisation", bool(self.normalisations)),
                    ("aggregation", bool(self.aggregations)), ("imputation", self.imputation),
                    ("outliers", self.outliers is not None), ("exclusion", self.exclusion))
        return tuple(name for name, on in declared if on)

    def check(self) -> None:
        if self.weight_range is not None and not 0.0 <= self.weight_range < 1.0:
            raise ValueError("weight_range must lie in [0, 1)")
        if self.weight_level not in WEIGHT_LEVELS:
            raise ValueError(f"weight_level must be one of {WEIGHT_LEVELS}")
        bad = [m for m in self.normalisations if m != "spec" and m not in NORMALISATIONS]
        bad += [a for a in self.aggregations if a not in AGGREGATIONS]
        if bad:
            raise ValueError(f"unknown normalisation or aggregation alternatives: {', '.join(bad)}")
        if self.outliers is not None and self.outliers.method not in TREATMENTS:
            raise ValueError(f"unknown outlier treatment {self.outliers.method!r}")
        if not self.names():
            raise ValueError("declare at least one uncertain input")


@dataclass(frozen=True)
class SensitivitySpec:
    """The framework's declared sensitivity analysis. Without a declaration the ranks' intervals vary every
    indicator's weight by ±20 % and the normalisation (the Monte Carlo analysis of earlier versions)."""

    inputs: UncertainInputs = field(default_factory=lambda: UncertainInputs(
        weight_range=0.2, normalisations=MONTE_CARLO_NORMALISATIONS))
    samples: int | None = None
    """Base samples N of the Saltelli design (a power of 2); None: the caller's default."""
    seed: int | None = None
    """None: the caller's default (a score run uses the cycle's period)."""


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
    gates: tuple[tuple[str, float], ...] = ()
    """(dimension code, least score) pairs the level also requires; a region whose index reaches `min_score`
    with a dimension below its gate takes the highest lower band whose gates it meets."""


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
    outlier_rule: OutlierRule = field(default_factory=OutlierRule)
    """When an indicator's values call for its declared outlier treatment."""
    sensitivity: SensitivitySpec = field(default_factory=SensitivitySpec)

    @property
    def treats_outliers(self) -> bool:
        return any(i.outliers.method != "none" for i in self.indicators)
