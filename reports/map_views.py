"""The data of the overview's map (templates/reports/dashboards/_map.html, drawn by static/js/map.js): one view of
`reports.selectors.maps.region_map` as JSON, with the colours of the level charts (`reports.figures`) and the URLs
of the boundary files.

Like every dashboard (`reports.views`): the cycle of ?cycle=, the version of ?version=, the regions the reader
may see; the view of ?level= (province, prefecture, county) and ?within= (a province or prefecture code).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext as _

from assessments.permissions import is_platform_admin, visible_regions
from assessments.selectors import regions_held

from . import figures
from .selectors import NoResult
from .selectors.maps import MapRegion, RegionMap, map_view, region_map
from .views import shown_results

OUTLINE = "maps/china.json"


@login_required
def map_data(request):
    """One view of the results map as JSON; a 404 (JSON) when there are no results or no such view."""
    shown = shown_results(request)
    try:
        if shown.results is None:
            raise NoResult(_("No scores have been computed yet."))
        level, within = request.GET.get("level"), request.GET.get("within")
        if not level and not within:
            level, within = _start(request.user)
        view = map_view(level, within)
        data = region_map(shown.results, view,
                          None if is_platform_admin(request.user) else visible_regions(request.user))
    except NoResult as error:
        raise Http404(str(error)) from error
    response = JsonResponse(map_json(data), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


def _start(user) -> tuple[str | None, str | None]:
    """The view the map opens with (level, within): the nation's provinces, or the prefectures of the one
    province a reader holds a provincial role in."""
    if is_platform_admin(user):
        return None, None
    provinces = regions_held(user).provinces
    return ("prefecture", provinces[0].code) if len(provinces) == 1 else (None, None)


def map_json(data: RegionMap) -> dict[str, object]:
    """What static/js/map.js draws: regions with their colour, the legend, the breadcrumb, the boundary files."""
    colours = figures.level_colors([band.level for band in data.bands])

    def region(row: MapRegion) -> dict[str, object]:
        return {"code": row.code, "name": row.name, "level": row.level, "index": row.index,
                "maturity": row.maturity, "label": row.label, "has_result": row.has_result,
                "has_boundary": row.has_boundary, "results_within": row.results_within,
                "mean_within": row.mean_within,
                "colour": figures.UNRATED if row.maturity is None else colours.get(row.maturity, figures.UNRATED),
                "drill": None if row.drill is None else {"level": row.drill.level, "within": row.drill.within}}

    nation = {"code": None, "name": data.nation, "level": "province", "within": None}
    trail = [nation, *({"code": named.code, "name": named.name,
                        "level": "prefecture" if i == 0 else "county", "within": named.code}
                       for i, named in enumerate(data.trail))]
    return {
        "view": {"level": data.view.level, "within": data.view.within},
        "trail": trail,
        "regions": [region(row) for row in data.regions],
        "legend": [{"maturity": band.level, "label": band.label, "colour": colours.get(band.level)}
                   for band in data.bands]
        + [{"maturity": None, "label": _("No result or not rated"), "colour": figures.UNRATED}],
        "boundaries": [static(path) for path in data.boundaries],
        "outline": static(OUTLINE) if data.view.within is None else None,
        "missing": [{"code": named.code, "name": named.name} for named in data.missing],
        "provisional": data.status.publication is None,
    }
