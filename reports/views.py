"""Dashboards of stored results: the user's regions, one city, a comparison of cities.

Thin views: parse the request, read through `reports.selectors`, draw with `reports.figures`, render. Every
page is scoped by `visible_regions(request.user)` (a region outside it is a 404), shows the cycle chosen with
`?cycle=<id>` (default: the latest with results) and the results `assessments.selectors.cycle_results` gives —
its latest publication, an earlier one with `?version=<n>`, or before publication its latest computation, marked
provisional — and runs a fixed number of queries whatever the number of regions.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from plotly.io.json import to_json_plotly

from assessments.models import Cycle, Region
from assessments.permissions import is_platform_admin, visible_regions
from assessments.selectors import CycleResults, cycle_results, regions_held
from smartgov.errors import NotFound
from smartgov.i18n import localised

from . import figures, ranking
from .selectors import (
    NoResult,
    ResultStatus,
    Version,
    city_report,
    cycle_breaks,
    indicator_matrix,
    result_status,
    scope_levels,
    scope_report,
    scope_summary,
    scored_cycles,
    versions_of,
)

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
COMPARE_MIN, COMPARE_MAX = 2, 5


def chart_html(figure, name) -> str:
    """A figure as an HTML fragment: the container plotly's own `to_html` would write and the figure as a JSON
    data block, which static/js/dashboards.js draws with plotly.js (loaded once by the page from our static
    files), so that the page holds no inline script. No inline style either (the Content-Security-Policy refuses
    style attributes): the script gives the container its height, `data-height`."""
    height = figure.layout.height
    spec = figure.to_dict()
    # plotly's JSON escapes <, > and / (as \\u00XX), so region names cannot close the data block.
    data = to_json_plotly({"data": spec["data"], "layout": spec["layout"], "config": PLOTLY_CONFIG})
    return format_html(
        '<div class="chart" data-height="{height}"><div id="chart-{name}" class="plotly-graph-div"></div>'
        '<script type="application/json" class="js-chart" data-chart="chart-{name}">{data}</script></div>',
        height=f"{height}px" if height else "100%", name=name, data=mark_safe(data))  # noqa: S308 - escaped above


@dataclass(frozen=True)
class Shown:
    """The cycle a dashboard shows and which of its results."""

    cycle: Cycle | None
    """None while no cycle has results."""
    cycles: list[Cycle]
    """Every cycle with results, for the switch (`published_version` annotated)."""
    results: CycleResults | None
    status: ResultStatus | None
    versions: tuple[Version, ...]
    """Every publication of the cycle (empty while its results are provisional), for the version switch."""

    @property
    def version(self) -> int | None:
        """The published version shown; None while provisional."""
        return self.status.publication.version if self.status and self.status.publication else None

    @property
    def pinned_version(self) -> int | None:
        """The version shown when it is not the latest (links keep it); else None."""
        return self.version if self.versions and self.version != self.versions[-1].version else None

    def context(self) -> dict[str, object]:
        return {"cycle": self.cycle, "cycles": self.cycles, "status": self.status, "versions": self.versions,
                "version": self.version, "pinned_version": self.pinned_version, "query": _query(self),
                "breaks": cycle_breaks(self.cycle, self.cycles) if self.cycle else ()}


def shown_results(request) -> Shown:
    """The cycle asked for with ?cycle=<id> (404 if it has no results), else the latest with results, every
    cycle with results for the switch, and the results to show: ?version=<n> of its publications (404 when there
    is no such version), else its latest, else its latest computation (provisional)."""
    cycles = list(scored_cycles())
    wanted = request.GET.get("cycle", "")
    cycle = next((c for c in cycles if str(c.pk) == wanted), None) if wanted else (cycles[0] if cycles else None)
    if wanted and cycle is None:
        raise Http404(_("No scores for this cycle."))
    if cycle is None:
        return Shown(cycle=None, cycles=cycles, results=None, status=None, versions=())
    results = results_asked(cycle, request.GET.get("version", ""))
    return Shown(cycle=cycle, cycles=cycles, results=results, status=result_status(results),
                 versions=versions_of(cycle) if results.publication is not None else ())


def results_asked(cycle: Cycle, version: str) -> CycleResults:
    """The results of `cycle` to show: published `version` (the text of ?version=), else what `cycle_results`
    shows by default; a 404 saying why when there is no such version."""
    if version and not (version.isdigit() and len(version) <= 4):
        raise Http404(_("No such version of the results."))
    try:
        return cycle_results(cycle, version=int(version) if version else None)
    except NotFound as error:
        raise Http404(str(error)) from error


def _query(shown: Shown, **more: object) -> str:
    """The query string of links to the other dashboards: the cycle, the version when an earlier one is shown,
    and `more`."""
    params: dict[str, object] = {"cycle": shown.cycle.pk} if shown.cycle else {}
    if shown.pinned_version:
        params["version"] = shown.pinned_version
    params |= {k: v for k, v in more.items() if v}
    return f"?{urlencode(params, doseq=True)}" if params else ""


@login_required
def overview(request):
    """Ranking, level distribution, dimension spread, indicator heatmap and movement of the user's regions, at
    one region level (`?level=`; default `ranking.default_level`), the ranking filtered (`band`, `province`, `q`)
    and paginated (`page`) on the server. Many regions are summarised by province in the charts, and the heatmap
    shows the regions of the page. A fixed number of queries whatever the number of regions. A user who sees one
    city only is sent to that city's dashboard."""
    user = request.user
    admin = is_platform_admin(user)
    held = regions_held(user)
    if not admin and not held.provinces and len(held.cities) == 1:
        params = {key: request.GET[key] for key in ("cycle", "version") if request.GET.get(key)}
        return redirect(reverse("dashboard-city", args=[held.cities[0].code])
                        + (f"?{urlencode(params)}" if params else ""))
    shown = shown_results(request)
    scope = _("All regions") if admin else ("、".join(p.name for p in held.provinces) or _("Your regions"))
    context = {**shown.context(), "scope": scope, "page": "overview"}
    if shown.results is not None:
        context |= _overview(request, shown, shown.results, None if admin else visible_regions(user))
    return render(request, "reports/dashboards/overview.html", context)


