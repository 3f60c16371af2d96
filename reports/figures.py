"""Plotly figures of stored results, for the dashboards and (exported to SVG or PNG with kaleido) the PDF reports.

Pure functions: the dataclasses of `reports.selectors` in, a `plotly.graph_objects.Figure` out; no
database, no request. Labels follow the active language. Every figure uses only what a static export renders
(no JavaScript callbacks, no updatemenus or sliders), one CJK-capable font family, and a layout sized for about
700 × 420 px; a figure's height can be changed with `fig.update_layout(height=...)`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import plotly.graph_objects as go
from django.utils.translation import gettext as _
from plotly.colors import sample_colorscale

if TYPE_CHECKING:
    from .selectors import Band, CityReport, CityRow, IndicatorMatrix, LevelCount, Named

FONT = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"
HEIGHT = 420
INK, MUTED, GRID = "#1f2933", "#616e7c", "#e4e7eb"
# Okabe–Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print by order.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
CITY, PROVINCE, BEST = "#b4232a", "#0072B2", "#009E73"
UNRATED = "#bcccdc"
T = TypeVar("T")

TEMPLATE = go.layout.Template(layout={
    "font": {"family": FONT, "size": 12, "color": INK},
    "colorway": PALETTE,
    "paper_bgcolor": "#ffffff",
    "plot_bgcolor": "#ffffff",
    "hoverlabel": {"font": {"family": FONT}},
    "xaxis": {"gridcolor": GRID, "linecolor": "#9aa5b1", "zerolinecolor": "#9aa5b1", "automargin": True},
    "yaxis": {"gridcolor": GRID, "linecolor": "#9aa5b1", "zerolinecolor": "#9aa5b1", "automargin": True},
    "polar": {"radialaxis": {"gridcolor": GRID}, "angularaxis": {"gridcolor": GRID}},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
    "margin": {"l": 56, "r": 24, "t": 48, "b": 56},
})


def level_colors(levels: Iterable[int | None]) -> dict[int, str]:
    """A colour per maturity level, light (lowest level) to dark (highest): {level: colour}. Give every level
    of the framework (e.g. from its bands), so that a level has the same colour in every figure."""
    known = sorted({level for level in levels if level is not None})
    if not known:
        return {}
    every = list(range(1, max(known) + 1)) if known[0] >= 1 else known
    points = [0.2 + 0.75 * (i / max(len(every) - 1, 1)) for i in range(len(every))]
    return dict(zip(every, sample_colorscale("YlGnBu", points), strict=True))


def _level_colour(colours: dict[int, str], level: int | None) -> str:
    """The colour of `level` in `colours` (from `level_colors`); grey for no level."""
    return UNRATED if level is None else colours.get(level, UNRATED)


def _figure(*, title: str | None = None, height: int = HEIGHT, **layout: object) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(template=TEMPLATE, height=height, **layout)
    if title:
        figure.update_layout(title={"text": title, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top",
                                    "font": {"size": 15}}, margin={"t": 84})
    return figure


def _empty(message: str, *, title: str | None = None, height: int = HEIGHT) -> go.Figure:
    figure = _figure(title=title, height=height)
    figure.update_layout(xaxis={"visible": False}, yaxis={"visible": False})
    figure.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                          font={"size": 14, "color": MUTED})
    return figure


def _top(title: str | None) -> int:
    return 84 if title else 48


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _closed(values: list[T]) -> list[T]:
    return [*values, values[0]] if values else values


def _wrap(text: str, width: int = 28) -> str:
    """`text` broken into lines of at most `width` columns (a Chinese character counts two) with <br>, as plotly
    needs: between words in English, between characters in Chinese, never inside a word, a number or a code
    (a longer one keeps a line of its own), and never before a closing or after an opening punctuation mark.
    The lines are balanced: as many as `width` needs, each as short as that number of lines allows."""
    units = _units(str(text))
    lines = _fill(units, width)
    narrowest = max([_columns(unit) for unit in units if not unit.isspace()] or [0])
    for narrower in range(max(narrowest, math.ceil(_columns(str(text)) / len(lines or [""]))), width):
        balanced = _fill(units, narrower)
        if len(balanced) <= len(lines):
            return "<br>".join(balanced)
    return "<br>".join(lines)


def _fill(units: list[str], width: int) -> list[str]:
    """`units` (from `_units`) in lines of at most `width` columns, each filled as far as it goes."""
    lines: list[str] = []
    line, used, space = "", 0, False
    for unit in units:
        if unit.isspace():
            space = bool(line)
            continue
        gap = " " if space else ""
        if line and used + len(gap) + _columns(unit) > width:
            lines.append(line)
            line, used = unit, _columns(unit)
        else:
            line, used = line + gap + unit, used + len(gap) + _columns(unit)
        space = False
    return [*lines, line] if line else lines


_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_UNIT = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")
_NO_LINE_START = frozenset("，。、；：？！）》」』】〉”’…·,.;:?!)]}%")
_NO_LINE_END = frozenset("（《「『【〈“‘([{")


def _units(text: str) -> list[str]:
    """What a line may break between: a Chinese character, a run of other characters (a word, a number, a code),
    or spaces; a closing punctuation mark kept with what precedes it, an opening one with what follows."""
    units: list[str] = []
    glue = False
    for unit in _UNIT.findall(text):
        if units and not unit.isspace() and (glue or unit[0] in _NO_LINE_START):
            units[-1] += unit
        else:
            units.append(unit)
        glue = not unit.isspace() and unit[-1] in _NO_LINE_END
    return units


def _columns(text: str) -> int:
    """Display width: two columns for a wide (Chinese) character, one for any other."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _colon(label: str, value: object) -> str:
    """“label: value”, with the colon of the active language (a full-width one in Chinese)."""
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def _rank(value: float | None) -> str:
    """A rank as a reader sees it: whole (halves rounded up), “–” when there is none."""
    return "–" if value is None or math.isnan(value) else str(math.floor(value + 0.5))


