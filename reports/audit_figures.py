"""Plotly figures of a run's statistical audit and sensitivity analysis, for the audit page and (exported to SVG)
the province PDF's annex.

Pure functions, like `reports.figures` (same template, fonts, colours and sizes): plain dicts in — a period of
`Audit.as_dict()` or parts of it, `Sensitivity.as_dict()` or parts of it, as `RunAnalysis` stores them — and a
`names` mapping (code → name in the active language: indicators, dimensions, "index", regions); a
`plotly.graph_objects.Figure` out. The numbers drawn are the stored ones, unrounded (shares stay 0–1 and the
axes print them in per cent); a missing statistic (None) is a blank cell or a missing bar, never a zero. Every
figure draws only what a static export renders: the Pearson/Spearman choice is two figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from .figures import CITY, GRID, HEIGHT, INK, MUTED, PALETTE, _colon, _empty, _figure, _fmt, _rank_ticks, _top, _wrap
from .selectors import input_label

Row = Mapping[str, Any]
DIVERGING = [[0.0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"], [0.75, "#67a9cf"], [1.0, "#2166ac"]]
"""−1 red, 0 white, +1 blue (ColorBrewer RdBu, readable with the common colour-vision deficiencies)."""
SEQUENTIAL = "YlOrRd"
ALPHA_THRESHOLD = 0.7
"""Cronbach's α from which a dimension is usually read as internally consistent (Nunnally, 1978)."""


def _name(names: Mapping[str, str], code: str) -> str:
    return names.get(code) or code


def _full(names: Mapping[str, str], code: str, level: str = "indicator") -> str:
    """“RS01 name” for an indicator, the name of a dimension or of the index."""
    name = _name(names, code)
    return f"{code} {name}" if level == "indicator" and name != code else name


def _label(names: Mapping[str, str], code: str, level: str) -> str:
    """An axis label: an indicator's code, a dimension's or the index's name."""
    return code if level == "indicator" else _name(names, code)


# --------------------------------------------------------------------------------------------------------------
# The audit (one period of `Audit.as_dict()`)


def correlation_heatmap(correlations: Row, names: Mapping[str, str], *, method: str = "pearson",
                        title: str | None = None) -> go.Figure:
    """The correlations (`method` "pearson" or "spearman") of the normalised indicators, the dimensions and the
    index (`correlations` of a period of the audit), −1 red to +1 blue; an undefined correlation is a blank cell.
    Indicators are labelled by code, dimensions and the index by name; the hover names both and the number of
    regions the correlation rests on."""
    codes = list(correlations.get("codes") or [])
    matrix = correlations.get(method) or []
    if not codes or not matrix:
        return _empty(_("No correlation: too few regions"), title=title)
    levels = list(correlations.get("levels") or ["indicator"] * len(codes))
    pairs = correlations.get("pairs") or [[None] * len(codes) for _code in codes]
    labels = [_label(names, code, level) for code, level in zip(codes, levels, strict=True)]
    full = [_full(names, code, level) for code, level in zip(codes, levels, strict=True)]
    size = len(codes)
    height = max(HEIGHT, min(1400, 170 + 17 * size))
    figure = _figure(title=title, height=height)
    coefficient = _("Pearson r") if method == "pearson" else _("Spearman ρ")
    figure.add_trace(go.Heatmap(
        z=[list(row) for row in matrix], x=labels, y=labels, zmin=-1, zmax=1, zmid=0, colorscale=DIVERGING,
        xgap=1, ygap=1, hoverongaps=False,
        customdata=[[[full[i], full[j], "–" if pairs[i][j] is None else pairs[i][j]] for j in range(size)]
                    for i in range(size)],
        colorbar={"title": {"text": coefficient, "side": "right"}, "thickness": 12, "len": min(1, 420 / height),
                  "tickvals": [-1, -0.5, 0, 0.5, 1]},
        hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>" + _colon(coefficient, "%{z:.2f}") + " · "
        + _colon(_("Regions"), "%{customdata[2]}") + "<extra></extra>"))
    # Lines between the indicators, the dimensions and the index.
    for position in (i for i in range(1, size) if levels[i] != levels[i - 1]):
        for axis in ("x", "y"):
            ends = {f"{axis}0": position - 0.5, f"{axis}1": position - 0.5}
            other = "y" if axis == "x" else "x"
            figure.add_shape(type="line", xref="x", yref="y", **ends, **{f"{other}0": -0.5, f"{other}1": size - 0.5},
                             line={"color": INK, "width": 1})
    figure.update_layout(xaxis={"side": "top", "tickangle": -90, "tickfont": {"size": 10}, "type": "category"},
                         yaxis={"autorange": "reversed", "tickfont": {"size": 10}, "type": "category"},
                         margin={"t": _top(title) + 60, "b": 20})
    return figure


