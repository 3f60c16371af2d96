"""The results map, static, for the PDF reports: the regions of one view of `reports.selectors.maps.region_map`
filled with the colours of the level charts (`reports.figures.level_colors`; grey without a result), drawn from
the same boundary files as the dashboards' map (static/maps/).

Drawn as filled cartesian shapes in a simple equirectangular projection (longitude scaled by the cosine of the
view's middle latitude), not as a plotly `choropleth`: a geo subplot makes plotly.js fetch a base map from its CDN,
which the chart export (kaleido, offline) cannot; a province's extent is small enough for this projection.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _

from . import figures

if TYPE_CHECKING:
    from assessments.models import Region

    from .selectors import Results
    from .selectors.maps import RegionMap


@lru_cache(maxsize=8)
def _features(path: str) -> dict[str, dict]:
    """The geometries of a boundary file (a path under static/), by code."""
    found = finders.find(path)
    if not found:
        return {}
    with open(found, encoding="utf-8") as file:
        return {feature["id"]: feature["geometry"] for feature in json.load(file)["features"]}


def _rings(geometry: dict) -> list[list[list[float]]]:
    """The exterior rings of a Polygon or MultiPolygon."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [polygon[0] for polygon in polygons if polygon]


def region_map_figure(data: RegionMap, *, title: str | None = None, height: int = 480,
                      names: bool = True) -> go.Figure:
    """The regions of `data` with a boundary, one colour per maturity level, a legend entry per level shown
    (and one for the regions without a result), each named unless `names` is False (too many to read); an empty
    figure saying so when none has a boundary."""
    colours = figures.level_colors([band.level for band in data.bands])
    labels = {band.level: f"L{band.level} {band.label}" for band in data.bands}
    geometry = {code: shape for path in data.boundaries for code, shape in _features(path).items()}
    drawn = [(region, geometry[region.code]) for region in data.regions if region.code in geometry]
    if not drawn:
        return figures._empty(_("No boundaries to draw."), title=title, height=height)
    lats = [y for _region, shape in drawn for ring in _rings(shape) for _x, y in ring]
    scale = math.cos(math.radians((min(lats) + max(lats)) / 2))
    figure = figures._figure(title=title, height=height, showlegend=True)
    groups: dict[int | None, list[tuple[object, dict]]] = {}
    for region, shape in drawn:
        groups.setdefault(region.maturity if region.maturity in colours else None, []).append((region, shape))
    for maturity in sorted(groups, key=lambda level: (level is None, level or 0)):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for _region, shape in groups[maturity]:
            for ring in _rings(shape):
                xs += [x * scale for x, _y in ring] + [None]
                ys += [y for _x, y in ring] + [None]
        colour = figures.UNRATED if maturity is None else colours[maturity]
        figure.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", fill="toself", fillcolor=colour, line={"color": "#ffffff", "width": 0.6},
            name=_("No result or not rated") if maturity is None else labels.get(maturity, str(maturity)),
            hoverinfo="skip"))
    if names:  # at the middle of each region's largest part
        names_x, names_y, labels_shown = [], [], []
        for region, shape in drawn:
            ring = max(_rings(shape), key=len)
            names_x.append(sum(x for x, _y in ring) / len(ring) * scale)
            names_y.append(sum(y for _x, y in ring) / len(ring))
            labels_shown.append(region.name)
        figure.add_trace(go.Scatter(x=names_x, y=names_y, mode="text", text=labels_shown, showlegend=False,
                                    hoverinfo="skip", textfont={"size": 9, "color": figures.INK}))
    figure.update_layout(xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1},
                         margin={"l": 8, "r": 8, "t": 84 if title else 40, "b": 8})
    return figure


def province_map(results: Results, province: Region) -> tuple[RegionMap, go.Figure]:
    """The view of a province's prefectures (and the counties it administers itself) and its static map."""
    from .selectors.maps import MapView, region_map

    data = region_map(results, MapView(level="prefecture", within=province.code))
    return data, region_map_figure(data)


def national_maps(results: Results) -> list[tuple[RegionMap, go.Figure]]:
    """The nation's static maps: its province-level divisions (named), each coloured by its own result or else by
    the level of the mean index of the regions within it; then its prefecture-level divisions and the counties
    provinces administer directly (unnamed: over three hundred)."""
    from .selectors.maps import MapView, rated_by_regions_within, region_map

    provinces = rated_by_regions_within(region_map(results, MapView(level="province")))
    prefectures = region_map(results, MapView(level="prefecture"))
    return [(provinces, region_map_figure(provinces)), (prefectures, region_map_figure(prefectures, names=False))]
