"""The results map: the selector (`reports.selectors.maps`), its JSON endpoint (dashboards/map-data/) and the
static boundary files (static/maps/, built by scripts/build_boundaries.py)."""

import json
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import reverse

from assessments.models import Region, RegionScore, RoleAssignment
from reports import figures
from reports.selectors import NoResult
from reports.selectors.maps import MapView, boundary_index, map_view, region_map
from tests.factories import RegionFactory, in_province, many_cities, scored_cycle, user_with_role

Role = RoleAssignment.Role
MAPS = Path(settings.BASE_DIR) / "static/maps"
REGISTER = Path(settings.BASE_DIR) / "assessments/data/regions/cn-nbs-2023.yaml"


@pytest.fixture
def mapped(framework, regions):
    """Ten cities of Zhejiang and four of Jiangsu scored; 丽水 (331100) and a county of 杭州 without a result,
    and a county whose code has no boundary (659011: 新星市 has none in the source)."""
    cities = many_cities(10, regions["zhejiang"]) + many_cities(4, regions["jiangsu"])
    cycle = scored_cycle(framework, cities, 2026)
    in_province(RegionFactory(code="331100", name_zh="丽水市", name_en="Lishui", parent=regions["zhejiang"]))
    in_province(RegionFactory(code="330106", name_zh="西湖区", name_en="Xihu District", parent=regions["hangzhou"],
                              level=Region.Level.COUNTY))
    in_province(RegionFactory(code="659011", name_zh="新星市", name_en="Xinxing", parent=regions["zhejiang"],
                              level=Region.Level.COUNTY))
    return cycle


def _codes(data):
    return [r.code for r in data.regions]


def test_it_shows_the_provinces_of_the_nation_with_the_results_within(mapped):
    data = region_map(mapped, MapView(level="province"))
    assert _codes(data) == ["320000", "330000"]
    zhejiang = data.regions[1]
    assert (zhejiang.has_result, zhejiang.index, zhejiang.maturity, zhejiang.has_boundary) == (False, None, None, True)
    assert zhejiang.results_within == 10
    assert zhejiang.mean_within is not None
    assert zhejiang.drill == MapView(level="prefecture", within="330000")
    assert data.boundaries == ("maps/provinces.json",)
    assert data.trail == ()
    assert data.missing == ()


def test_it_shows_a_provinces_prefectures_and_the_counties_it_administers(mapped):
    data = region_map(mapped, MapView(level="prefecture", within="330000"))
    assert _codes(data) == [f"33{i:02d}00" for i in range(1, 12)] + ["659011"]
    stored = {s.region.code: s for s in RegionScore.objects.filter(run=mapped.current_run).select_related("region")}
    for region in data.regions[:10]:
        assert region.has_result
        assert region.index == pytest.approx(stored[region.code].index)
        assert region.maturity == stored[region.code].level
        assert region.label == next(b.label for b in data.bands if b.level == region.maturity)
    lishui = data.regions[10]
    assert (lishui.code, lishui.has_result, lishui.index, lishui.label) == ("331100", False, None, None)
    assert [(n.code, n.name) for n in data.trail] == [("330000", "浙江省")]
    assert data.missing[0].code == "659011"
    assert not data.regions[-1].has_boundary
    assert data.boundaries == ("maps/prefectures.json",)  # 659011, administered by the province, has none
    hangzhou = data.regions[0]
    assert hangzhou.drill == MapView(level="county", within="330100")


def test_it_shows_the_counties_of_a_prefecture_or_a_province(mapped):
    assert _codes(region_map(mapped, MapView(level="county", within="330100"))) == ["330106"]
    data = region_map(mapped, MapView(level="county", within="330000"))
    assert _codes(data) == ["330106", "659011"]
    assert [n.code for n in data.trail] == ["330000"]
    assert [n.code for n in region_map(mapped, MapView(level="county", within="330100")).trail] == [
        "330000", "330100"]


def test_it_shows_only_the_regions_given(mapped, regions):
    zhejiang = Region.objects.filter(province=regions["zhejiang"])
    assert _codes(region_map(mapped, MapView(level="province"), zhejiang)) == ["330000"]
    assert _codes(region_map(mapped, MapView(level="prefecture"), zhejiang))[:2] == ["330100", "330200"]
    assert "320100" not in _codes(region_map(mapped, MapView(level="prefecture"), zhejiang))


@pytest.mark.parametrize(("level", "within"), [("city", None), ("province", "330000"), ("county", None)])
def test_it_refuses_views_that_do_not_exist(level, within):
    with pytest.raises(NoResult):
        map_view(level, within)


def test_it_refuses_a_view_within_a_region_of_the_wrong_level(mapped):
    with pytest.raises(NoResult):
        region_map(mapped, MapView(level="prefecture", within="330100"))