def weight_bars(importance: Sequence[Row], names: Mapping[str, str], *, level: str = "indicator",
                title: str | None = None) -> go.Figure:
    """Nominal against effective weight, as horizontal bars in pairs: of each indicator in its dimension
    (`level` "indicator") or of each dimension in the index ("dimension"), from the audit's `importance`. The
    effective weight is the squared correlation with the aggregate, scaled to sum to 1 within it."""
    rows = [row for row in importance if row.get("level") == level
            and (row.get("aggregate") != "index" if level == "indicator" else row.get("aggregate") == "index")]
    if not rows:
        return _empty(_("No weight to compare"), title=title)
    labels = [_wrap(_full(names, row["code"], level), 30) for row in rows]
    hover = [[_full(names, row["code"], level), _name(names, row["aggregate"]), _fmt(row.get("pearson"), 2)]
             for row in rows]
    height = max(HEIGHT if level == "indicator" else 300, min(2400, 110 + 34 * len(rows)))
    figure = _figure(title=title, height=height)
    for key, name, colour in (("nominal", _("Nominal weight"), PALETTE[0]),
                              ("effective", _("Effective weight"), PALETTE[1])):
        figure.add_trace(go.Bar(
            x=[row.get(key) for row in rows], y=labels, orientation="h", name=name, marker={"color": colour},
            customdata=hover,
            hovertemplate="%{customdata[0]}<br>" + _colon(name, "%{x:.1%}") + "<br>"
            + _colon(_("Correlation with %(aggregate)s") % {"aggregate": "%{customdata[1]}"}, "%{customdata[2]}")
            + "<extra></extra>"))
    axis = _("Weight within the dimension") if level == "indicator" else _("Weight in the index")
    figure.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05,
                         xaxis={"title": axis, "tickformat": ".0%", "rangemode": "tozero"},
                         yaxis={"autorange": "reversed", "type": "category", "tickfont": {"size": 11}},
                         margin={"t": _top(title) + 8})
    return figure


def consistency_bars(consistency: Sequence[Row], names: Mapping[str, str], *, title: str | None = None) -> go.Figure:
    """Per dimension, Cronbach's α and the share of the variance the first principal component explains (the
    audit's `consistency`), against the usual threshold of α (0.7); None (too few complete regions, a single
    indicator) is a missing bar."""
    rows = list(consistency)
    if not rows or all(row.get("alpha") is None and row.get("first_share") is None for row in rows):
        return _empty(_("No dimension with enough complete regions"), title=title)
    labels = [_wrap(_name(names, row["dimension"]), 14) for row in rows]
    figure = _figure(title=title)
    for key, name, colour, fmt in (("alpha", _("Cronbach's α"), PALETTE[0], "%{y:.2f}"),
                                   ("first_share", _("Variance explained by the first component"), PALETTE[2],
                                    "%{y:.1%}")):
        values = [row.get(key) for row in rows]
        figure.add_trace(go.Bar(
            x=labels, y=values, name=name, marker={"color": colour},
            text=[_fmt(v, 2) if key == "alpha" else ("–" if v is None else f"{100 * v:.0f}%") for v in values],
            textposition="outside", cliponaxis=False, customdata=[_name(names, row["dimension"]) for row in rows],
            hovertemplate=_colon("%{customdata}", fmt) + "<extra>" + name + "</extra>"))
    figure.add_hline(y=ALPHA_THRESHOLD, line={"color": MUTED, "dash": "dash", "width": 1},
                     annotation_text=_colon("α", ALPHA_THRESHOLD), annotation_position="top right",
                     annotation_font={"size": 10, "color": MUTED})
    lowest = min([0.0, *(row["alpha"] for row in rows if row.get("alpha") is not None)])
    figure.update_layout(barmode="group", bargap=0.3, xaxis={"type": "category"},
                         yaxis={"range": [lowest, 1.1], "title": _("α and share of the variance")})
    return figure


