"""The results of the whole nation, for the national report: key figures, one row per province-level division,
the best and the weakest regions, the dimension means of each province. A fixed number of queries (nine; two
more given a cycle) whatever the number of regions: the scores are read once into pandas and summarised there.

A province's figures describe the regions within it (its prefecture- and county-level divisions), not its own
result, if it has one.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from django.db.models import Avg, Q
from django.utils.translation import gettext as _

from assessments.models import Cycle, DimensionScore, Region
from smartgov.i18n import localised

from .rows import (
    DimensionInfo,
    bands_by_framework,
    dimensions_of,
    named_on,
    number,
    records,
    region_frame,
    result_status,
    results_of,
    shown_run_id,
    values_frame,
)
from .scope import Results
from .types import Band, LevelCount, Named, ResultStatus

LISTED = 20
"""How many regions the lists of the best and of the weakest regions of the nation hold."""
TOP_LEVELS = 2
"""A province's `top_share` counts its regions at the highest TOP_LEVELS maturity levels."""
BELOW_PROVINCE = (Region.Level.PREFECTURE, Region.Level.COUNTY)


def nation_region() -> Region | None:
    """The register's country (level "country" of the CN register): the region of a national report (one
    query)."""
    return Region.objects.filter(level=Region.Level.COUNTRY, tree="CN").order_by("code").first()


@dataclass(frozen=True)
class RankedRegion:
    """A region of the nation's lists of the best and the weakest (`NationalReport.top`, `bottom`)."""

    code: str
    name: str
    """As named when the cycle closed, in the active language."""
    province: str | None
    """The name of its province-level division."""
    region_level: str
    """`Region.Level` value: prefecture or county."""
    index: float | None
    """0–100."""
    level: int | None
    """Maturity level."""
    level_label: str | None
    """The maturity level's name."""
    rank: int | None
    """Rank among every region scored in the cycle (1 best)."""
    change: float | None
    """Index points since the previous scored period; None without one."""

    @property
    def region_level_label(self) -> str:
        """“Prefecture-level division” or “County-level division”, in the active language."""
        return str(Region.Level(self.region_level).label)


@dataclass(frozen=True)
class ProvinceRow:
    """A province-level division of the national report, summarising the regions within it."""

    code: str
    name: str
    """As named when the cycle closed, in the active language."""
    scored: int
    """Its prefecture- and county-level divisions with a result."""
    prefectures: int
    """Its prefecture-level divisions with a result."""
    counties: int
    """Its county-level divisions with a result."""
    mean: float | None
    """Mean index of its regions with an index (None without any)."""
    prefecture_mean: float | None
    """Mean index of its prefecture-level divisions."""
    county_mean: float | None
    """Mean index of its county-level divisions."""
    top_share: float | None
    """Share (0–1) of its rated regions at the highest TOP_LEVELS maturity levels; None when none is rated."""
    best: RankedRegion | None
    """Its region with the highest index (the first by code when several share it)."""
    level_counts: tuple[int, ...]
    """Its regions at each maturity level, in the order of `NationalReport.level_counts`."""
    dimensions: Mapping[str, float | None]
    """Dimension code → mean score of its regions, in framework order."""

    @property
    def top_share_pct(self) -> float | None:
        """`top_share` in per cent."""
        return None if self.top_share is None else 100 * self.top_share

    @property
    def dimension_scores(self) -> list[float | None]:
        """The values of `dimensions`, in framework order."""
        return list(self.dimensions.values())


@dataclass(frozen=True)
class NationalReport:
    """The results of the nation (`national_report`)."""

    nation: Named
    """The register's country."""
    period: int
    """The cycle's period (year)."""
    is_demo: bool
    """Whether the cycle holds demo data."""
    status: ResultStatus
    """Which results these are: provisional or a published version, participation, whether ranks are shown."""
    scored_by_level: Mapping[str, int]
    """`Region.Level` value (province, prefecture, county) → regions of that level with a result."""
    mean: float | None
    """Mean index of the prefecture- and county-level divisions with one."""
    median_change: float | None
    """Median change of their index since the previous period, over those with one."""
    level_counts: tuple[LevelCount, ...]
    """Prefecture- and county-level divisions per maturity level: one per band in order, then “Not rated” if any
    has no level."""
    provinces: tuple[ProvinceRow, ...]
    """Every province-level division of the register, by mean index (highest first), those without a result
    last, by code."""
    top: tuple[RankedRegion, ...]
    """The LISTED best-ranked prefecture- and county-level divisions, by rank; empty when ranks are not shown."""
    bottom: tuple[RankedRegion, ...]
    """The LISTED worst-ranked ones (none of `top`), by rank; empty when ranks are not shown."""
    regions_ranked: int
    """Regions ranked in the whole cycle (for “rank 3 of 3,214”); 0 when ranks are not shown."""
    dimensions: tuple[Named, ...]
    """The framework's dimensions in order."""
    bands: tuple[Band, ...]
    """The maturity levels of the cycle's framework, lowest first."""

    @property
    def scored(self) -> int:
        """Prefecture- and county-level divisions with a result."""
        return sum(self.scored_by_level.get(level, 0) for level in BELOW_PROVINCE)

    @property
    def provinces_scored(self) -> int:
        """Province-level divisions with at least one region with a result."""
        return sum(1 for row in self.provinces if row.scored)


