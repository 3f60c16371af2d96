"""The overview at national scale (issue 15): the region-level filter, the ranking filtered, searched and paginated
on the server, the charts summarised when the regions are many, the queries constant in the number of regions,
and the smaller plotly.js bundle it loads."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Region, RegionScore
from assessments.services import cycle_scores_compute, cycle_scores_request
from reports import ranking
from tests.factories import RegionFactory, approved_cycle, in_province, many_cities

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _few_samples(settings):
    settings.SCORE_SENSITIVITY_SAMPLES = 16  # the sensitivity analysis is not what these tests look at


def _run(cycle):
    cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
    cycle.refresh_from_db()
    return cycle


def _counties(count, prefecture, *, start=1):
    return [in_province(RegionFactory(code=f"{prefecture.code[:4]}{i:02d}", name_zh=f"测试县{i}",
                                      name_en=f"County {i}", level=Region.Level.COUNTY, parent=prefecture))
            for i in range(start, start + count)]


def _scored(framework, regions_, periods=(2025, 2026)):
    _run(approved_cycle(framework, regions_, periods[0], seed=1))
    return _run(approved_cycle(framework, regions_, periods[1], seed=2))


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _rows(page):
    """The codes of the ranking's rows, in order."""
    return re.findall(r'<tr data-level="[^"]*" data-province="[^"]*" data-code="([^"]+)"', page)


def _chart(page, name):
    block = re.search(rf'<script type="application/json" class="js-chart" data-chart="chart-{name}">(.*?)</script>',
                      page, re.S)
    return json.loads(block.group(1)) if block else None


@pytest.fixture
def mixed(framework, regions):
    """Zhejiang: 4 prefectures (杭州 and 宁波 among them) and 6 counties of 杭州; Jiangsu: 2 prefectures."""
    prefectures = many_cities(4, regions["zhejiang"]) + many_cities(2, regions["jiangsu"])
    return _scored(framework, prefectures + _counties(6, regions["hangzhou"]))


def test_it_shows_the_level_most_regions_have_first_and_each_level_on_demand(client, mixed, people):
    page = _page(client, people["admin"], "/dashboards/")
    assert 'id="filter-region-level"' in page
    assert len(_rows(page)) == 6  # counties are 6 of 12: no majority, so prefecture-level first
    assert set(_rows(page)) == {"330100", "330200", "330300", "330400", "320100", "320200"}
    assert '<option value="prefecture" selected>' in page

    counties = _rows(_page(client, people["admin"], "/dashboards/?level=county"))
    assert sorted(counties) == [f"3301{i:02d}" for i in range(1, 7)]
    assert len(_rows(_page(client, people["admin"], "/dashboards/?level=all"))) == 12
    assert len(_rows(_page(client, people["admin"], "/dashboards/?level=nonsense"))) == 6  # the default


def test_the_default_level_is_the_majority_one():
    assert ranking.default_level({"county": 2850, "prefecture": 340, "province": 31}) == "county"
    assert ranking.default_level({"county": 6, "prefecture": 6}) == "prefecture"
    assert ranking.default_level({"county": 3, "province": 3}) == ranking.ALL
    assert ranking.default_level({"prefecture": 10}) == "prefecture"


def test_a_single_level_needs_no_level_filter(client, framework, regions, people):
    _scored(framework, many_cities(3, regions["zhejiang"]))
    page = _page(client, people["analyst"], "/dashboards/")
    assert 'id="filter-region-level"' not in page
    assert len(_rows(page)) == 3


def test_the_ranking_is_paginated_in_rank_order_and_links_keep_the_filters(client, mixed, people, monkeypatch):
    monkeypatch.setattr(ranking, "PAGE_SIZE", 5)
    cycle = mixed.pk
    ranked = list(RegionScore.objects.filter(run_id=mixed.current_run_id).order_by("rank", "region__code")
                  .values_list("region__code", flat=True))
    first = _page(client, people["admin"], f"/dashboards/?cycle={cycle}&level=all")
    assert _rows(first) == ranked[:5]
    assert "Page 1 of 3" in first or "第 1 页" in first or 'id="page-number"' in first
    assert 'id="page-previous"' not in first
    assert f'href="/dashboards/?cycle={cycle}&amp;level=all&amp;page=2#ranking" id="page-next"' in first
    second = _page(client, people["admin"], f"/dashboards/?cycle={cycle}&level=all&page=2")
    assert _rows(second) == ranked[5:10]
    assert f'href="/dashboards/?cycle={cycle}&amp;level=all#ranking" id="page-previous"' in second
    last = _page(client, people["admin"], f"/dashboards/?cycle={cycle}&level=all&page=99")
    assert _rows(last) == ranked[10:]
    assert 'id="page-next"' not in last
    assert _rows(_page(client, people["admin"], f"/dashboards/?cycle={cycle}&level=all&page=x")) == ranked[:5]
    # the heatmap shows the page's regions, in ranking order; the summary covers every region of the level
    assert len(_chart(second, "heatmap")["data"][0]["y"]) == 5
    assert '<span class="kpi-value">12</span>' in second


