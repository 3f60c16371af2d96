"""One city's results (`city_report`)."""

import datetime
from collections.abc import Sequence
from typing import Any

import pandas as pd
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from assessments.models import Cycle, DimensionScore, IndicatorScore, Publication, Region, RegionScore
from assessments.selectors import CycleResults
from indicators.models import Framework, Indicator

from .provenance import provenance_shares
from .rows import (
    DimensionInfo,
    IndicatorInfo,
    as_record,
    bands_by_framework,
    dimensions_of,
    groups_of,
    indicators_of,
    integer,
    mean_of,
    number,
    region_frame,
    result_status,
    results_of,
    shown_run_id,
    values_frame,
)
from .types import (
    Band,
    BestRegion,
    CityReport,
    CityResult,
    DimensionRow,
    GateShortfall,
    GroupRank,
    IndicatorRow,
    MethodDimension,
    MethodIndicator,
    MethodSummary,
    Named,
    NoResult,
    Priority,
    Standout,
    TrendPoint,
    Uncertainty,
)

TOP = 3
PRIORITIES = 5


def city_report(which: Cycle | CycleResults, region: Region) -> CityReport:
    """Everything a city's dashboard or report shows, from the run `which` shows (`assessments.selectors.
    cycle_results`: a cycle's latest publication, else its latest computation, provisional): 10 queries, 11 when
    `cycle.framework` is not loaded yet, 2 or 3 more given a cycle.

    Raises NoResult when nothing has been computed or the region has no result in the run.
    """
    results = results_of(which)
    cycle = results.cycle
    run_id = shown_run_id(results)
    status = result_status(results)
    framework = cycle.framework
    groups, members = groups_of(cycle)
    everyone = region_frame(Q(run_id=run_id), results, members)
    own = everyone[everyone["region_id"] == region.pk]
    if own.empty:
        raise NoResult(_("%(region)s has no result in this cycle.") % {"region": region.name})
    row = as_record(own.iloc[0])
    best = everyone[everyone["index"].notna() & (everyone["index"] == everyone["index"].max())]
    best_ids = best["region_id"].tolist()
    province_ids = set(everyone.loc[everyone["province_id"] == region.province_id, "region_id"]) \
        if region.province_id is not None else {region.pk}

    peer_regions = Q(pk__in=[region.pk, *best_ids]) | (
        Q(province_id=region.province_id) if region.province_id is not None else Q(pk__in=[]))
    peers = Q(run_id=run_id, region_id__in=Region.objects.filter(peer_regions).values("pk"))
    dims = values_frame(DimensionScore.objects.filter(peers), ["region_id", "dimension_id", "score", "rank"])
    if not status.ranks_shown:
        dims["rank"] = None
    # The highest of each dimension may be any region's: the rows holding it, found by the database.
    tops = values_frame(DimensionScore.objects.filter(run_id=run_id, score__isnull=False).annotate(
        top=Window(Max("score"), partition_by=F("dimension_id"))).filter(score=F("top")),
        ["region_id", "dimension_id", "score"])
    inds = values_frame(IndicatorScore.objects.filter(peers),
                        ["region_id", "indicator_id", "value", "score", "weight", "contribution", "gap"])
    dimensions = dimensions_of(framework.pk)
    indicators = indicators_of(framework.pk)
    run = results.run
    finished_at, method = (run.finished_at, run.method) if run is not None else (None, None)
    all_bands = bands_by_framework(framework.code)
    bands = all_bands.get(framework.pk, ())

    dimension_rows = []
    for dimension in dimensions:
        scores = dims[dims["dimension_id"] == dimension["pk"]]
        mine = scores[scores["region_id"] == region.pk]
        best_score, holder = _highest(tops[tops["dimension_id"] == dimension["pk"]], everyone)
        dimension_rows.append(DimensionRow(
            code=dimension["code"], name=dimension["name"], weight=dimension["weight"],
            score=number(mine["score"].iloc[0]) if len(mine) else None,
            rank=integer(mine["rank"].iloc[0]) if len(mine) else None,
            province_mean=mean_of(scores.loc[scores["region_id"].isin(province_ids), "score"]),
            best=best_score, best_region=holder,
        ))

    indicator_rows = []
    empty = inds.iloc[:0]
    by_indicator = dict(tuple(inds.groupby("indicator_id", sort=False)))
    for indicator in indicators:
        if indicator["applies_to"] is not None and region.level not in indicator["applies_to"]:
            continue
        scores = by_indicator.get(indicator["pk"], empty)
        mine = as_record(scores[scores["region_id"] == region.pk].iloc[0]) if (
            scores["region_id"] == region.pk).any() else {}
        indicator_rows.append(IndicatorRow(
            code=indicator["code"], name=indicator["name"], dimension=indicator["dimension"],
            dimension_name=indicator["dimension_name"], unit=indicator["unit"], data_type=indicator["data_type"],
            direction=indicator["direction"],
            **{key: mine.get(key) for key in ("value", "score", "weight", "contribution", "gap")},
            province_mean=mean_of(scores.loc[scores["region_id"].isin(province_ids), "score"]),
            best_score=mean_of(scores.loc[scores["region_id"].isin(best_ids), "score"]),
        ))

    strengths, weaknesses = _strengths_and_weaknesses(indicator_rows)
    labels = {band.level: band.label for band in bands}
    best_row = as_record(best.sort_values("code").iloc[0]) if len(best) else None
    best_region = None if best_row is None else BestRegion(code=best_row["code"], name=best_row["name"],
                                                           index=best_row["index"])
    return CityReport(
        result=CityResult(
            **{key: row[key] for key in ("code", "name", "province", "index", "level", "rank", "parent_rank",
                                         "change", "complete", "coverage", "rank_median", "rank_low",
                                         "rank_high")},
            period=cycle.period,
            level_label=labels.get(row["level"]),
            regions_ranked=int(everyone["rank"].notna().sum()),
            province_regions_ranked=int(everyone.loc[everyone["region_id"].isin(province_ids), "parent_rank"]
                                        .notna().sum()),
        ),
        best_region=best_region,
        dimensions=tuple(dimension_rows),
        indicators=tuple(indicator_rows),
        strengths=strengths,
        weaknesses=weaknesses,
        priorities=_priorities(indicator_rows),
        trend=_trend(results, framework, region, all_bands),
        bands=bands,
        framework=_method(framework, dimensions, indicators, finished_at, method),
        is_demo=cycle.is_demo,
        status=status,
        groups=_group_ranks(groups, row["group_ranks"], everyone),
        gate_shortfall=gate_shortfall(row["index"], row["level"], dimension_rows, bands),
        provenance=provenance_shares(run_id, [region.pk]).get(region.code, ()) if run_id is not None else (),
    )


