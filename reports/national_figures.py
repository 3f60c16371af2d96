"""The charts of the national report that compare the province-level divisions (`selectors.national_report`):
their regions per maturity level, and their dimension means. Colours as in `reports.figures`: a maturity level
has the same colour here as in the level charts and the maps."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from .figures import UNRATED, _colon, _empty, _figure, level_colors
from .selectors import LevelCount, Named, ProvinceRow

ROW_HEIGHT = 18
"""Pixels per province in the charts with a row per province."""


def _scored(provinces: Sequence[ProvinceRow]) -> list[ProvinceRow]:
    """The provinces with a result within them, in the report's order (best mean index first)."""
    return [row for row in provinces if row.scored]


def province_levels(provinces: Sequence[ProvinceRow], level_counts: Sequence[LevelCount], *,
                    title: str | None = None) -> go.Figure:
    """Each province's regions per maturity level, as shares of its rated regions (stacked bars, one row per
    province, the best on top; the counts on hover)."""
    rows = _scored(provinces)
    if not rows:
        return _empty(_("No region scored"), title=title)
    colours = level_colors([row.level for row in level_counts])
    figure = _figure(title=title, height=max(260, 110 + ROW_HEIGHT * len(rows)))
    names = [row.name for row in rows]
    for position, count in enumerate(level_counts):
        values = [row.level_counts[position] for row in rows]
        figure.add_trace(go.Bar(
            y=names, x=[100 * value / row.scored if row.scored else 0 for value, row in zip(values, rows, strict=True)],
            customdata=values, orientation="h",
            name=f"L{count.level} {count.label}" if count.level is not None else count.label,
            marker={"color": colours.get(count.level, UNRATED) if count.level is not None else UNRATED,
                    "line": {"color": "#ffffff", "width": 0.5}},
            hovertemplate="%{y}<br>" + _colon("%{fullData.name}", "%{customdata}") + "<extra></extra>"))
    figure.update_layout(barmode="stack", bargap=0.25,
                         xaxis={"title": _("Share of the regions (%)"), "range": [0, 100], "ticksuffix": " %"},
                         yaxis={"autorange": "reversed", "type": "category", "tickfont": {"size": 10}},
                         legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "traceorder": "normal"},
                         margin={"l": 8, "r": 16, "t": 70 if not title else 110, "b": 40})
    return figure


def province_dimensions(provinces: Sequence[ProvinceRow], dimensions: Sequence[Named], *,
                        title: str | None = None) -> go.Figure:
    """The mean score of each dimension (columns) in each province (rows, the best on top), 0–100."""
    rows = _scored(provinces)
    if not rows or not dimensions:
        return _empty(_("No region scored"), title=title)
    z = [[None if score is None else round(score, 1) for score in row.dimension_scores] for row in rows]
    figure = _figure(title=title, height=max(260, 120 + ROW_HEIGHT * len(rows)))
    figure.add_trace(go.Heatmap(
        z=z, x=[d.name for d in dimensions], y=[row.name for row in rows], text=z, texttemplate="%{z:.1f}",
        textfont={"size": 9}, colorscale="YlGnBu", zmin=0, zmax=100, xgap=1, ygap=1,
        colorbar={"title": {"text": _("Mean score"), "side": "right"}, "thickness": 12},
        hovertemplate="%{y} · %{x}<br>" + _colon(_("Mean score"), "%{z:.1f}") + "<extra></extra>",
        hoverongaps=False))
    figure.update_layout(yaxis={"autorange": "reversed", "type": "category", "tickfont": {"size": 10}},
                         xaxis={"side": "top", "type": "category", "tickfont": {"size": 10}},
                         margin={"l": 8, "r": 8, "t": 60 if not title else 100, "b": 10})
    return figure