# --------------------------------------------------------------------------------------------------------------
# One city (a `selectors.CityReport`)


def city_radar(report: CityReport, *, title: str | None = None, named: Collection[str] | None = None) -> go.Figure:
    """The city's dimension scores against the province average and the highest score on each dimension among the
    regions scored in the cycle. The hover names the region holding a highest score when its code is in `named`
    (None: every region)."""
    dimensions = report.dimensions
    if not any(d.score is not None for d in dimensions):
        return _empty(_("No dimension score"), title=title)
    theta = _closed([_wrap(d.name, 12) for d in dimensions])
    names = _closed([d.name for d in dimensions])
    figure = _figure(title=title)
    holders = _closed([d.best_region.name if d.best_region is not None and (
        named is None or d.best_region.code in named) else "" for d in dimensions])
    series = [
        ("best", _("Highest score of each dimension"), BEST, "dot", None),
        ("province_mean", _("Province average"), PROVINCE, "dash", None),
        ("score", report.result.name, CITY, "solid", "rgba(180, 35, 42, 0.15)"),
    ]
    for key, name, colour, dash, fill in series:
        values = [getattr(d, key) for d in dimensions]
        if all(v is None for v in values):
            continue
        held = key == "best"
        figure.add_trace(go.Scatterpolar(
            r=_closed(values), theta=theta, name=name, mode="lines+markers",
            line={"color": colour, "dash": dash, "width": 3 if key == "score" else 2}, marker={"size": 6},
            fill="toself" if fill else "none", fillcolor=fill,
            customdata=[[label, holder if held else ""] for label, holder in zip(names, holders, strict=True)],
            hovertemplate=_colon("%{customdata[0]}", "%{r:.1f}") + ("<br>%{customdata[1]}" if held else "")
            + "<extra>" + name + "</extra>"))
    # The labels around the circle get no automatic margin: room for two lines of about twelve columns each side.
    figure.update_layout(polar={"radialaxis": {"range": [0, 100], "tickvals": [20, 40, 60, 80, 100], "angle": 45,
                                               "tickfont": {"size": 10, "color": MUTED}},
                                "angularaxis": {"direction": "clockwise", "rotation": 90, "tickfont": {"size": 12}}},
                         legend={"y": -0.13, "yanchor": "top", "x": 0.5, "xanchor": "center"},
                         margin={"l": 96, "r": 96, "t": _top(title) + 8, "b": 72})
    return figure


