"""Reads of stored results, shared by the dashboards and the PDF and Excel reports.

Nothing here computes a score: every number comes from the rows of the cycle's current score run
(`RegionScore`, `DimensionScore`, `IndicatorScore`, written by `assessments.services.cycle_scores_compute`).
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

from django.db.models import QuerySet

from assessments.models import Cycle

from .city import city_report
from .scope import Regions, indicator_matrix, province_report, scope_report, scope_summary
from .types import (
    Band,
    BestRegion,
    CityReport,
    CityResult,
    CityRow,
    DimensionRow,
    DimensionStats,
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
    ScopeReport,
    ScopeSummary,
    Standout,
    TrendPoint,
    Uncertainty,
)

__all__ = [
    "Band",
    "BestRegion",
    "CityReport",
    "CityResult",
    "CityRow",
    "DimensionRow",
    "DimensionStats",
    "IndicatorLabel",
    "IndicatorMatrix",
    "IndicatorRow",
    "LevelCount",
    "MethodDimension",
    "MethodIndicator",
    "MethodSummary",
    "Named",
    "NoResult",
    "Priority",
    "ProvinceReport",
    "RegionResult",
    "Regions",
    "ScopeReport",
    "ScopeSummary",
    "Standout",
    "TrendPoint",
    "Uncertainty",
    "city_report",
    "indicator_matrix",
    "province_report",
    "scope_report",
    "scope_summary",
    "scored_cycles",
]


def scored_cycles() -> QuerySet[Cycle]:
    """Cycles with a current score run, latest period first (one query when evaluated)."""
    return (Cycle.objects.filter(current_run__isnull=False).select_related("framework")
            .order_by("-period", "framework__code", "-framework__version", "-pk"))