def test_it_answers_the_view_asked_for_as_json_with_the_colours_of_the_charts(client, mapped, regions):
    admin = user_with_role("map_admin", Role.PLATFORM_ADMIN)
    client.force_login(admin)
    response = client.get(reverse("dashboard-map-data"), {"level": "prefecture", "within": "330000"})
    assert response.status_code == 200
    data = response.json()
    colours = figures.level_colors([entry["maturity"] for entry in data["legend"]])
    for region in data["regions"]:
        expected = figures.UNRATED if region["maturity"] is None else colours[region["maturity"]]
        assert region["colour"] == expected
    assert (data["legend"][-1]["maturity"], data["legend"][-1]["colour"]) == (None, figures.UNRATED)
    assert data["missing"] == [{"code": "659011", "name": "新星市"}]
    assert [step["code"] for step in data["trail"]] == [None, "330000"]
    assert data["outline"] is None
    assert all(url.startswith("/static/maps/") for url in data["boundaries"])
    lishui = next(r for r in data["regions"] if r["code"] == "331100")
    assert (lishui["has_result"], lishui["colour"]) == (False, figures.UNRATED)

    nation = client.get(reverse("dashboard-map-data")).json()
    assert nation["view"] == {"level": "province", "within": None}
    assert nation["outline"].startswith("/static/maps/china")


def test_it_opens_a_provincial_readers_map_on_their_province_and_hides_the_others(client, mapped, regions):
    client.force_login(user_with_role("map_zj", Role.PROVINCE_ANALYST, regions["zhejiang"]))
    data = client.get(reverse("dashboard-map-data")).json()
    assert data["view"] == {"level": "prefecture", "within": "330000"}
    nation = client.get(reverse("dashboard-map-data"), {"level": "province"}).json()
    assert [r["code"] for r in nation["regions"]] == ["330000"]
    prefectures = client.get(reverse("dashboard-map-data"), {"level": "prefecture"}).json()
    assert not any(r["code"].startswith("32") for r in prefectures["regions"])


def test_it_answers_404_without_results_or_for_a_view_that_does_not_exist(client, mapped, db):
    client.force_login(user_with_role("map_admin2", Role.PLATFORM_ADMIN))
    assert client.get(reverse("dashboard-map-data"), {"level": "city"}).status_code == 404
    assert client.get(reverse("dashboard-map-data"), {"level": "county", "within": "999999"}).status_code == 404
    assert client.get(reverse("dashboard-map-data"), {"cycle": "0"}).status_code == 404


def test_it_needs_a_login(client, db):
    response = client.get(reverse("dashboard-map-data"))
    assert response.status_code == 302


def test_the_overview_includes_the_map_panel(client, mapped):
    client.force_login(user_with_role("map_admin3", Role.PLATFORM_ADMIN))
    html = client.get(reverse("dashboard-overview")).content.decode()
    assert 'id="map"' in html
    assert "js/map.js" in html
    assert reverse("dashboard-map-data") in html


def test_every_boundary_file_is_valid_json_keyed_by_codes_of_the_register():
    register = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))["regions"]
    codes = {r["code"] for r in register}
    index = json.loads((MAPS / "index.json").read_text(encoding="utf-8"))
    seen: dict[str, str] = {}
    files = sorted(MAPS.glob("*.json")) + sorted((MAPS / "counties").glob("*.json"))
    assert len(files) >= 33
    for path in files:
        if path.name == "index.json":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["type"] == "FeatureCollection", path
        for feature in data["features"]:
            assert feature["id"] in codes, (path, feature["id"])
            assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
            assert feature["geometry"]["coordinates"]
            seen[feature["id"]] = path.relative_to(MAPS).as_posix()
        assert path.stat().st_size < 600_000, path  # what a browser loads at once stays small
    assert seen == index["files"]
    # every code of the register has a boundary or is listed as missing
    assert codes == set(index["files"]) | set(index["missing"])
    assert not set(index["files"]) & set(index["missing"])
    assert boundary_index()["330100"] == "maps/prefectures.json"


def test_the_static_map_of_a_province_fills_each_level_in_its_colour(mapped, regions):
    from reports.map_figures import province_map

    data, figure = province_map(mapped, regions["zhejiang"])
    colours = figures.level_colors([band.level for band in data.bands])
    fills = {trace.name: trace.fillcolor for trace in figure.data if trace.fill == "toself"}
    for region in data.regions:
        if not region.has_boundary:
            continue
        if region.maturity is None:
            assert figures.UNRATED in fills.values()
        else:
            assert fills[f"L{region.maturity} {region.label}"] == colours[region.maturity]
    names = next(trace for trace in figure.data if trace.mode == "text").text
    assert "丽水市" in names
    assert "新星市" not in names