def city_trend(report: CityReport, *, title: str | None = None) -> go.Figure:
    """The city's index over the cycles of the framework, on the shaded maturity bands (labelled on the right)."""
    trend = [point for point in report.trend if point.index is not None]
    if not trend:
        return _empty(_("No index in any cycle yet"), title=title)
    periods = [str(point.period) for point in trend]
    figure = _figure(title=title)
    bands = sorted(report.bands, key=lambda band: band.min_score)
    colours = level_colors([band.level for band in bands])
    uppers = [*(b.min_score for b in bands[1:]), 100] if bands else []
    # The bands as layout shapes and annotations set at once: `add_hrect` resolves the subplots for each band,
    # 0.1 s apiece, most of the city page's time.
    figure.update_layout(
        shapes=[{"type": "rect", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": band.min_score,
                 "y1": upper, "fillcolor": colours.get(band.level, GRID), "opacity": 0.12, "line": {"width": 0},
                 "layer": "below"} for band, upper in zip(bands, uppers, strict=True)],
        annotations=[{"x": 1.01, "xref": "paper", "xanchor": "left", "y": (band.min_score + upper) / 2,
                      "yanchor": "middle", "text": band.label, "showarrow": False,
                      "font": {"size": 10, "color": MUTED}} for band, upper in zip(bands, uppers, strict=True)])
    for version in dict.fromkeys(point.version for point in trend):  # one line per framework version: no trend
        points = [point for point in trend if point.version == version]  # is drawn across a series break
        figure.add_trace(go.Scatter(
            x=[str(point.period) for point in points], y=[point.index for point in points],
            mode="lines+markers+text", name=_("Index"), text=[_fmt(point.index) for point in points],
            textposition="bottom center", customdata=[point.level_label or "–" for point in points],
            line={"color": CITY, "width": 3}, marker={"size": 9},
            hovertemplate=_colon("%{x}", "%{y:.1f}") + " · %{customdata}<extra></extra>"))
    for n in (n for n in range(1, len(trend)) if trend[n].version != trend[n - 1].version):
        figure.add_vline(x=n - 0.5, line={"color": MUTED, "width": 1, "dash": "dot"})
        figure.add_annotation(x=n - 0.5, y=98, yanchor="top", xanchor="left", showarrow=False,
                              font={"size": 10, "color": MUTED},
                              text=_("Framework v%(version)s") % {"version": trend[n].version})
    figure.update_layout(showlegend=False, xaxis={"type": "category", "title": _("Period"), "categoryorder": "array",
                                                  "categoryarray": periods},
                         yaxis={"range": [0, 100], "title": _("Index (0–100)")},
                         margin={"r": 72, "t": _top(title)})
    return figure


def city_priorities(report: CityReport, *, title: str | None = None) -> go.Figure:
    """The indicators on which the city loses most points of the index against the best city (the highest
    index of the cycle)."""
    priorities = report.priorities
    if not priorities:
        return _empty(_("No gap to the best city"), title=title)
    rows = list(reversed(priorities))  # largest gap on top
    figure = _figure(title=title)
    figure.add_trace(go.Bar(
        x=[row.gap for row in rows], y=[_wrap(f"{row.code} {row.name}", 30) for row in rows],
        orientation="h", marker={"color": CITY}, text=[_fmt(row.gap, 2) for row in rows], textposition="auto",
        customdata=[[f"{row.code} {row.name}", _fmt(row.score), _fmt(row.best_score), row.dimension_name]
                    for row in rows],
        hovertemplate="<br>".join([
            "%{customdata[0]}", _colon(_("Points lost"), "%{x:.2f}"),
            _colon(_("Score"), "%{customdata[1]}") + " · " + _colon(_("Best city"), "%{customdata[2]}"),
            "%{customdata[3]}"]) + "<extra></extra>"))
    figure.update_layout(showlegend=False, xaxis={"title": _("Index points lost"),
                                                  "rangemode": "tozero"},
                         yaxis={"tickfont": {"size": 11}}, margin={"l": 16, "t": _top(title)})
    return figure