def _overview(request, shown: Shown, results: CycleResults, regions) -> dict[str, object]:
    """The overview's report, ranking page and charts of `regions` (None: all) in `results` (those `shown`)."""
    counts = scope_levels(results, regions)
    filters = ranking.ranking_filters(request.GET, counts)
    if filters.level != ranking.ALL:
        regions = (Region.objects if regions is None else regions).filter(level=filters.level)
    group = request.GET.get("group") or None
    try:
        report = scope_report(results, regions, group=group)
    except NoResult as error:
        raise Http404(str(error)) from error
    rows = ranking.filtered(report.cities, filters)
    page = ranking.page_of(rows, request.GET.get("page"))
    on_page = list(page.object_list)
    kept = {"group": group, **filters.params()}
    matrix = indicator_matrix(results, Region.objects.filter(code__in=[c.code for c in on_page]),
                              names={c.code: c.name for c in on_page})
    many = len(report.cities) > ranking.MANY
    charts = {
        "levels": chart_html(figures.level_distribution(report.level_counts), "levels"),
        "movement": chart_html(figures.movement_by_province(report.cities) if many
                               else figures.movement(report.cities), "movement"),
        "dimensions": chart_html(figures.dimension_boxes(report.cities, report.dimensions, points=not many),
                                 "dimensions"),
        "heatmap": chart_html(figures.indicator_heatmap(matrix, row_order=[c.code for c in on_page]), "heatmap"),
    }
    if len(report.provinces) > 1:
        charts["provinces"] = chart_html(figures.province_boxes(report.cities), "provinces")
    return {
        "report": report,
        "summary": scope_summary(report),
        "filters": filters,
        "levels": ranking.level_choices(counts) if len(counts) > 1 else [],
        "rows": on_page,
        "ranking_page": page,
        "matched": len(rows),
        "many": many,
        "filter_query": _query(shown, group=group),
        "page_query": _query(shown, **kept),
        "pages": _page_links(shown, page, kept),
        "charts": charts,
    }


def _page_links(shown: Shown, page, kept: dict[str, object]) -> dict[str, str]:
    """Query strings of the first, previous, next and last pages of the ranking (those that exist)."""
    numbers = {"first": 1 if page.number > 1 else None,
               "previous": page.previous_page_number() if page.has_previous() else None,
               "next": page.next_page_number() if page.has_next() else None,
               "last": page.paginator.num_pages if page.number < page.paginator.num_pages else None}
    return {name: _query(shown, **kept, page=number if number != 1 else None)
            for name, number in numbers.items() if number is not None}