def loadings_bars(consistency: Sequence[Row], names: Mapping[str, str], *, title: str | None = None) -> go.Figure:
    """Each indicator's loading on the first principal component of its dimension (the audit's `consistency`),
    one colour per dimension: similar loadings mean the indicators measure one thing; one near 0 stands apart.
    An indicator left out (constant, too few complete regions) has no bar."""
    rows = [row for row in consistency if any(value is not None for value in row.get("loadings") or ())]
    if not rows:
        return _empty(_("No principal component: too few complete regions"), title=title)
    figure = _figure(title=title)
    for i, row in enumerate(rows):
        codes = list(row["indicators"])
        dimension = _name(names, row["dimension"])
        figure.add_trace(go.Bar(
            x=codes, y=list(row["loadings"]), name=dimension, marker={"color": PALETTE[i % len(PALETTE)]},
            customdata=[_full(names, code) for code in codes],
            hovertemplate=_colon("%{customdata}", "%{y:.2f}") + "<extra>" + dimension + "</extra>"))
    figure.update_layout(xaxis={"type": "category", "tickangle": -90, "tickfont": {"size": 10}},
                         yaxis={"title": _("Loading on the first component"), "zeroline": True},
                         bargap=0.2)
    return figure


# --------------------------------------------------------------------------------------------------------------
# The sensitivity analysis (`Sensitivity.as_dict()`)


def by_rank(regions: Iterable[Row]) -> list[Row]:
    """Regions sorted by nominal rank (unranked last, by median rank), then by code."""
    return sorted(regions, key=lambda r: (r.get("rank") is None, r.get("rank") or 0,
                                          r.get("rank_median") or 0, str(r.get("region"))))


def rank_intervals(regions: Sequence[Row], names: Mapping[str, str], *, title: str | None = None) -> go.Figure:
    """Each region's nominal rank (a dot), its median rank over the runs (a tick) and the 5–95 % interval of its
    rank (a whisker), best rank on top (the sensitivity's `regions`: give only those the reader may see)."""
    rows = by_rank(regions)
    if not rows:
        return _empty(_("No rank interval to show"), title=title)
    labels = [_name(names, str(row["region"])) for row in rows]
    whisker_x: list[float | None] = []
    whisker_y: list[str | None] = []
    for row, label in zip(rows, labels, strict=True):
        whisker_x += [row.get("rank_p05"), row.get("rank_p95"), None]
        whisker_y += [label, label, None]
    height = max(260, min(2400, 110 + 24 * len(rows)))
    figure = _figure(title=title, height=height)
    interval = _("Rank interval (5th–95th percentile)")
    figure.add_trace(go.Scatter(x=whisker_x, y=whisker_y, mode="lines", name=interval,
                                line={"color": "rgba(180, 35, 42, 0.45)", "width": 5}, hoverinfo="skip"))
    figure.add_trace(go.Scatter(
        x=[row.get("rank_median") for row in rows], y=labels, mode="markers", name=_("Median rank"),
        marker={"symbol": "line-ns", "size": 16, "line": {"width": 3, "color": INK}, "color": INK},
        hovertemplate=_colon("%{y}", "%{x}") + "<extra>" + _("Median rank") + "</extra>"))
    figure.add_trace(go.Scatter(
        x=[row.get("rank") for row in rows], y=labels, mode="markers", name=_("Rank"),
        marker={"symbol": "circle", "size": 10, "color": CITY},
        customdata=[[_fmt(row.get("rank_median"), 1), _fmt(row.get("rank_p05"), 1), _fmt(row.get("rank_p95"), 1)]
                    for row in rows],
        hovertemplate="<br>".join(["%{y}", _colon(_("Rank"), "%{x}"), _colon(_("Median rank"), "%{customdata[0]}"),
                                   _colon(interval, "%{customdata[1]}–%{customdata[2]}")]) + "<extra></extra>"))
    ranks = [value for row in rows for value in (row.get("rank"), row.get("rank_p95")) if value is not None]
    total = int(max(ranks)) if ranks else 1
    figure.update_layout(
        xaxis={"title": _("Rank (1 = best)"), "range": [0.5, total + 0.5], "tickmode": "array",
               "tickvals": _rank_ticks(total), "zeroline": False, "gridcolor": GRID},
        yaxis={"autorange": "reversed", "type": "category", "tickfont": {"size": 11}},
        margin={"t": _top(title) + 8})
    return figure


