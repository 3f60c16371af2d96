"""The regions of one view of the results map: every region of a level (within a province or a prefecture) the
reader may see, with its index and maturity level in the run shown, or marked as without a result.

Views, as the map drills down (`MapView`): every province of the nation; the prefectures of the nation or of one
province (with the county-level divisions provinces administer directly — a municipality's districts, Hubei's
仙桃市 — so that every province is covered); the county-level divisions of a province or of a prefecture.
Boundaries come from static/maps/ (scripts/build_boundaries.py), keyed by the register's codes: a region whose
code has no boundary there is listed in `RegionMap.missing`, never dropped. A fixed number of queries (about eight)
whatever the number of regions (2 more given a cycle).
"""

import json
from dataclasses import dataclass, replace
from functools import lru_cache

import pandas as pd
from django.contrib.staticfiles import finders
from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from assessments.models import Region, RegionScore
from smartgov.i18n import localised

from .national import nation_region
from .rows import bands_by_framework, named_on, number, result_status, results_of, shown_run_id, values_frame
from .scope import Regions, Results
from .types import Band, Named, NoResult, ResultStatus

LEVELS = (Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY)
BOUNDARIES = "maps/index.json"
"""The index of the boundary files (code → file under static/maps/, and the codes without a boundary)."""


@dataclass(frozen=True)
class MapView:
    """Which regions a map shows: those of `level` (a `Region.Level` value: province, prefecture or county) in
    the nation (`within` None) or within the region of code `within` (a province; for counties, a province or a
    prefecture)."""

    level: str
    within: str | None = None


@dataclass(frozen=True)
class MapRegion:
    """A region on the map."""

    code: str
    name: str
    """As named when the cycle closed, in the active language."""
    level: str
    """`Region.Level` value of the region (a prefecture view may show county-level divisions)."""
    index: float | None
    """0–100; None without a result (or a result without an index)."""
    maturity: int | None
    """Maturity level (1 lowest); None when not rated."""
    label: str | None
    """The maturity level's name."""
    has_result: bool
    """The region has a result in the run shown."""
    has_boundary: bool
    """static/maps/ has its boundary (else it is listed beside the map)."""
    drill: MapView | None
    """The view a click on the region opens (its prefectures or counties); None when there is none."""
    results_within: int = 0
    """How many regions within it (a province's or a prefecture's, that the reader may see) have a result."""
    mean_within: float | None = None
    """The mean index of those regions (descriptive; None without any)."""


@dataclass(frozen=True)
class RegionMap:
    """One view of the map (`region_map`)."""

    view: MapView
    nation: str
    """The name of the country (the register's root), for the top of the breadcrumb."""
    trail: tuple[Named, ...]
    """The regions above the view, from the nation down to `view.within` (for a breadcrumb)."""
    regions: tuple[MapRegion, ...]
    """By code."""
    bands: tuple[Band, ...]
    """The framework's maturity levels, lowest first (every level, for a legend and colours)."""
    boundaries: tuple[str, ...]
    """The boundary files the regions are in (paths under static/), outline of the nation aside."""
    missing: tuple[Named, ...]
    """Regions of the view whose code has no boundary."""
    status: ResultStatus


@lru_cache(maxsize=1)
def boundary_index() -> dict[str, str]:
    """Region code → its boundary file (a path under static/), from static/maps/index.json; empty when the
    file is not there."""
    path = finders.find(BOUNDARIES)
    if not path:
        return {}
    with open(path, encoding="utf-8") as file:
        files = json.load(file)["files"]
    return {code: f"maps/{name}" for code, name in files.items()}


def map_view(level: str | None, within: str | None) -> MapView:
    """The view asked for (the text of ?level= and ?within=); NoResult saying why when there is no such view."""
    level = level or Region.Level.PROVINCE
    if level not in LEVELS:
        raise NoResult(_("No such level of region on the map."))
    within = within or None
    if within is not None and level == Region.Level.PROVINCE:
        raise NoResult(_("Provinces are shown for the whole nation only."))
    if within is None and level == Region.Level.COUNTY:
        raise NoResult(_("Counties are shown within a province or a prefecture."))
    return MapView(level=level, within=within)