def city_rank_interval(report: CityReport, *, title: str | None = None, height: int = 260) -> go.Figure:
    """The city's rank with its 5–95 % interval under the uncertainty analysis (weights and normalisation
    varied), on the axis of all ranked regions."""
    result = report.result
    total = result.regions_ranked or 0
    if not report.status.ranks_shown:
        return _empty(_("Ranks are not shown: too few participants are approved"), title=title, height=height)
    if result.rank is None or not total:
        return _empty(_("Not ranked: the data are incomplete"), title=title, height=height)
    low = result.rank_low if result.rank_low is not None else result.rank
    high = result.rank_high if result.rank_high is not None else result.rank
    if _rank(low) == _rank(high):
        interval = _("Rank in 90 %% of the simulations: %(rank)s") % {"rank": _rank(low)}
    else:
        interval = _("Rank interval (5th–95th percentile): %(low)s–%(high)s") % {"low": _rank(low),
                                                                                 "high": _rank(high)}
    figure = _figure(title=title, height=height)
    figure.add_shape(type="rect", x0=low - 0.3, x1=high + 0.3, y0=-0.3, y1=0.3, fillcolor="rgba(180, 35, 42, 0.15)",
                     line={"color": CITY, "width": 1})
    figure.add_trace(go.Scatter(
        x=[low, high], y=[0, 0], mode="lines", name=interval, line={"color": CITY, "width": 4},
        hovertemplate=interval + "<extra></extra>"))
    if result.rank_median is not None:
        median = _colon(_("Median rank"), _rank(result.rank_median))
        figure.add_trace(go.Scatter(
            x=[result.rank_median], y=[0], mode="markers", name=median,
            marker={"symbol": "diamond-open", "size": 16, "color": INK, "line": {"width": 2}},
            hovertemplate=median + "<extra></extra>"))
    rank = _colon(_("Rank"), result.rank)
    figure.add_trace(go.Scatter(
        x=[result.rank], y=[0], mode="markers+text", name=rank,
        text=[str(result.rank)], textposition="top center", textfont={"size": 14, "color": CITY},
        marker={"symbol": "circle", "size": 12, "color": CITY}, hovertemplate=rank + "<extra></extra>"))
    figure.update_layout(
        xaxis={"range": [0.5, total + 0.5], "title": _("Rank among %(count)s regions (1 = best)") % {"count": total},
               "tickmode": "array", "tickvals": _rank_ticks(total), "zeroline": False},
        yaxis={"visible": False, "range": [-1, 1]}, margin={"t": _top(title) + 8, "b": 56})
    return figure


def _rank_ticks(total: int) -> list[int]:
    step = max(1, math.ceil(total / 10))
    if step > 1:
        step = 5 * math.ceil(step / 5) if step > 2 else step
    ticks = [1, *range(step, total + 1, step)]
    return [*ticks, total] if total - ticks[-1] > step / 2 else ticks


# --------------------------------------------------------------------------------------------------------------
# Many regions (the rows of a `selectors.ScopeReport`)


def level_distribution(level_counts: Sequence[LevelCount], *, title: str | None = None) -> go.Figure:
    """How many regions are at each maturity level (`level_counts` of `scope_report`)."""
    if not level_counts or not sum(row.count for row in level_counts):
        return _empty(_("No region scored"), title=title)
    colours = level_colors([row.level for row in level_counts])
    labels = [_wrap(f"L{row.level} {row.label}" if row.level is not None else row.label, 14) for row in level_counts]
    figure = _figure(title=title)
    figure.add_trace(go.Bar(
        x=labels, y=[row.count for row in level_counts], text=[row.count for row in level_counts],
        textposition="outside", cliponaxis=False,
        marker={"color": [_level_colour(colours, row.level) for row in level_counts],
                "line": {"color": "#9aa5b1", "width": 1}},
        hovertemplate=_colon("%{x}", "%{y}") + "<extra></extra>"))
    figure.update_layout(showlegend=False, yaxis={"title": _("Regions"), "rangemode": "tozero"},
                         xaxis={"type": "category"}, bargap=0.35)
    return figure