def test_the_search_finds_a_region_by_name_or_code(client, mixed, people):
    page = _page(client, people["admin"], "/dashboards/?level=all&q=杭州")
    assert _rows(page) == ["330100"]
    assert 'value="杭州"' in page
    assert 'id="filters-clear"' in page
    assert _rows(_page(client, people["admin"], "/dashboards/?level=all&q=330200")) == ["330200"]
    assert sorted(_rows(_page(client, people["admin"], "/dashboards/?level=all&q=3301"))) == [
        "330100", *(f"3301{i:02d}" for i in range(1, 7))]
    nothing = _page(client, people["admin"], "/dashboards/?level=all&q=不存在")
    assert _rows(nothing) == []
    assert 'id="ranking-table"' not in nothing
    # a province analyst's search stays within the province
    assert _rows(_page(client, people["jiangsu_analyst"], "/dashboards/?level=all&q=330100")) == []


def test_the_maturity_level_and_province_filters_run_on_the_server(client, mixed, people):
    page = _page(client, people["admin"], "/dashboards/?level=all&province=320000")
    assert sorted(_rows(page)) == ["320100", "320200"]
    level = RegionScore.objects.filter(run_id=mixed.current_run_id, region__code="330100").get().level
    coded = _rows(_page(client, people["admin"], f"/dashboards/?level=all&band={level}"))
    assert "330100" in coded
    assert set(coded) == set(RegionScore.objects.filter(run_id=mixed.current_run_id, level=level)
                             .values_list("region__code", flat=True))
    assert _rows(_page(client, people["admin"], "/dashboards/?level=all&band=none")) == []


def test_many_regions_are_summarised_by_province_in_the_charts(client, mixed, people, monkeypatch):
    few = _page(client, people["admin"], "/dashboards/?level=all")
    assert len(_chart(few, "movement")["data"]) == 2  # a colour per province, a point per region
    assert _chart(few, "dimensions")["data"][0]["boxpoints"] == "all"
    provinces = _chart(few, "provinces")["data"]
    assert len(provinces) == 1  # one trace, a box per province, by median highest first
    assert sorted(provinces[0]["y"]) == ["江苏省", "浙江省"]
    assert provinces[0]["median"] == sorted(provinces[0]["median"], reverse=True)

    monkeypatch.setattr(ranking, "MANY", 5)
    many = _page(client, people["admin"], "/dashboards/?level=all")
    movement = _chart(many, "movement")["data"]
    assert len(movement) == 1
    assert sorted(movement[0]["text"]) == ["江苏省", "浙江省"]
    assert movement[0]["customdata"] == [2, 10]
    boxes = _chart(many, "dimensions")["data"]
    assert all(box["boxpoints"] is False and "y" not in box and len(box["q1"]) == 1 for box in boxes)
    assert "Each point is a province" in many or "每个点是一个省" in many or 'id="movement"' in many


def test_the_overview_runs_the_same_number_of_queries_for_12_and_40_regions(client, framework, regions, people):
    def queries(url):
        client.force_login(people["admin"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    small = _scored(framework, many_cities(6, regions["zhejiang"]) + _counties(6, regions["hangzhou"]))
    urls = ("/dashboards/?cycle={}", "/dashboards/?cycle={}&level=all&page=2", "/dashboards/?cycle={}&q=3301")
    few = [queries(url.format(small.pk)) for url in urls]
    big = _scored(framework, many_cities(14, regions["zhejiang"]) + many_cities(6, regions["jiangsu"])
                  + _counties(14, regions["hangzhou"]) + _counties(6, regions["ningbo"]), periods=(2027, 2028))
    assert Region.objects.filter(code__startswith="33", level=Region.Level.COUNTY).count() == 20
    many = [queries(url.format(big.pk)) for url in urls]
    assert few == many, (few, many)


def test_the_cartesian_bundle_is_vendored_with_its_licence_at_the_full_bundles_version():
    full = Path(finders.find("vendor/plotly/plotly.min.js"))
    cartesian = ROOT / "static" / "vendor" / "plotly-cartesian" / "plotly-cartesian.min.js"
    version = re.compile(rb"plotly\.js(?: \([a-z -]+\))? v(\d+\.\d+\.\d+)")
    assert version.search(cartesian.read_bytes()[:300]).group(1) == version.search(full.read_bytes()[:300]).group(1)
    assert "MIT" in (cartesian.parent / "LICENSE").read_text()
    assert cartesian.stat().st_size < full.stat().st_size / 2


def test_production_serves_hashed_precompressed_static_files():
    """With DEBUG off, collectstatic writes hashed names with .gz and .br copies (the test settings run with DEBUG
    on at import, hence the plain storage here: the choice is made from the environment)."""
    source = (ROOT / "smartgov" / "settings.py").read_text()
    assert '"whitenoise.storage.CompressedManifestStaticFilesStorage"' in source
    assert settings.STORAGES["staticfiles"]["BACKEND"].startswith("whitenoise.storage.Compressed")