def region_map(which: Results, view: MapView, regions: Regions | None = None) -> RegionMap:
    """The regions of `view` among `regions` (a Region queryset or ids; None: every region) with their results
    in the run `which` shows. Current regions of the register, and those of another edition that have a result.

    Raises NoResult when nothing has been computed, or `view.within` is not a region of the right level.
    """
    results = results_of(which)
    run_id = shown_run_id(results)
    trail = _trail(view)
    where = _where(view, trail[-1] if view.within else None)
    if regions is not None:
        where &= Q(pk__in=regions)
    scores = RegionScore.objects.filter(run_id=run_id)
    where &= Q(valid_to__isnull=True) | Q(pk__in=scores.values("region_id"))
    name = localised("name_zh", "name_en")
    rows = values_frame(Region.objects.filter(where).order_by("code"), ["pk", "code", name, "level"])
    rows = named_on(rows.rename(columns={"pk": "region_id", name: "name"}), results.cycle)
    ids = [int(i) for i in rows["region_id"]]
    found = {r["region_id"]: r for r in scores.filter(region_id__in=ids).values("region_id", "index", "level")}
    children = dict(Region.objects.filter(parent_id__in=ids, valid_to__isnull=True).values_list("parent_id")
                    .annotate(count=Count("pk")).values_list("parent_id", "count"))
    within = _within(scores if regions is None else scores.filter(region__in=regions), rows, ids)
    bands = bands_by_framework(None, framework_id=results.cycle.framework_id).get(results.cycle.framework_id, ())
    labels = {band.level: band.label for band in bands}
    index = boundary_index()
    shown = []
    for region_id, code, label, level in rows[["region_id", "code", "name", "level"]].itertuples(index=False):
        score = found.get(region_id)
        maturity = None if score is None or score["level"] is None else int(score["level"])
        shown.append(MapRegion(
            code=code, name=label, level=level, index=None if score is None else number(score["index"]),
            maturity=maturity, label=labels.get(maturity) if maturity is not None else None,
            has_result=score is not None, has_boundary=code in index,
            drill=_drill(code, level, view, bool(children.get(region_id))),
            results_within=within.get(region_id, (0, None))[0], mean_within=within.get(region_id, (0, None))[1]))
    return RegionMap(
        view=view, nation=_nation(), trail=tuple(Named(code=r.code, name=r.name) for r in trail[1:] if r),
        regions=tuple(shown),
        bands=bands, boundaries=tuple(sorted({index[r.code] for r in shown if r.code in index})),
        missing=tuple(Named(code=r.code, name=r.name) for r in shown if not r.has_boundary),
        status=result_status(results))


def _within(scores: QuerySet[RegionScore], rows: pd.DataFrame, ids: list[int]) -> dict[int, tuple[int, float | None]]:
    """Region id → (results within it, their mean index), for the provinces and prefectures of `ids` (one query
    per level present)."""
    found: dict[int, tuple[int, float | None]] = {}
    keys = ((Region.Level.PROVINCE, "region__province_id"), (Region.Level.PREFECTURE, "region__parent_id"))
    for level, key in keys:
        chosen = [i for i, lv in zip(rows["region_id"], rows["level"], strict=True) if lv == level]
        if not chosen:
            continue
        counted = (scores.filter(**{f"{key}__in": [int(i) for i in chosen]}).exclude(region_id__in=ids)
                   .values(key).annotate(count=Count("pk"), mean=Avg("index")).values_list(key, "count", "mean"))
        found |= {region_id: (count, number(mean)) for region_id, count, mean in counted}
    return found


def _nation() -> str:
    """The register's country, by name (one query)."""
    country = nation_region()
    return country.name if country is not None else _("China")


def _trail(view: MapView) -> list[Region | None]:
    """[None (the nation), the province, the prefecture] down to `view.within` (one query)."""
    if view.within is None:
        return [None]
    region = Region.objects.select_related("parent").filter(code=view.within).first()
    allowed = ((Region.Level.PROVINCE,) if view.level == Region.Level.PREFECTURE
               else (Region.Level.PROVINCE, Region.Level.PREFECTURE))
    if region is None or region.level not in allowed:
        raise NoResult(_("No such region to show on the map."))
    return [None, region] if region.level == Region.Level.PROVINCE else [None, region.parent, region]


def _where(view: MapView, within: Region | None) -> Q:
    if within is None and view.level == Region.Level.PREFECTURE:  # with the counties provinces administer
        return Q(tree="CN") & (Q(level=view.level) | Q(level=Region.Level.COUNTY, parent__level=Region.Level.PROVINCE))
    if within is None:
        return Q(level=view.level, tree="CN")
    if view.level == Region.Level.PREFECTURE:  # with the county-level divisions the province administers itself
        return Q(level__in=[Region.Level.PREFECTURE, Region.Level.COUNTY], parent_id=within.pk)
    if within.level == Region.Level.PROVINCE:
        return Q(level=Region.Level.COUNTY, province_id=within.pk)
    return Q(level=Region.Level.COUNTY, parent_id=within.pk)


def _drill(code: str, level: str, view: MapView, has_children: bool) -> MapView | None:
    """The view a click on a region opens: a province's prefectures, a prefecture's counties."""
    if not has_children:
        return None
    if level == Region.Level.PROVINCE:
        return MapView(level=Region.Level.PREFECTURE, within=code)
    if level == Region.Level.PREFECTURE:
        return MapView(level=Region.Level.COUNTY, within=code)
    return None


def rated_by_regions_within(data: RegionMap) -> RegionMap:
    """`data` with each region without a result of its own but with results within it (a province whose
    prefectures and counties are scored) coloured by the maturity level its `mean_within` falls in, for a map of
    the provinces of the nation. No query."""
    bands = sorted(data.bands, key=lambda band: band.min_score)

    def rated(region: MapRegion) -> MapRegion:
        if region.has_result or region.mean_within is None:
            return region
        band = next((b for b in reversed(bands) if region.mean_within >= b.min_score), None)
        return replace(region, index=region.mean_within, maturity=None if band is None else band.level,
                       label=None if band is None else band.label)

    return replace(data, regions=tuple(rated(region) for region in data.regions))
