"""The results of many regions: a scope (e.g. the regions a user may see), a province, their key figures and
their indicator scores."""

import statistics
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias, TypeVar

import pandas as pd
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from assessments.models import (
    ComparisonGroup,
    Cycle,
    DimensionScore,
    IndicatorScore,
    Region,
    RegionScore,
    Submission,
)
from assessments.selectors import CycleResults
from smartgov.i18n import localised

from .rows import (
    bands_by_framework,
    dimensions_of,
    groups_of,
    indicators_of,
    named_on,
    number,
    records,
    region_frame,
    result_status,
    results_of,
    shown_run_id,
    values_frame,
)
from .types import (
    CityRow,
    DimensionStats,
    IndicatorLabel,
    IndicatorMatrix,
    LevelCount,
    Named,
    NoResult,
    ProvinceReport,
    ScopeReport,
    ScopeSummary,
)

Regions: TypeAlias = QuerySet[Region] | Iterable[int]
"""Which regions a read covers: a Region queryset or region ids."""
Results: TypeAlias = Cycle | CycleResults
"""Which results a read shows: those `assessments.selectors.cycle_results` gives (a cycle: its latest publication,
else its latest computation, provisional)."""
_Report = TypeVar("_Report", bound=ScopeReport)


def province_report(which: Results, province: Region) -> ProvinceReport:
    """The results of a province's regions: `scope_report` of the regions whose parent is `province`, with
    the `province` itself (named as it was when the cycle closed) and its participants without a result.
    8 queries, 9 when a participant has no result (2 more given a cycle)."""
    results = results_of(which)
    return _scope(ProvinceReport, results, Region.objects.filter(province_id=province.pk),
                  province=Named(code=province.code, name=province.name), unscored=_unscored(results, province))


def _unscored(results: CycleResults, province: Region) -> tuple[Named, ...]:
    """The cycle's participants in `province` (the province itself aside) without a result in the run shown, by
    code, named as when the cycle closed (one or two queries). Once published, only those that took part then."""
    name = localised("region__name_zh", "region__name_en")
    participants = Submission.objects.filter(cycle=results.cycle, region__province_id=province.pk).exclude(
        region_id=province.pk)
    if results.publication is not None:
        participants = participants.filter(created_at__lte=results.publication.published_at)
    rows = values_frame(
        participants.exclude(region_id__in=RegionScore.objects.filter(run_id=shown_run_id(results))
                             .values("region_id")).order_by("region__code"),
        ["region_id", "region__code", name])
    rows = named_on(rows.rename(columns={name: "name"}), results.cycle)
    return tuple(Named(code=code, name=label) for code, label in zip(rows["region__code"], rows["name"], strict=True))


def scope_report(which: Results, regions: Regions | None = None, *, group: str | None = None) -> ScopeReport:
    """The results of `regions` (a Region queryset or ids; None: every region scored) in the run `which` shows
    (8 queries, 9 with a group; 2 more given a cycle). With `group` (a comparison group's code), only the
    group's members, sorted by their rank in it.

    Raises NoResult when nothing has been computed, or the cycle has no such group.
    """
    return _scope(ScopeReport, results_of(which), regions, group=group)