def _box_stats(values: Sequence[float]) -> dict[str, list[float]]:
    """A box's statistics computed here (quartiles by linear interpolation, as plotly.js computes them; whiskers
    at the furthest values within 1.5 interquartile ranges; the mean), for a `go.Box` that carries five numbers
    instead of every value: the figure of 3,000 regions stays small."""
    data = np.sort(np.asarray(values, dtype=float))
    q1, median, q3 = (float(q) for q in np.quantile(data, [0.25, 0.5, 0.75]))
    reach = 1.5 * (q3 - q1)
    return {"q1": [q1], "median": [median], "q3": [q3], "mean": [float(data.mean())],
            "lowerfence": [float(data[data >= q1 - reach].min())],
            "upperfence": [float(data[data <= q3 + reach].max())]}


def dimension_boxes(cities: Sequence[CityRow], dimensions: Sequence[Named], *,
                    title: str | None = None, points: bool = True) -> go.Figure:
    """The spread of each dimension's scores over the regions, every region shown as a point; with `points`
    False (many regions), the boxes only, their statistics computed here."""
    if not cities:
        return _empty(_("No region scored"), title=title)
    figure = _figure(title=title)
    for i, dimension in enumerate(dimensions):
        scores = [score for c in cities if (score := c.dimensions.get(dimension.code)) is not None]
        if not points:
            figure.add_trace(go.Box(
                x=[_wrap(dimension.name, 14)], name=_wrap(dimension.name, 14), boxpoints=False, line={"width": 1.5},
                marker_color=PALETTE[i % len(PALETTE)], hoverinfo="y",
                **(_box_stats(scores) if scores else {"q1": [None], "median": [None], "q3": [None]})))
            continue
        points_ = [(c.dimensions.get(dimension.code), c.name) for c in cities]
        points_ = [(score, name) for score, name in points_ if score is not None]
        figure.add_trace(go.Box(
            y=[score for score, _name in points_], name=_wrap(dimension.name, 14),
            text=[name for _score, name in points_],
            boxpoints="all", jitter=0.4, pointpos=0, boxmean=True, marker={"size": 5, "opacity": 0.7},
            line={"width": 1.5}, marker_color=PALETTE[i % len(PALETTE)],
            hovertemplate=_colon("%{text}", "%{y:.1f}") + "<extra>" + dimension.name + "</extra>"))
    figure.update_layout(showlegend=False, yaxis={"range": [0, 102], "title": _("Score (0–100)")})
    return figure


def indicator_heatmap(matrix: IndicatorMatrix, *, title: str | None = None,
                      row_order: Iterable[str] | None = None) -> go.Figure:
    """Normalised indicator scores (0–100, 100 best) of regions × indicators (`selectors.indicator_matrix`):
    rows in `row_order` (region codes, e.g. by rank) or as given, first row on top."""
    scores = matrix.scores
    if row_order is not None:
        scores = scores.reindex([code for code in row_order if code in scores.index])
    if scores.empty:
        return _empty(_("No region scored"), title=title)
    names = matrix.regions
    indicators = {i.code: i.name for i in matrix.indicators}
    z = [[None if math.isnan(v) else round(float(v), 1) for v in row] for row in scores.to_numpy()]
    full = [[f"{code} {indicators.get(code, '')}" for code in scores.columns] for _row in z]
    height = max(HEIGHT, min(2400, 120 + 18 * len(scores)))
    figure = _figure(title=title, height=height)
    figure.add_trace(go.Heatmap(
        z=z, x=list(scores.columns), y=[names.get(code, code) for code in scores.index], customdata=full,
        colorscale="YlGnBu", zmin=0, zmax=100, xgap=1, ygap=1,
        colorbar={"title": {"text": _("Score"), "side": "right"}, "thickness": 12, "len": min(1, 420 / height)},
        hovertemplate="%{y}<br>%{customdata}<br>" + _colon(_("Score"), "%{z:.1f}") + "<extra></extra>",
        hoverongaps=False))
    figure.update_layout(yaxis={"autorange": "reversed", "tickfont": {"size": 11}, "type": "category"},
                         xaxis={"side": "top", "tickangle": -90, "tickfont": {"size": 10}, "type": "category"},
                         margin={"t": _top(title) + 40, "b": 20})
    return figure


