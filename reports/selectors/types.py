"""What the reads of `reports.selectors` return (frozen dataclasses, each field documented where it is declared)
and the error they raise."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from smartgov.errors import DomainError, ErrorCode


class NoResult(DomainError):
    """The cycle has no current scores, or the region has no result in them."""

    code = ErrorCode.NO_RESULT


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share


class _Weighted:
    """A row with a `weight` (a share, 0–1), which print shows in per cent."""

    weight: float | None
    """A dataclass field of each subclass (only annotated here: `_Weighted` is no dataclass)."""

    @property
    def weight_pct(self) -> float | None:
        """`weight` in per cent."""
        return _percent(self.weight)


@dataclass(frozen=True)
class Named:
    """A region or a dimension, by code and name."""

    code: str
    """Region code (e.g. "330000") or dimension code (e.g. "RS")."""
    name: str
    """Name in the active language."""


@dataclass(frozen=True)
class Band:
    """A maturity level of a framework."""

    level: int
    """1 (lowest) up."""
    min_score: float
    """The lowest index (0–100) of the level."""
    label: str
    """The level's name in the active language."""


@dataclass(frozen=True)
class RegionResult:
    """A region's overall result in a cycle (as stored on its `RegionScore`)."""

    code: str
    """Region code, e.g. "330100"."""
    name: str
    """Name in the active language."""
    province: str | None
    """Name of the region's parent (None for a region without one)."""
    index: float | None
    """0–100; None when too few indicators were reported (not complete)."""
    level: int | None
    """Maturity level; None when the index is None."""
    level_label: str | None
    """Name of the level in the active language."""
    rank: int | None
    """Rank among every region scored in the cycle (1 best); None when not complete."""
    parent_rank: int | None
    """Rank within the province."""
    change: float | None
    """Index points since the region's previous scored period; None without one."""
    complete: bool
    """Whether enough of the weight was reported to compute the index."""
    coverage: float
    """Share (0–1) of the overall weight present."""
    rank_median: float | None
    """Median rank under the uncertainty analysis."""
    rank_low: float | None
    """5th percentile of the rank under the uncertainty analysis."""
    rank_high: float | None
    """95th percentile of the rank under the uncertainty analysis."""


@dataclass(frozen=True)
class CityResult(RegionResult):
    """A city's result, as its report shows it."""

    period: int
    """The cycle's period (year)."""
    regions_ranked: int
    """Regions ranked in the cycle (for “rank 3 of 45”)."""
    province_regions_ranked: int
    """Regions of the province ranked within it."""


@dataclass(frozen=True)
class BestRegion:
    """The best region of the cycle (highest index; the first by code when several share it): the one gaps are
    measured against."""

    code: str
    """Region code."""
    name: str
    """Name in the active language."""
    index: float
    """Its index, 0–100."""


@dataclass(frozen=True)
class DimensionRow(_Weighted):
    """A dimension of a city's report."""

    code: str
    """Dimension code, e.g. "RS"."""
    name: str
    """Name in the active language."""
    weight: float
    """The dimension's weight in the framework (0–1)."""
    score: float | None
    """The city's score, 0–100."""
    rank: int | None
    """The city's rank on the dimension among every region scored."""
    province_mean: float | None
    """Mean score of the province's regions scored in the cycle, this one included."""
    best: float | None
    """The best region's score (mean of them if several share the highest index)."""


@dataclass(frozen=True)
class IndicatorRow(_Weighted):
    """An indicator of a city's report, in framework order."""

    code: str
    """Indicator code, e.g. "RS01"."""
    name: str
    """Name in the active language."""
    dimension: str
    """Code of the indicator's dimension."""
    dimension_name: str
    """Name of the indicator's dimension."""
    unit: str
    """Unit of the raw value, in the active language ("" when none)."""
    direction: str
    """`Indicator.Direction` value: whether higher or lower raw values are better."""
    value: float | None
    """The raw value reported (None when missing)."""
    score: float | None
    """Normalised score, 0–100."""
    weight: float | None
    """Effective overall weight ω (0–1)."""
    contribution: float | None
    """Points of the index."""
    gap: float | None
    """Points of the index lost against the best region."""
    province_mean: float | None
    """Mean score of the province's regions, this one included."""
    best_score: float | None
    """The best region's score (mean of them if several share the highest index)."""