@login_required
def city(request, code):
    """One city: index and level, dimensions against the province and the highest score of each, trend, rank
    interval, indicators, strengths and weaknesses, improvement priorities. Other regions are named only to those
    who may see them."""
    visible = visible_regions(request.user)
    region = get_object_or_404(visible.select_related("province"), code=code)
    shown = shown_results(request)
    context = {**shown.context(), "region": region, "page": "city"}
    if shown.results is None:
        return render(request, "reports/dashboards/city.html", context)
    try:
        report = city_report(shown.results, region)
    except NoResult as error:
        context["message"] = str(error)
        return render(request, "reports/dashboards/city.html", context)
    best = report.best_region
    holders = {d.best_region.code for d in report.dimensions if d.best_region is not None}
    named = set(visible.filter(code__in=holders | ({best.code} if best else set())).values_list("code", flat=True))
    dimensions = {}
    for row in report.indicators:
        dimensions.setdefault((row.dimension, row.dimension_name), []).append(row)
    context |= {
        "report": report,
        "result": report.result,
        "best_visible": bool(best) and best.code in named,
        "indicator_groups": [{"code": code, "name": name, "rows": rows} for (code, name), rows in dimensions.items()],
        "charts": {
            "radar": chart_html(figures.city_radar(report, named=named), "radar"),
            "trend": chart_html(figures.city_trend(report), "trend"),
            **({"interval": chart_html(figures.city_rank_interval(report), "interval")}
               if report.status.ranks_shown else {}),
            "priorities": chart_html(figures.city_priorities(report), "priorities"),
        },
    }
    return render(request, "reports/dashboards/city.html", context)


@login_required
def compare(request):
    """Two to five cities of the user's regions side by side: grouped bars of the index and dimensions, and a
    table. Cities are chosen with ?cities=330100,330200 (or repeated `cities`)."""
    visible = visible_regions(request.user)
    shown = shown_results(request)
    codes = list(dict.fromkeys(code.strip() for value in request.GET.getlist("cities")
                               for code in value.split(",") if code.strip()))
    if codes and set(visible.filter(code__in=codes).values_list("code", flat=True)) != set(codes):
        raise Http404(_("No such region among yours."))
    context = {**shown.context(), "codes": codes, "page": "compare",
               "limits": {"min": COMPARE_MIN, "max": COMPARE_MAX}}
    if shown.results is None:
        return render(request, "reports/dashboards/compare.html", context)
    report = scope_report(shown.results, visible)
    by_code = {city.code: city for city in report.cities}
    chosen = [by_code[code] for code in codes if code in by_code]
    missing = [code for code in codes if code not in by_code]
    context |= {"report": report, "chosen": chosen, "choices": _choices(report.cities),
                "too_few_choices": len(report.cities) < COMPARE_MIN}
    if missing:
        names = {region.code: region.name for region in visible.filter(code__in=missing)}
        context["notice"] = _("No result in this cycle for: %(cities)s.") % {
            "cities": localised("、", ", ").join(names[code] for code in missing)}
    if codes and len(codes) < COMPARE_MIN:
        context["error"] = _("Choose at least %(min)s cities to compare.") % {"min": COMPARE_MIN}
    elif len(codes) > COMPARE_MAX:
        context["error"] = _("Choose at most %(max)s cities to compare.") % {"max": COMPARE_MAX}
    elif len(chosen) >= COMPARE_MIN:
        context["rows"] = _comparison_rows(chosen, report)
        context["charts"] = {"comparison": chart_html(figures.comparison(chosen, report.dimensions), "comparison")}
    elif codes:
        context["error"] = _("Fewer than %(min)s of the chosen cities have a result in this cycle.") % {
            "min": COMPARE_MIN}
    return render(request, "reports/dashboards/compare.html", context)


def _choices(cities):
    """The cities to choose from, grouped by province (name order within a group follows the ranking)."""
    groups = {}
    for city in sorted(cities, key=lambda c: (c.province_code or "", c.code)):
        groups.setdefault(city.province or "", []).append(city)
    return list(groups.items())


def _comparison_rows(chosen, report):
    """The rows of the comparison table: scores, and the ranks unless the results do not show them."""
    ranks = [
        {"label": _("Rank"), "kind": "rank", "values": [c.rank for c in chosen], "of": report.regions_ranked},
        {"label": _("Rank within the province"), "kind": "int", "values": [c.parent_rank for c in chosen]},
        *({"label": _("Rank in %(group)s") % {"group": group.name}, "kind": "int",
           "values": [c.group_ranks.get(group.code) for c in chosen]}
          for group in report.groups if any(group.code in c.group_ranks for c in chosen)),
        {"label": _("Rank interval (5th–95th percentile)"), "kind": "interval",
         "values": [(c.rank_low, c.rank_high) for c in chosen]},
    ] if report.status.ranks_shown else []
    rows = [
        {"label": _("Index"), "kind": "score", "values": [c.index for c in chosen]},
        {"label": _("Maturity level"), "kind": "text", "values": [c.level_label or "–" for c in chosen]},
        *ranks,
        {"label": _("Change since the previous cycle"), "kind": "change", "values": [c.change for c in chosen]},
    ]
    rows += [{"label": d.name, "kind": "score", "values": [c.dimensions.get(d.code) for c in chosen]}
             for d in report.dimensions]
    for row in rows:
        numbers = [v for v in row["values"] if isinstance(v, int | float) and not isinstance(v, bool)]
        if row["kind"] in ("score", "change") and numbers:
            row["best"] = max(numbers)
    return rows