def gate_shortfall(index: float | None, level: int | None, dimensions: Sequence[DimensionRow],
                   bands: Sequence[Band]) -> GateShortfall | None:
    """The level `index` alone reaches and the dimensions under its gates, when they hold the city below it."""
    reached = next((band for band in reversed(bands) if index is not None and index >= band.min_score), None)
    if reached is None or level is None or reached.level <= level:
        return None
    below = tuple((d.name, d.score, reached.gates[d.code]) for d in dimensions
                  if d.code in reached.gates and d.score is not None and d.score < reached.gates[d.code])
    return GateShortfall(reached=reached, below=below) if below else None


def _highest(scores: pd.DataFrame, everyone: pd.DataFrame) -> tuple[float | None, Named | None]:
    """The highest of a dimension's `scores` (rows of the regions holding it, or of more) and the region holding
    it, named from `everyone` (the first by code when several hold it); (None, None) when no region is scored."""
    scored = scores.assign(score=pd.to_numeric(scores["score"], errors="coerce")).dropna(subset=["score"])
    if scored.empty:
        return None, None
    top = float(scored["score"].max())
    holders = everyone[everyone["region_id"].isin(scored.loc[scored["score"] == top, "region_id"])]
    first = as_record(holders.sort_values("code").iloc[0]) if len(holders) else None
    return top, None if first is None else Named(code=first["code"], name=first["name"])


def _group_ranks(groups: tuple[Named, ...], ranks: dict[str, int | None],
                 everyone: pd.DataFrame) -> tuple[GroupRank, ...]:
    """The region's rank in each group it belongs to (`ranks`, from its row of `everyone`), with the number of
    the group's members ranked in the run."""
    return tuple(
        GroupRank(code=group.code, name=group.name, rank=ranks[group.code],
                  ranked=sum(1 for other in everyone["group_ranks"] if other.get(group.code) is not None))
        for group in groups if group.code in ranks)