@dataclass(frozen=True)
class Standout:
    """An indicator on which a city stands out from its province: a strength or a weakness."""

    code: str
    """Indicator code."""
    name: str
    """Name in the active language."""
    dimension: str
    """Code of the indicator's dimension."""
    dimension_name: str
    """Name of the indicator's dimension."""
    score: float
    """The city's score, 0–100."""
    province_mean: float | None
    """Mean score of the province's regions, this one included."""
    difference: float
    """score − province_mean (0 when there is no province mean)."""


@dataclass(frozen=True)
class Priority(_Weighted):
    """An indicator on which a city loses points of its index against the best region."""

    code: str
    """Indicator code."""
    name: str
    """Name in the active language."""
    dimension: str
    """Code of the indicator's dimension."""
    dimension_name: str
    """Name of the indicator's dimension."""
    score: float | None
    """The city's score, 0–100."""
    best_score: float | None
    """The best region's score."""
    weight: float | None
    """Effective overall weight ω (0–1)."""
    contribution: float | None
    """Points of the index."""
    gap: float
    """Points of the index lost against the best region (> 0)."""


@dataclass(frozen=True)
class TrendPoint:
    """A city's result in one period of the framework."""

    period: int
    """The cycle's period (year)."""
    index: float | None
    """The city's index then, 0–100 (None when not complete)."""
    level: int | None
    """Maturity level then."""
    level_label: str | None
    """Name of the level in that cycle's framework version."""
    is_demo: bool
    """Whether that cycle holds demo data."""


@dataclass(frozen=True)
class MethodDimension(_Weighted):
    """A dimension of the framework, for the method appendix."""

    code: str
    """Dimension code."""
    name: str
    """Name in the active language."""
    weight: float
    """The dimension's weight (0–1)."""


@dataclass(frozen=True)
class MethodIndicator(_Weighted):
    """An indicator of the framework, for the method appendix."""

    code: str
    """Indicator code."""
    name: str
    """Name in the active language."""
    dimension: str
    """Code of the indicator's dimension."""
    normalisation: str
    """Label of the normalisation method, in the active language."""
    direction: str
    """Label of the direction (higher or lower is better), in the active language."""
    weight: float
    """Weight within the dimension (0–1)."""


@dataclass(frozen=True)
class Uncertainty:
    """The settings of the run's uncertainty analysis (both None when it ran without one)."""

    draws: int | None
    """Recomputations with varied weights and normalisation."""
    weight_range: float | None
    """The largest relative change of a weight (0–1)."""


@dataclass(frozen=True)
class MethodSummary:
    """How the scores were computed: the framework and the run's settings."""

    code: str
    """The framework's code."""
    name: str
    """The framework's name in the active language."""
    version: int
    """The framework's version."""
    weighting: str
    """Label of the weighting method, in the active language."""
    aggregation: str
    """Label of the aggregation method, in the active language."""
    min_share: float
    """The least share (0–1) of the weight that must be present for an index."""
    dimensions: tuple[MethodDimension, ...]
    """The framework's dimensions in order."""
    indicators: tuple[MethodIndicator, ...]
    """The framework's indicators in order."""
    uncertainty: Uncertainty
    """The settings of the run's uncertainty analysis."""
    computed_at: datetime.datetime | None
    """When the run finished."""

    @property
    def min_share_pct(self) -> float | None:
        """`min_share` in per cent."""
        return _percent(self.min_share)

    @property
    def weight_range_pct(self) -> float | None:
        """`uncertainty.weight_range` in per cent."""
        return _percent(self.uncertainty.weight_range)


