"""The results of many regions: a scope (e.g. the regions a user may see), a province, their key figures and
their indicator scores."""

import statistics
from collections.abc import Iterable
from typing import TypeAlias, TypeVar

import pandas as pd
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from assessments.models import Cycle, DimensionScore, IndicatorScore, Region, RegionScore
from smartgov.i18n import localised

from .rows import (
    as_record,
    bands_by_framework,
    current_run_id,
    dimensions_of,
    indicators_of,
    number,
    region_frame,
    values_frame,
)
from .types import (
    CityRow,
    DimensionStats,
    IndicatorLabel,
    IndicatorMatrix,
    LevelCount,
    Named,
    ProvinceReport,
    ScopeReport,
    ScopeSummary,
)

Regions: TypeAlias = QuerySet[Region] | Iterable[int]
"""Which regions a read covers: a Region queryset or region ids."""
_Report = TypeVar("_Report", bound=ScopeReport)


def province_report(cycle: Cycle, province: Region) -> ProvinceReport:
    """The results of a province's regions: `scope_report` of the regions whose parent is `province`, with
    the `province` itself. 5 queries."""
    return _scope(ProvinceReport, cycle, Region.objects.filter(province_id=province.pk),
                  province=Named(code=province.code, name=province.name))


def scope_report(cycle: Cycle, regions: Regions | None = None) -> ScopeReport:
    """The results of `regions` (a Region queryset or ids; None: every region scored) in the cycle's current
    run (5 queries).

    Raises NoResult when the cycle has no current run.
    """
    return _scope(ScopeReport, cycle, regions)


def _scope(report: type[_Report], cycle: Cycle, regions: Regions | None, **extra: Named) -> _Report:
    """A `report`: a `ScopeReport`, or a subclass with its own fields in `extra`."""
    run_id = current_run_id(cycle)
    where = Q(run_id=run_id) if regions is None else Q(run_id=run_id, region__in=regions)
    frame = region_frame(where)
    dims = values_frame(DimensionScore.objects.filter(where), ["region_id", "dimension_id", "score"])
    dimensions = dimensions_of(cycle.framework_id)
    bands = bands_by_framework(None, framework_id=cycle.framework_id).get(cycle.framework_id, ())
    labels = {band.level: band.label for band in bands}
    ranked = RegionScore.objects.filter(run_id=run_id, rank__isnull=False).count()

    codes = {d["pk"]: d["code"] for d in dimensions}
    by_region: dict[int, dict[str | None, float | None]] = {}
    for region_id, dimension_id, score in dims[["region_id", "dimension_id", "score"]].itertuples(index=False):
        by_region.setdefault(region_id, {})[codes.get(dimension_id)] = number(score)
    frame = frame.sort_values(["rank", "code"], na_position="last", kind="stable")
    cities = []
    for record in (as_record(r) for _i, r in frame.iterrows()):
        previous = None if record["index"] is None or record["change"] is None else record["index"] - record[
            "change"]
        cities.append(CityRow(
            **{key: record[key] for key in ("code", "name", "province_code", "province", "index", "level", "rank",
                                            "parent_rank", "change", "complete", "coverage", "rank_median",
                                            "rank_low", "rank_high")},
            level_label=labels.get(record["level"]), previous=previous,
            dimensions={d["code"]: by_region.get(record["region_id"], {}).get(d["code"]) for d in dimensions},
        ))

    level_counts = [LevelCount(level=band.level, label=band.label, min_score=band.min_score,
                               count=sum(1 for c in cities if c.level == band.level)) for band in bands]
    unrated = sum(1 for c in cities if c.level is None)
    if unrated:
        level_counts.append(LevelCount(level=None, label=_("Not rated"), min_score=None, count=unrated))
    stats = []
    for dimension in dimensions:
        scores = dims.loc[dims["dimension_id"] == dimension["pk"], "score"].dropna().astype(float)
        stats.append(DimensionStats(code=dimension["code"], name=dimension["name"], count=len(scores),
                                    **{name: number(getattr(scores, name)()) if len(scores) else None
                                       for name in ("mean", "median", "min", "max")}))
    provinces = sorted({(c.province_code, c.province) for c in cities if c.province_code and c.province is not None})
    return report(
        cities=tuple(cities),
        level_counts=tuple(level_counts),
        dimension_stats=tuple(stats),
        best=cities[0] if cities and cities[0].rank is not None else None,
        dimensions=tuple(Named(code=d["code"], name=d["name"]) for d in dimensions),
        provinces=tuple(Named(code=code, name=name) for code, name in provinces),
        bands=bands,
        period=cycle.period,
        regions_ranked=ranked,
        is_demo=cycle.is_demo,
        **extra,
    )


def scope_summary(report: ScopeReport) -> ScopeSummary:
    """The key figures of a scope report: regions, regions with an index, their mean index and the median of
    the changes since the previous period. No query."""
    indices = [city.index for city in report.cities if city.index is not None]
    changes = [city.change for city in report.cities if city.change is not None]
    return ScopeSummary(count=len(report.cities), ranked=len(indices),
                        mean=sum(indices) / len(indices) if indices else None,
                        median_change=statistics.median(changes) if changes else None)


def indicator_matrix(cycle: Cycle, regions: Regions | None = None) -> IndicatorMatrix:
    """Normalised indicator scores of `regions` (as in `scope_report`) in the cycle's current run (2 queries)."""
    run_id = current_run_id(cycle)
    where = Q(run_id=run_id) if regions is None else Q(run_id=run_id, region__in=regions)
    name = localised("region__name_zh", "region__name_en")
    rows = values_frame(IndicatorScore.objects.filter(where), ["region__code", name, "indicator_id", "score"])
    indicators = indicators_of(cycle.framework_id)
    codes = {i["pk"]: i["code"] for i in indicators}
    rows["indicator"] = rows["indicator_id"].map(codes)
    scores = rows.pivot_table(index="region__code", columns="indicator", values="score", aggfunc="first",
                              dropna=False) if len(rows) else pd.DataFrame()
    scores = scores.reindex(columns=[i["code"] for i in indicators]).astype(float)
    scores.index.name, scores.columns.name = "region", "indicator"
    return IndicatorMatrix(
        scores=scores,
        indicators=tuple(IndicatorLabel(code=i["code"], name=i["name"], dimension=i["dimension"],
                                        dimension_name=i["dimension_name"]) for i in indicators),
        regions=dict(zip(rows["region__code"], rows[name], strict=True)),
    )