def movement(cities: Sequence[CityRow], *, title: str | None = None) -> go.Figure:
    """Index (x) against its change since the region's previous scored cycle (y), one colour per province."""
    moved = [c for c in cities if c.index is not None and c.change is not None]
    if not moved:
        return _empty(_("No earlier cycle to compare with"), title=title)
    figure = _figure(title=title)
    figure.add_hline(y=0, line={"color": "#9aa5b1", "width": 1})
    provinces = sorted({c.province or "" for c in moved})
    for i, province in enumerate(provinces):
        group = [c for c in moved if (c.province or "") == province]
        figure.add_trace(go.Scatter(
            x=[c.index for c in group], y=[c.change for c in group], mode="markers", name=province or "–",
            text=[c.name for c in group], marker={"size": 10, "color": PALETTE[i % len(PALETTE)],
                                                     "line": {"color": "#ffffff", "width": 1}, "opacity": 0.85},
            customdata=[_fmt(c.previous) for c in group],
            hovertemplate="<br>".join(["%{text}", _colon(_("Index"), "%{x:.1f}"),
                                       _colon(_("Change on last cycle"), "%{y:+.1f}"),
                                       _colon(_("Previous index"), "%{customdata}")]) + "<extra></extra>"))
    figure.update_layout(xaxis={"title": _("Index (0–100)")}, yaxis={"title": _("Change since the previous cycle"),
                                                                     "zeroline": False},
                         showlegend=len(provinces) > 1)
    return figure


def movement_by_province(cities: Sequence[CityRow], *, title: str | None = None) -> go.Figure:
    """`movement` summarised for many regions: one point per province — the mean index of its regions (x)
    against the mean of their changes (y), the point's area in proportion to the regions."""
    moved = [c for c in cities if c.index is not None and c.change is not None]
    if not moved:
        return _empty(_("No earlier cycle to compare with"), title=title)
    groups: dict[str, list[CityRow]] = {}
    for c in moved:
        groups.setdefault(c.province or "–", []).append(c)
    names = sorted(groups)
    counts = [len(groups[name]) for name in names]
    figure = _figure(title=title)
    figure.add_hline(y=0, line={"color": "#9aa5b1", "width": 1})
    figure.add_trace(go.Scatter(
        x=[float(np.mean([c.index for c in groups[name]])) for name in names],
        y=[float(np.mean([c.change for c in groups[name]])) for name in names],
        mode="markers", text=names, customdata=counts,
        marker={"size": [8 + 22 * math.sqrt(n / max(counts)) for n in counts], "color": PALETTE[0],
                "opacity": 0.7, "line": {"color": "#ffffff", "width": 1}},
        hovertemplate="<br>".join(["%{text}", _colon(_("Regions"), "%{customdata}"),
                                   _colon(_("Mean index"), "%{x:.1f}"),
                                   _colon(_("Mean change on last cycle"), "%{y:+.1f}")]) + "<extra></extra>"))
    figure.update_layout(showlegend=False, xaxis={"title": _("Mean index of the province's regions (0–100)")},
                         yaxis={"title": _("Mean change since the previous cycle"), "zeroline": False})
    return figure