@dataclass(frozen=True)
class CityReport:
    """Everything a city's dashboard or report shows (`city_report`)."""

    result: CityResult
    """The city's overall result."""
    best_region: BestRegion | None
    """None when no region of the cycle has an index."""
    dimensions: tuple[DimensionRow, ...]
    """In framework order."""
    indicators: tuple[IndicatorRow, ...]
    """In framework order."""
    strengths: tuple[Standout, ...]
    """The 3 indicators whose score is furthest above the province mean (ties by score); with no other city in
    the province every difference is 0 and these are the highest scores. Never shares one with `weaknesses`."""
    weaknesses: tuple[Standout, ...]
    """The 3 indicators furthest below the province mean (or the lowest scores)."""
    priorities: tuple[Priority, ...]
    """Up to 5 indicators with a positive gap, largest gap first."""
    trend: tuple[TrendPoint, ...]
    """One point per period of the cycles of the same framework code with a current run, up to this cycle's."""
    bands: tuple[Band, ...]
    """The maturity levels of the cycle's framework, lowest first."""
    framework: MethodSummary
    """How the scores were computed."""
    is_demo: bool
    """Whether the cycle holds demo data."""


@dataclass(frozen=True)
class CityRow(RegionResult):
    """A region's result in a `ScopeReport`."""

    province_code: str | None
    """Code of the region's parent (None for a region without one)."""
    previous: float | None
    """index − change: the index of the region's previous scored period."""
    dimensions: Mapping[str, float | None]
    """Dimension code → score, in framework order."""


@dataclass(frozen=True)
class LevelCount:
    """How many regions of a `ScopeReport` are at a maturity level."""

    level: int | None
    """None for the regions without a level (incomplete data)."""
    label: str
    """The level's name, or “Not rated”."""
    min_score: float | None
    """The lowest index of the level (None for “Not rated”)."""
    count: int
    """Regions at the level."""


@dataclass(frozen=True)
class DimensionStats:
    """A dimension's scores over the regions of a `ScopeReport` (statistics None when none is scored)."""

    code: str
    """Dimension code."""
    name: str
    """Name in the active language."""
    count: int
    """Regions with the dimension scored."""
    mean: float | None
    """Mean score."""
    median: float | None
    """Median score."""
    min: float | None
    """Lowest score."""
    max: float | None
    """Highest score."""


@dataclass(frozen=True)
class ScopeReport:
    """The results of a set of regions (`scope_report`)."""

    cities: tuple[CityRow, ...]
    """Sorted by rank, unranked last, then by code."""
    level_counts: tuple[LevelCount, ...]
    """One per band in order, then one with level None if any region has no level."""
    dimension_stats: tuple[DimensionStats, ...]
    """In framework order."""
    best: CityRow | None
    """The first of `cities` if it is ranked."""
    dimensions: tuple[Named, ...]
    """The framework's dimensions in order."""
    provinces: tuple[Named, ...]
    """The regions' parents, by code."""
    bands: tuple[Band, ...]
    """The maturity levels of the cycle's framework, lowest first."""
    period: int
    """The cycle's period (year)."""
    regions_ranked: int
    """Regions ranked in the whole cycle (for “rank 3 of 45”)."""
    is_demo: bool
    """Whether the cycle holds demo data."""


@dataclass(frozen=True)
class ProvinceReport(ScopeReport):
    """The results of a province's regions (`province_report`)."""

    province: Named
    """The province itself."""


@dataclass(frozen=True)
class ScopeSummary:
    """Key figures of a `ScopeReport` (`scope_summary`)."""

    count: int
    """Regions with a result."""
    ranked: int
    """Regions with an index."""
    mean: float | None
    """Mean index of the regions with one."""
    median_change: float | None
    """Median change of the index since the previous period, over the regions with one (with an even number of
    them, the mean of the two middle values)."""


@dataclass(frozen=True)
class IndicatorLabel:
    """An indicator of an `IndicatorMatrix`."""

    code: str
    """Indicator code."""
    name: str
    """Name in the active language."""
    dimension: str
    """Code of the indicator's dimension."""
    dimension_name: str
    """Name of the indicator's dimension."""


@dataclass(frozen=True)
class IndicatorMatrix:
    """Normalised indicator scores of regions (`indicator_matrix`)."""

    scores: pd.DataFrame
    """Index region codes, columns indicator codes in framework order, values 0–100 or NaN."""
    indicators: tuple[IndicatorLabel, ...]
    """In framework order."""
    regions: Mapping[str, str]
    """Region code → name."""

