"""Reads of stored results, shared by the dashboards and the PDF and Excel reports.

Nothing here computes a score: every number comes from the rows of the score run a cycle shows — its published
version, or before publication its latest computation, provisional: `assessments.selectors.cycle_results`, the
one answer to “which run” (`RegionScore`, `DimensionScore`, `IndicatorScore`, written by
`assessments.services.cycle_scores_compute`). Every read says which it shows (`ResultStatus`), and when too few
participants are approved for ranks to be shown (the cycle's minimum participation) every rank is None.
What is derived here is descriptive only (means, medians, counts, sorting). Every function runs a fixed number
of queries whatever the number of regions: rows are read with `.values()` into pandas, never one by one.

Every read returns frozen dataclasses (`reports.selectors.types`), each field documented where it is declared.
Texts (names, labels) follow the active language. Missing numbers are `None`, never NaN. Throughout:
* `index`, dimension and indicator `score` are 0–100 (100 best, direction already applied);
* `rank` is the rank among every region scored in the cycle, `parent_rank` the rank within the province;
* `weight` of an indicator is its effective overall weight ω (sums to 1 over the indicators of a region),
  `contribution` its points of the index (contributions sum to the index), `gap` the points it loses against
  the best region of the cycle (gaps sum to best index − index); see docs/scoring.md §11.
"""

from django.db.models import OuterRef, QuerySet, Subquery

from assessments.models import Cycle, Publication

from .audit import RunAnalysisReport, restricted, run_analysis
from .city import city_report
from .national import NationalReport, ProvinceRow, RankedRegion, nation_region, national_report
from .rows import result_status, versions_of
from .scope import (
    Regions,
    Results,
    indicator_matrix,
    province_report,
    scope_levels,
    scope_report,
    scope_summary,
)
from .types import (
    SENSITIVITY_INPUTS,
    Band,
    BestRegion,
    CityReport,
    CityResult,
    CityRow,
    DimensionRow,
    DimensionStats,
    GroupRank,
    IndicatorLabel,
    IndicatorMatrix,
    IndicatorRow,
    LevelCount,
    MethodDimension,
    MethodIndicator,
    MethodSummary,
    Named,
    NoResult,
    Priority,
    ProvinceReport,
    RegionResult,
    ResultStatus,
    ScopeReport,
    ScopeSummary,
    SeriesBreak,
    Standout,
    TrendPoint,
    Uncertainty,
    Version,
    cycle_breaks,
    input_label,
)

__all__ = [
    "SENSITIVITY_INPUTS",
    "Band",
    "BestRegion",
    "CityReport",
    "CityResult",
    "CityRow",
    "DimensionRow",
    "DimensionStats",
    "GroupRank",
    "IndicatorLabel",
    "IndicatorMatrix",
    "IndicatorRow",
    "LevelCount",
    "MethodDimension",
    "MethodIndicator",
    "MethodSummary",
    "Named",
    "NationalReport",
    "NoResult",
    "Priority",
    "ProvinceReport",
    "ProvinceRow",
    "RankedRegion",
    "RegionResult",
    "Regions",
    "ResultStatus",
    "Results",
    "RunAnalysisReport",
    "ScopeReport",
    "ScopeSummary",
    "SeriesBreak",
    "Standout",
    "TrendPoint",
    "Uncertainty",
    "Version",
    "city_report",
    "cycle_breaks",
    "indicator_matrix",
    "input_label",
    "nation_region",
    "national_report",
    "province_report",
    "restricted",
    "result_status",
    "run_analysis",
    "scope_levels",
    "scope_report",
    "scope_summary",
    "scored_cycles",
    "versions_of",
]


def scored_cycles() -> QuerySet[Cycle]:
    """Cycles with results — a computation, provisional, or a publication — latest period first, each with
    `published_version`: its latest publication's version, None while its results are provisional (one query
    when evaluated)."""
    latest = Publication.objects.filter(cycle=OuterRef("pk")).order_by("-version").values("version")[:1]
    return (Cycle.objects.filter(current_run__isnull=False).select_related("framework", "current_run")
            .annotate(published_version=Subquery(latest))
            .order_by("-period", "framework__code", "-framework__version", "-pk"))