def province_boxes(cities: Sequence[CityRow], *, title: str | None = None) -> go.Figure:
    """The spread of the regions' index in each province: one box per province (statistics computed here), the
    provinces by median index, highest first."""
    indexed: dict[str, list[float]] = {}
    for c in cities:
        if c.index is not None:
            indexed.setdefault(c.province or "–", []).append(c.index)
    if not indexed:
        return _empty(_("No region scored"), title=title)
    stats = sorted(((name, _box_stats(values), len(values)) for name, values in indexed.items()),
                   key=lambda item: (-item[1]["median"][0], item[0]))
    figure = _figure(title=title, height=max(HEIGHT, 120 + 22 * len(stats)))
    # One trace of many boxes (one per province, at y = its name): 31 traces would cost plotly's validation
    # more than the rest of the page.
    figure.add_trace(go.Box(
        y=[name for name, _box, _count in stats], orientation="h", boxpoints=False, marker_color=PALETTE[0],
        line={"width": 1.5}, hoverinfo="x", name=_("Index"),
        hovertext=[_colon(_("Regions"), count) for _name, _box, count in stats],
        **{key: [box[key][0] for _name, box, _count in stats]
           for key in ("q1", "median", "q3", "mean", "lowerfence", "upperfence")}))
    figure.update_layout(showlegend=False, xaxis={"range": [0, 102], "title": _("Index (0–100)")},
                         yaxis={"autorange": "reversed", "type": "category", "tickfont": {"size": 11}},
                         margin={"l": 16})
    return figure


def ranking_bar(cities: Sequence[CityRow], *, title: str | None = None, highlight: Collection[str] = (),
                limit: int | None = None, bands: Iterable[Band] = ()) -> go.Figure:
    """The regions' index, best first, coloured by maturity level; `highlight` codes are outlined."""
    indexed = [(c.index, c) for c in cities if c.index is not None]
    indexed.sort(key=lambda item: -item[0])
    ranked = [c for _index, c in indexed]
    if limit:
        ranked = ranked[:limit]
    if not ranked:
        return _empty(_("No region scored"), title=title)
    colours = level_colors({*(band.level for band in bands), *(c.level for c in ranked)})
    height = max(HEIGHT, min(2400, 90 + 20 * len(ranked)))
    figure = _figure(title=title, height=height)
    figure.add_trace(go.Bar(
        x=[c.index for c in ranked], y=[c.name for c in ranked], orientation="h",
        text=[_fmt(c.index) for c in ranked], textposition="outside", cliponaxis=False,
        customdata=[c.level_label or "–" for c in ranked],
        marker={"color": [_level_colour(colours, c.level) for c in ranked],
                "line": {"color": [CITY if c.code in highlight else "rgba(0,0,0,0)" for c in ranked],
                         "width": 2}},
        hovertemplate=_colon("%{y}", "%{x:.1f}") + " · %{customdata}<extra></extra>"))
    figure.update_layout(showlegend=False, xaxis={"range": [0, 108], "title": _("Index (0–100)")},
                         yaxis={"autorange": "reversed", "type": "category"}, bargap=0.25)
    return figure


def comparison(cities: Sequence[CityRow], dimensions: Sequence[Named], *, title: str | None = None) -> go.Figure:
    """Grouped bars: the index and each dimension's score, one bar per region."""
    if not cities:
        return _empty(_("No region to compare"), title=title)
    categories = [_wrap(name, 14) for name in (_("Index"), *[d.name for d in dimensions])]
    figure = _figure(title=title)
    for i, city in enumerate(cities):
        values = [city.index, *[city.dimensions.get(d.code) for d in dimensions]]
        figure.add_trace(go.Bar(
            x=categories, y=values, name=city.name, marker={"color": PALETTE[i % len(PALETTE)]},
            text=[_fmt(v) for v in values], textposition="outside", cliponaxis=False, textfont={"size": 10},
            hovertemplate=_colon("%{x}", "%{y:.1f}") + "<extra>" + city.name + "</extra>"))
    figure.update_layout(barmode="group", bargap=0.2, bargroupgap=0.05,
                         yaxis={"range": [0, 108], "title": _("Score (0–100)")}, xaxis={"type": "category"})
    return figure
