"""The overview's results map in Chromium: drawn from our static boundary files with plotly.js's full bundle (no
tiles, no CDN: the Content-Security-Policy would refuse them and the `page` fixture fails on the console error),
drilled down from the nation to a province to its prefectures, each region in the colour of its stored level."""

import pytest
from playwright.sync_api import expect

from assessments.models import RegionScore, RoleAssignment
from reports import figures
from tests.browser.pages import login, screenshot
from tests.factories import RegionFactory, in_province, many_cities, scored_cycle, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

Role = RoleAssignment.Role
FILL = """([code, view]) => {
  const canvas = document.getElementById("map-canvas");
  const path = [...canvas.querySelectorAll("path.choroplethlocation")]
    .find((p) => p.__data__ && p.__data__.loc === code);
  return path ? getComputedStyle(path).fill : null;
}"""


def _rgb(colour):
    """A colour of `figures.level_colors` ("rgb(r, g, b)") or a hex one, as the browser computes it."""
    if colour.startswith("#"):
        return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))
    return colour.replace(" ", "").replace(",", ", ")


@pytest.fixture
def mapped(framework, regions):
    cities = many_cities(10, regions["zhejiang"]) + many_cities(4, regions["jiangsu"])
    cycle = scored_cycle(framework, cities, 2026)
    in_province(RegionFactory(code="331100", name_zh="丽水市", name_en="Lishui", parent=regions["zhejiang"]))
    user_with_role("map_admin", Role.PLATFORM_ADMIN, is_staff=True, is_superuser=True)
    return cycle


def _ready(page, view):
    expect(page.locator("#map")).to_have_attribute("data-ready", view, timeout=30000)


def _click_region(page, code):
    """Click the region's shape where plotly.js listens (its drag layer over the map), at the shape's centre."""
    box = page.evaluate("""(code) => {
      const path = [...document.querySelectorAll("#map-canvas path.choroplethlocation")]
        .find((p) => p.__data__ && p.__data__.loc === code);
      const r = path.getBoundingClientRect();
      return {x: r.x + r.width / 2, y: r.y + r.height / 2};
    }""", code)
    page.mouse.move(box["x"], box["y"])
    page.mouse.move(box["x"] + 1, box["y"] + 1)
    page.mouse.click(box["x"] + 1, box["y"] + 1)


def test_the_map_drills_from_the_nation_to_a_province_and_colours_regions_by_their_level(page, mapped):
    login(page, "map_admin")
    page.goto(f"{page.base_url}/dashboards/")
    page.locator("#map").scroll_into_view_if_needed()
    _ready(page, "province:")
    expect(page.locator("#map-trail [aria-current]")).to_have_text("中国")
    expect(page.locator("#map-legend li")).to_have_count(len(mapped.framework.bands.all()) + 1)
    # Provinces have no result of their own: grey, "no result" in the legend.
    assert page.evaluate(FILL, ["330000", None]) == _rgb(figures.UNRATED)
    # The other charts keep the page's cartesian bundle; the map has drawn with the full one.
    assert page.evaluate("typeof window.Plotly.newPlot") == "function"

    page.locator("#map").scroll_into_view_if_needed()
    _click_region(page, "330000")
    _ready(page, "prefecture:330000")
    expect(page.locator("#map-trail [aria-current]")).to_have_text("浙江省")
    colours = figures.level_colors(mapped.framework.bands.values_list("level", flat=True))
    for score in RegionScore.objects.filter(run=mapped.current_run, region__province__code="330000").select_related(
            "region"):
        expected = figures.UNRATED if score.level is None else colours[score.level]
        assert page.evaluate(FILL, [score.region.code, None]) == _rgb(expected), score.region.code
    assert page.evaluate(FILL, ["331100", None]) == _rgb(figures.UNRATED)  # 丽水: no result
    screenshot(page, "dashboard-map-zhejiang")

    page.click("#map-trail button[data-level='province']")
    _ready(page, "province:")
    expect(page.locator("#map-trail [aria-current]")).to_have_text("中国")
