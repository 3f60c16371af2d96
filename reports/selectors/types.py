"""What the reads of `reports.selectors` return (frozen dataclasses, each field documented where it is declared)
and the error they raise."""

import datetime
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Cycle
from smartgov.errors import DomainError, ErrorCode
from smartgov.i18n import localised

from .provenance import ProvenanceShare


class NoResult(DomainError):
    """The cycle has no current scores, or the region has no result in them."""

    code = ErrorCode.NO_RESULT


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share


def _whole(rank: float) -> int:
    """A rank percentile as a whole rank, halves rounded up (2.5 → 3), as a reader rounds."""
    return math.floor(rank + 0.5)


class _Weighted:
    """A row with a `weight` (a share, 0–1), which print shows in per cent."""

    weight: float | None
    """A dataclass field of each subclass (only annotated here: `_Weighted` is no dataclass)."""

    @property
    def weight_pct(self) -> float | None:
        """`weight` in per cent."""
        return _percent(self.weight)


@dataclass(frozen=True)
class Version:
    """A publication of a cycle's results: version 1, then each revision."""

    version: int
    """1 for the publication, 2 and up for the revisions."""
    published_at: datetime.datetime
    """When it was published."""
    reason: str
    """Why it was revised ("" for version 1)."""


@dataclass(frozen=True)
class ResultStatus:
    """Which results a page or report shows and how far they are final (from `assessments.selectors.cycle_results`):
    a published version, or — before publication — the latest computation, provisional."""

    run: int
    """The id of the score run shown."""
    publication: Version | None
    """The version shown; None while the results are provisional."""
    participants: int
    """The cycle's participants (frozen with the publication once published)."""
    approved: int
    """Participants whose submission was approved (frozen with the publication once published)."""
    min_participation: float
    """The cycle's least share (0–1) of participants approved for ranks to be shown."""
    participation: float
    """Share (0–1) of the participants approved."""
    ranks_shown: bool
    """Whether enough participants are approved for ranks to be shown; when False every rank (overall, within the
    province, within a group, rank intervals, dimension ranks) is None and only scores are shown."""
    newer_run: bool
    """Whether a computation newer than the published run exists (after a reopening, say); it is not shown until
    it is published as a revision."""

    @property
    def provisional(self) -> bool:
        """Whether no version is published yet: the results may still change."""
        return self.publication is None

    @property
    def participation_pct(self) -> float:
        """`participation` in per cent."""
        return 100 * self.participation

    @property
    def min_participation_pct(self) -> float:
        """`min_participation` in per cent."""
        return 100 * self.min_participation

    @property
    def label(self) -> str:
        """Which results these are, in the active language: “Provisional results (not published)” or “Published
        version 2 on 2026-01-05” (for the footer of a report's pages)."""
        if self.publication is None:
            return _("Provisional results (not published)")
        return _("Published version %(version)s on %(date)s") % {
            "version": self.publication.version,
            "date": timezone.localtime(self.publication.published_at).strftime("%Y-%m-%d")}

    @property
    def summary(self) -> str:
        """`label` and the participation, e.g. “… · 8 of 11 participants approved” (for an Excel file)."""
        return " · ".join([self.label, _("%(approved)s of %(participants)s participants approved") % {
            "approved": self.approved, "participants": self.participants}])


@dataclass(frozen=True)
class Named:
    """A region, a dimension or a comparison group of a cycle (e.g. 副省级城市), by code and name."""

    code: str
    """Region code (e.g. "330000"), dimension code (e.g. "RS") or group code (e.g. "fu-sheng-ji")."""
    name: str
    """Name in the active language."""


@dataclass(frozen=True)
class GroupRank(Named):
    """A region's rank within a comparison group it belongs to (the group's code and name)."""

    rank: int | None
    """1 best; None when ranks are not shown or the region has no rank in the group (no index)."""
    ranked: int
    """Members of the group ranked in the run (for “rank 3 of 15”)."""


@dataclass(frozen=True)
class Band:
    """A maturity level of a framework."""

    level: int
    """1 (lowest) up."""
    min_score: float
    """The lowest index (0–100) of the level."""
    label: str
    """The level's name in the active language."""
    gates: Mapping[str, float] = field(default_factory=dict)
    """Dimension code → the least score the level also requires (empty: the index alone decides)."""


@dataclass(frozen=True)
class GateShortfall:
    """Why a city's level is below the one its index reaches: the dimensions under that level's gates."""

    reached: Band
    """The level the index alone reaches."""
    below: tuple[tuple[str, float, float], ...]
    """(dimension name, its score, the gate) of each dimension under its gate, in framework order."""


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

    @property
    def rank_range(self) -> tuple[int, int] | None:
        """`rank_low` and `rank_high` as whole ranks, as print shows them (halves rounded up); None without an
        uncertainty analysis. The two are equal when the rank never left one place."""
        if self.rank_low is None or self.rank_high is None:
            return None
        return _whole(self.rank_low), _whole(self.rank_high)

    @property
    def rank_median_whole(self) -> int | None:
        """`rank_median` as a whole rank (halves rounded up)."""
        return None if self.rank_median is None else _whole(self.rank_median)


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
    """The highest score on the dimension among every region scored in the cycle (None when none is scored)."""
    best_region: Named | None
    """The region with that highest score (the first by code when several share it)."""


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
    data_type: str
    """`Indicator.DataType` value: a "boolean" value (1 yes, 0 no) prints as yes or no."""
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
    provisional: bool
    """Whether that cycle's result is provisional (not published)."""
    version: int = 1
    """The version of the framework that cycle assessed."""