def _strengths_and_weaknesses(indicator_rows: list[IndicatorRow]) -> tuple[tuple[Standout, ...], tuple[Standout, ...]]:
    scored = [
        Standout(code=row.code, name=row.name, dimension=row.dimension, dimension_name=row.dimension_name,
                 score=row.score, province_mean=row.province_mean,
                 difference=row.score - (row.province_mean if row.province_mean is not None else row.score))
        for row in indicator_rows if row.score is not None
    ]
    ordered = sorted(scored, key=lambda r: (r.difference, r.score, r.code), reverse=True)
    strengths = ordered[:TOP]
    rest = ordered[len(strengths):]
    weaknesses = sorted(rest, key=lambda r: (r.difference, r.score, r.code))[:TOP]
    return tuple(strengths), tuple(weaknesses)


def _priorities(indicator_rows: list[IndicatorRow]) -> tuple[Priority, ...]:
    gaps = [(row.gap, row) for row in indicator_rows if row.gap is not None and row.gap > 1e-9]
    gaps.sort(key=lambda item: (-item[0], item[1].code))
    return tuple(
        Priority(code=row.code, name=row.name, dimension=row.dimension, dimension_name=row.dimension_name,
                 score=row.score, best_score=row.best_score, weight=row.weight, contribution=row.contribution,
                 gap=gap)
        for gap, row in gaps[:PRIORITIES])


def _trend(results: CycleResults, framework: Framework, region: Region,
           all_bands: dict[int, tuple[Band, ...]]) -> tuple[TrendPoint, ...]:
    """The region's result in each cycle of the framework up to this one: the run each shows (its latest
    publication, else its latest computation), and in this cycle the run `results` shows (one query)."""
    cycle = results.cycle
    publications = Publication.objects.filter(cycle=OuterRef("run__cycle"))
    shown = Coalesce(Subquery(publications.order_by("-version").values("run_id")[:1]),
                     F("run__cycle__current_run_id"))
    rows = (RegionScore.objects
            .filter(region_id=region.pk, run__cycle__framework__code=framework.code,
                    run__cycle__period__lte=cycle.period)
            .annotate(shown=shown, published=Exists(publications))
            .filter(Q(run_id=shown_run_id(results)) | (~Q(run__cycle=cycle) & Q(run_id=F("shown"))))
            .order_by("run__cycle__period", "run__cycle__framework__version")
            .values("run__cycle__period", "run__cycle__framework_id", "run__cycle__framework__version",
                    "run__cycle__is_demo", "index", "level", "published", "run__cycle_id"))
    by_period: dict[int, TrendPoint] = {}
    for row in rows:  # one point per period: the latest framework version's, if two versions share a period
        labels = {band.level: band.label for band in all_bands.get(row["run__cycle__framework_id"], ())}
        level = row["level"]
        by_period[row["run__cycle__period"]] = TrendPoint(
            period=row["run__cycle__period"], index=row["index"], level=level,
            level_label=None if level is None else labels.get(level), is_demo=row["run__cycle__is_demo"],
            provisional=results.provisional if row["run__cycle_id"] == cycle.pk else not row["published"],
            version=row["run__cycle__framework__version"])
    return tuple(by_period.values())


def _method(framework: Framework, dimensions: list[DimensionInfo], indicators: list[IndicatorInfo],
            finished_at: datetime.datetime | None, method: dict[str, Any] | None) -> MethodSummary:
    uncertainty = (method or {}).get("uncertainty") or {}
    return MethodSummary(
        code=framework.code, name=framework.name, version=framework.version,
        weighting=str(Framework.Weighting(framework.weighting).label),
        aggregation=str(Framework.Aggregation(framework.aggregation).label),
        min_share=framework.min_share,
        dimensions=tuple(MethodDimension(code=d["code"], name=d["name"], weight=d["weight"]) for d in dimensions),
        indicators=tuple(
            MethodIndicator(code=i["code"], name=i["name"], dimension=i["dimension"],
                            normalisation=str(Indicator.Normalisation(i["normalisation"]).label),
                            direction=str(Indicator.Direction(i["direction"]).label), weight=i["weight"])
            for i in indicators),
        uncertainty=_uncertainty(uncertainty),
        computed_at=finished_at,
    )


def _uncertainty(stored: dict[str, Any]) -> Uncertainty:
    """The run's `method["uncertainty"]`: draws, weight_range and the inputs varied (a run that did not record
    them varied the weights, when it has a range, and the normalisation method)."""
    draws, weight_range = stored.get("draws"), stored.get("weight_range")
    inputs = stored.get("inputs")
    if inputs is None:
        inputs = [*([] if weight_range is None else ["weights"]), "normalisation"] if draws else []
    return Uncertainty(draws=draws, weight_range=weight_range, inputs=tuple(str(name) for name in inputs))