def national_report(which: Results) -> NationalReport:
    """The results of every region in the run `which` shows (`assessments.selectors.cycle_results`), summarised
    for the nation and per province-level division. 9 queries (2 more given a cycle).

    Raises NoResult when nothing has been computed.
    """
    results = results_of(which)
    cycle = results.cycle
    run_id = shown_run_id(results)
    status = result_status(results)
    country = nation_region()
    frame = region_frame(Q(run_id=run_id), results, extra={"region__level": "region_level"})
    dimensions = dimensions_of(cycle.framework_id)
    bands = bands_by_framework(None, framework_id=cycle.framework_id).get(cycle.framework_id, ())
    labels = {band.level: band.label for band in bands}

    below = frame[frame["region_level"].isin(BELOW_PROVINCE)]
    level_counts = [LevelCount(level=band.level, label=band.label, min_score=band.min_score,
                               count=int((below["level"] == band.level).sum())) for band in bands]
    unrated = int(below["level"].isna().sum())
    if unrated:
        level_counts.append(LevelCount(level=None, label=_("Not rated"), min_score=None, count=unrated))
    changes = below["change"].dropna().tolist()
    ranked = below.dropna(subset=["rank"]).sort_values(["rank", "code"], kind="stable")
    top = _ranked(ranked.head(LISTED), labels)
    bottom = _ranked(ranked.iloc[len(top):].tail(LISTED), labels)
    return NationalReport(
        nation=Named(code=country.code, name=country.name) if country is not None else Named(code="", name=_("China")),
        period=cycle.period, is_demo=cycle.is_demo, status=status,
        scored_by_level={str(level): int(count) for level, count in frame["region_level"].value_counts().items()},
        mean=number(below["index"].mean()) if below["index"].notna().any() else None,
        median_change=statistics.median(changes) if changes else None,
        level_counts=tuple(level_counts),
        provinces=_provinces(cycle, run_id, below, bands, dimensions, labels, unrated=bool(unrated)),
        top=top, bottom=bottom,
        regions_ranked=int(frame["rank"].notna().sum()),
        dimensions=tuple(Named(code=d["code"], name=d["name"]) for d in dimensions),
        bands=bands,
    )


def _ranked(frame: pd.DataFrame, labels: Mapping[int, str]) -> tuple[RankedRegion, ...]:
    return tuple(RankedRegion(code=r["code"], name=r["name"], province=r["province"], region_level=r["region_level"],
                              index=r["index"], level=r["level"], level_label=labels.get(r["level"]),
                              rank=r["rank"], change=r["change"]) for r in records(frame))


def _provinces(cycle: Cycle, run_id: int, below: pd.DataFrame, bands: tuple[Band, ...],
               dimensions: list[DimensionInfo], labels: Mapping[int, str], *, unrated: bool) -> tuple[ProvinceRow, ...]:
    """A row per province-level division of the register (and any other with a result within it), by mean index
    (three queries)."""
    name = localised("name_zh", "name_en")
    listed = Region.objects.filter(Q(valid_to__isnull=True) | Q(pk__in=below["province_id"].dropna().astype(int)
                                                                      .unique().tolist()),
                                   level=Region.Level.PROVINCE, tree="CN").order_by("code")
    provinces = named_on(values_frame(listed, ["pk", "code", name]).rename(columns={"pk": "region_id", name: "name"}),
                         cycle)
    means = values_frame(
        DimensionScore.objects.filter(run_id=run_id, region__level__in=BELOW_PROVINCE)
        .values("region__province_id", "dimension_id").annotate(mean=Avg("score")).order_by(),
        ["region__province_id", "dimension_id", "mean"])
    by_province: dict[int, dict[int, float | None]] = {}
    for province_id, dimension_id, mean in means.itertuples(index=False):
        if province_id is not None:
            by_province.setdefault(int(province_id), {})[int(dimension_id)] = number(mean)
    levels = [band.level for band in bands]
    top_levels = set(levels[-TOP_LEVELS:])
    groups = dict(tuple(below.groupby("province_id"))) if len(below) else {}
    rows = []
    for province_id, code, label in provinces[["region_id", "code", "name"]].itertuples(index=False):
        regions = groups.get(float(province_id), below.iloc[0:0])
        prefectures = regions[regions["region_level"] == Region.Level.PREFECTURE]
        counties = regions[regions["region_level"] == Region.Level.COUNTY]
        rated = regions["level"].dropna()
        indexed = regions.dropna(subset=["index"]).sort_values(["index", "code"], ascending=[False, True],
                                                               kind="stable")
        counts = [int((rated == level).sum()) for level in levels] + ([int(regions["level"].isna().sum())]
                                                                        if unrated else [])
        dimension_means = by_province.get(int(province_id), {})
        rows.append(ProvinceRow(
            code=code, name=label, scored=len(regions), prefectures=len(prefectures), counties=len(counties),
            mean=_mean(regions), prefecture_mean=_mean(prefectures), county_mean=_mean(counties),
            top_share=float(rated.isin(top_levels).mean()) if len(rated) else None,
            best=_ranked(indexed.head(1), labels)[0] if len(indexed) else None,
            level_counts=tuple(counts),
            dimensions={d["code"]: dimension_means.get(d["pk"]) for d in dimensions}))
    return tuple(sorted(rows, key=lambda row: (row.mean is None, -(row.mean or 0), row.code)))


def _mean(frame: pd.DataFrame) -> float | None:
    return number(frame["index"].mean()) if frame["index"].notna().any() else None