@dataclass(frozen=True)
class SeriesBreak:
    """Where the framework's version changes along a city's trend: the indexes on either side are not comparable
    value for value (indicators redefined, goalposts recalibrated)."""

    period: int
    """The first period under the new version."""
    version: int
    earlier: int
    """The version of the period before."""


def cycle_breaks(cycle: Cycle, cycles: Iterable[Cycle]) -> tuple[SeriesBreak, ...]:
    """The series break at `cycle`: its framework's version differs from that of the latest earlier cycle of
    `cycles` (latest period first, their frameworks loaded) of the same framework code — no change is computed
    since it."""
    framework = cycle.framework
    earlier = next((c for c in cycles if c.period < cycle.period and c.framework.code == framework.code), None)
    if earlier is None or earlier.framework.version == framework.version:
        return ()
    return (SeriesBreak(period=cycle.period, version=framework.version, earlier=earlier.framework.version),)


def series_breaks(trend: tuple[TrendPoint, ...]) -> tuple[SeriesBreak, ...]:
    return tuple(SeriesBreak(period=later.period, version=later.version, earlier=before.version)
                 for before, later in pairwise(trend) if later.version != before.version)


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


SENSITIVITY_INPUTS = {
    "weights": gettext_lazy("Weights"),
    "normalisation": gettext_lazy("Normalisation method"),
    "aggregation": gettext_lazy("Aggregation method"),
    "imputation": gettext_lazy("Imputation of missing values"),
    "outliers": gettext_lazy("Outlier treatment"),
    "exclusion": gettext_lazy("Leaving out one indicator"),
}
"""The uncertain inputs a sensitivity analysis may vary (`indicators.scoring.UncertainInputs.names()`), as a
chart or a table names them."""


def input_label(name: str) -> str:
    """An uncertain input's name (`SENSITIVITY_INPUTS`) in the active language; an unknown one as it is."""
    label = SENSITIVITY_INPUTS.get(name)
    return str(label) if label is not None else name


def _varied(name: str, weight_range: float | None) -> str:
    """An uncertain input as running text names what varied: “weights (±20 %)”, “the normalisation method”."""
    if name == "weights":
        if weight_range is None:
            return _("weights")
        return _("weights (±%(range)s %%)") % {"range": f"{100 * weight_range:.0f}"}
    texts = {"normalisation": _("the normalisation method"), "aggregation": _("the aggregation method"),
             "imputation": _("the imputation of missing values"), "outliers": _("the outlier treatment"),
             "exclusion": _("the exclusion of one indicator at a time")}
    return texts.get(name, name)


@dataclass(frozen=True)
class Uncertainty:
    """The settings of the run's uncertainty analysis (None when it ran without one)."""

    draws: int | None
    """Model runs of the analysis (recomputations with the declared inputs varied)."""
    weight_range: float | None
    """The largest relative change of a weight (0–1); None when the weights did not vary."""
    inputs: tuple[str, ...] = ()
    """The inputs that varied (`SENSITIVITY_INPUTS` names), as the framework declared them. A run computed before
    the inputs were recorded varied the weights and the normalisation method: read as those."""

    @property
    def varied(self) -> str:
        """What varied, as running text in the active language: “权重（±20%）和标准化方法”, “weights (±20 %) and
        the normalisation method”; "" without an analysis."""
        if not self.draws:
            return ""
        parts = [_varied(name, self.weight_range) for name in self.inputs]
        if len(parts) < 2:
            return "".join(parts)
        return _("%(items)s and %(last)s") % {"items": localised("、", ", ").join(parts[:-1]), "last": parts[-1]}


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
    status: ResultStatus
    """Which results these are: provisional or a published version, participation, whether ranks are shown."""
    groups: tuple[GroupRank, ...]
    """The city's rank in each comparison group of the cycle it belongs to, by group code."""
    gate_shortfall: GateShortfall | None = None
    """None unless a dimension under a gate holds the city below the level its index reaches."""
    provenance: tuple[ProvenanceShare, ...] = ()
    """Where the city's index comes from, by provenance (empty: no complete index, or the framework declares
    none)."""

    @property
    def breaks(self) -> tuple[SeriesBreak, ...]:
        """Where the framework's version changes along `trend`."""
        return series_breaks(self.trend)


@dataclass(frozen=True)
class CityRow(RegionResult):
    """A region's result in a `ScopeReport`."""

    province_code: str | None
    """Code of the region's parent (None for a region without one)."""
    previous: float | None
    """index − change: the index of the region's previous scored period."""
    dimensions: Mapping[str, float | None]
    """Dimension code → score, in framework order."""
    group_ranks: Mapping[str, int | None]
    """Comparison group code → the region's rank in it, for the groups it belongs to (rank None when ranks are
    not shown or the region has no index)."""


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
    status: ResultStatus
    """Which results these are: provisional or a published version, participation, whether ranks are shown."""
    groups: tuple[Named, ...]
    """The cycle's comparison groups, by code."""
    group: Named | None
    """The comparison group the report is restricted to (its cities sorted by their rank in it), if any."""
    group_ranked: int
    """Members of `group` ranked in the whole run (0 without a group)."""


@dataclass(frozen=True)
class ProvinceReport(ScopeReport):
    """The results of a province's regions (`province_report`)."""

    province: Named
    """The province itself."""
    unscored: tuple[Named, ...]
    """The participants of the cycle in the province that have no result in the run shown (their submission was
    not approved when it was computed), by code: named so that the report can say which cities it lacks."""


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