def _scope(report: type[_Report], results: CycleResults, regions: Regions | None, *, group: str | None = None,
           **extra: Any) -> _Report:
    """A `report`: a `ScopeReport`, or a subclass with its own fields in `extra`."""
    cycle = results.cycle
    run_id = shown_run_id(results)
    status = result_status(results)
    where = Q(run_id=run_id) if regions is None else Q(run_id=run_id, region__in=regions)
    groups, members = groups_of(cycle)
    chosen = _group(groups, group)
    if chosen is not None:
        members_of = ComparisonGroup.members.through.objects.filter(comparisongroup__cycle=cycle,
                                                                     comparisongroup__code=chosen.code)
        where &= Q(region__in=RegionScore.objects.filter(
            Q(region__in=members_of.values("region_id")) | Q(group_ranks__has_key=chosen.code), run_id=run_id,
        ).values("region_id"))
    frame = region_frame(where, results, members)
    dims = values_frame(DimensionScore.objects.filter(where), ["region_id", "dimension_id", "score"])
    dimensions = dimensions_of(cycle.framework_id)
    bands = bands_by_framework(None, framework_id=cycle.framework_id).get(cycle.framework_id, ())
    labels = {band.level: band.label for band in bands}
    ranked = RegionScore.objects.filter(run_id=run_id, rank__isnull=False).count()
    group_ranked = 0 if chosen is None else RegionScore.objects.filter(
        run_id=run_id, group_ranks__has_key=chosen.code, index__isnull=False).count()

    codes = {d["pk"]: d["code"] for d in dimensions}
    by_region: dict[int, dict[str | None, float | None]] = {}
    scores = pd.to_numeric(dims["score"], errors="coerce").astype(float)
    for region_id, dimension_id, score in zip(dims["region_id"].tolist(), dims["dimension_id"].tolist(),
                                              scores.where(scores.notna(), None).tolist(), strict=True):
        by_region.setdefault(region_id, {})[codes.get(dimension_id)] = score
    if chosen is not None:
        frame["group_rank"] = pd.to_numeric(pd.Series([ranks.get(chosen.code) for ranks in frame["group_ranks"]],
                                                      index=frame.index, dtype=object), errors="coerce")
        frame = frame.sort_values(["group_rank", "rank", "code"], na_position="last", kind="stable")
    elif status.ranks_shown:
        frame = frame.sort_values(["rank", "code"], na_position="last", kind="stable")
    else:  # no ranking to follow: by code
        frame = frame.sort_values(["code"], kind="stable")
    cities = []
    for record in records(frame):
        previous = None if record["index"] is None or record["change"] is None else record["index"] - record[
            "change"]
        cities.append(CityRow(
            **{key: record[key] for key in ("code", "name", "province_code", "province", "index", "level", "rank",
                                            "parent_rank", "change", "complete", "coverage", "rank_median",
                                            "rank_low", "rank_high", "group_ranks")},
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
    if "province" in extra:  # as named when the cycle closed, like its cities
        extra["province"] = next((Named(code=code, name=name) for code, name in provinces
                                  if code == extra["province"].code), extra["province"])
    return report(
        cities=tuple(cities),
        level_counts=tuple(level_counts),
        dimension_stats=tuple(stats),
        best=cities[0] if cities and cities[0].rank is not None and chosen is None else None,
        dimensions=tuple(Named(code=d["code"], name=d["name"]) for d in dimensions),
        provinces=tuple(Named(code=code, name=name) for code, name in provinces),
        bands=bands,
        period=cycle.period,
        regions_ranked=ranked,
        is_demo=cycle.is_demo,
        status=status,
        groups=groups,
        group=chosen,
        group_ranked=group_ranked,
        **extra,
    )


def _group(groups: tuple[Named, ...], code: str | None) -> Named | None:
    """The group of `code` among `groups` (None without a code); NoResult when there is none."""
    if not code:
        return None
    found = next((group for group in groups if group.code == code), None)
    if found is None:
        raise NoResult(_("This cycle has no comparison group “%(group)s”.") % {"group": code})
    return found


def scope_levels(which: Results, regions: Regions | None = None) -> dict[str, int]:
    """How many of `regions` (as in `scope_report`) have a result in the run `which` shows, by region level
    (`Region.Level` value → count, most first; one query, 2 more given a cycle): for a filter by level."""
    run_id = shown_run_id(results_of(which))
    where = Q(run_id=run_id) if regions is None else Q(run_id=run_id, region__in=regions)
    counts = RegionScore.objects.filter(where).values_list("region__level").annotate(count=Count("pk"))
    return dict(sorted(((level, count) for level, count in counts), key=lambda item: (-item[1], item[0])))


def scope_summary(report: ScopeReport) -> ScopeSummary:
    """The key figures of a scope report: regions, regions with an index, their mean index and the median of
    the changes since the previous period. No query."""
    indices = [city.index for city in report.cities if city.index is not None]
    changes = [city.change for city in report.cities if city.change is not None]
    return ScopeSummary(count=len(report.cities), ranked=len(indices),
                        mean=sum(indices) / len(indices) if indices else None,
                        median_change=statistics.median(changes) if changes else None)


def indicator_matrix(which: Results, regions: Regions | None = None, *,
                     names: Mapping[str, str] | None = None) -> IndicatorMatrix:
    """Normalised indicator scores of `regions` (as in `scope_report`) in the run `which` shows (3 queries; 2
    more given a cycle). `names` (region code → name, e.g. of the `scope_report` shown beside it) saves reading
    the names again (one query less)."""
    results = results_of(which)
    cycle = results.cycle
    run_id = shown_run_id(results)
    where = Q(run_id=run_id) if regions is None else Q(run_id=run_id, region__in=regions)
    fields = ["region__code", "indicator_id", "score"]
    if names is None:
        name = localised("region__name_zh", "region__name_en")
        rows = values_frame(IndicatorScore.objects.filter(where), ["region_id", name, *fields])
        rows = named_on(rows.rename(columns={name: "name"}), cycle)
        names = dict(zip(rows["region__code"], rows["name"], strict=True))
    else:
        rows = values_frame(IndicatorScore.objects.filter(where), fields)
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
        regions={code: names[code] for code in scores.index if code in names},
    )