def sobol_bars(indices: Sequence[Row], *, title: str | None = None) -> go.Figure:
    """First-order (S1) and total (ST) Sobol indices of each declared input on the mean absolute rank shift (the
    sensitivity's `rank_shift`), with their confidence intervals as whiskers."""
    rows = list(indices)
    if not rows:
        return _empty(_("No sensitivity analysis"), title=title)
    labels = [_wrap(input_label(str(row["input"])), 14) for row in rows]
    figure = _figure(title=title)
    for key, name, colour in (("s1", _("First-order index (S1)"), PALETTE[0]),
                              ("st", _("Total index (ST)"), PALETTE[1])):
        figure.add_trace(go.Bar(
            x=labels, y=[row.get(key) for row in rows], name=name, marker={"color": colour},
            error_y={"type": "data", "array": [row.get(f"{key}_conf") for row in rows], "visible": True,
                     "color": INK, "thickness": 1.2, "width": 4},
            customdata=[_fmt(row.get(f"{key}_conf"), 2) for row in rows],
            hovertemplate=_colon("%{x}", "%{y:.2f}") + " ± %{customdata}<extra>" + name + "</extra>"))
    figure.add_hline(y=0, line={"color": "#9aa5b1", "width": 1})
    figure.update_layout(barmode="group", bargap=0.3, xaxis={"type": "category"},
                         yaxis={"title": _("Share of the variance of the rank shift"), "rangemode": "tozero"})
    return figure


def sobol_heatmap(regions: Sequence[Row], names: Mapping[str, str], inputs: Sequence[str], *,
                  title: str | None = None) -> go.Figure:
    """Each region's total Sobol index (ST) of its rank for each declared input (`inputs`), regions by nominal
    rank: which choices move which region. A region whose rank was undefined in some runs has a blank row."""
    rows = by_rank(regions)
    if not rows or not inputs:
        return _empty(_("No rank interval to show"), title=title)
    labels = [_wrap(input_label(name), 14) for name in inputs]
    z, first = [], []
    for row in rows:
        found = {str(index.get("input")): index for index in row.get("indices") or ()}
        z.append([found[name].get("st") if name in found else None for name in inputs])
        first.append([_fmt(found[name].get("s1"), 2) if name in found else "–" for name in inputs])
    height = max(300, min(2400, 130 + 22 * len(rows)))
    figure = _figure(title=title, height=height)
    figure.add_trace(go.Heatmap(
        z=z, x=labels, y=[_name(names, str(row["region"])) for row in rows], zmin=0, zmax=1,
        colorscale=SEQUENTIAL, xgap=1, ygap=1, hoverongaps=False, customdata=first,
        colorbar={"title": {"text": "ST", "side": "right"}, "thickness": 12, "len": min(1, 420 / height)},
        hovertemplate="%{y}<br>%{x}<br>" + _colon("ST", "%{z:.2f}") + " · " + _colon("S1", "%{customdata}")
        + "<extra></extra>"))
    figure.update_layout(xaxis={"side": "top", "type": "category"},
                         yaxis={"autorange": "reversed", "type": "category", "tickfont": {"size": 11}},
                         margin={"t": _top(title) + 40, "b": 20})
    return figure
