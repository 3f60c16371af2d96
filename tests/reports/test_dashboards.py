"""The dashboards through HTTP: scope, cycle choice, charts from our static plotly.js, languages, query counts."""

import json
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from assessments.models import Cycle, DimensionScore, Region, RegionScore, RoleAssignment
from assessments.services import cycle_scores_compute, cycle_scores_request
from reports.selectors import city_report
from tests.factories import RegionFactory, approved_cycle, in_province, many_cities

pytestmark = pytest.mark.django_db

Role = RoleAssignment.Role
PLOTLY = "/static/vendor/plotly/plotly.min.js"
CARTESIAN = "/static/vendor/plotly-cartesian/plotly-cartesian.min.js"


def _run(cycle):
    cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def scored(framework, regions):
    """Zhejiang: 杭州, 宁波 and 2 more; Jiangsu: 南京 and 1 more; two scored cycles, the later returned."""
    cities = many_cities(4, regions["zhejiang"]) + many_cities(2, regions["jiangsu"])
    _run(approved_cycle(framework, cities, 2025, seed=1))
    return _run(approved_cycle(framework, cities, 2026, seed=2))


def _page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode() if status == 200 else response


def test_it_sends_anonymous_visitors_to_the_login(client):
    for url in ("/dashboards/", "/dashboards/cities/330100/", "/dashboards/compare/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_the_overview_of_a_provincial_analyst_shows_the_province_only(client, scored, people):
    page = _page(client, people["analyst"], "/dashboards/")
    assert "浙江省 · 2026" in page
    assert "杭州市" in page
    assert "宁波市" in page
    assert "南京市" not in page
    assert "江苏" not in page
    assert "320100" not in page
    for chart in ("levels", "movement", "dimensions", "heatmap"):
        assert f'id="chart-{chart}"' in page
    assert page.count('id="ranking-table"') == 1
    assert page.count('data-province="330000"') == 4


def test_the_overview_of_an_administrator_covers_every_province(client, scored, people):
    page = _page(client, people["admin"], "/dashboards/")
    assert "杭州市" in page
    assert "南京市" in page
    assert 'id="filter-province"' in page
    assert page.count('data-province="320000"') == 2


def test_plotly_is_loaded_once_from_our_static_files_and_never_from_a_cdn(client, scored, people):
    """The city's radar needs the full bundle; the overview and the comparison draw only traces of the cartesian
    partial bundle (issue 15: 1.5 MB instead of 4.8 MB), which they load instead."""
    for url, bundle in (("/dashboards/", CARTESIAN), ("/dashboards/cities/330100/", PLOTLY),
                        ("/dashboards/compare/?cities=330100,330200", CARTESIAN)):
        page = _page(client, people["analyst"], url)
        assert len(re.findall(r'<script src="[^"]*\.min\.js"', page)) == 1, url  # (the map loads its own later)
        assert bundle in page, url
        assert not re.search(r"cdn\.plot\.ly|cdn\.jsdelivr|unpkg\.com|cdnjs", page), url
        assert '"displaylogo": false' in page or '"displaylogo":false' in page
    assert finders.find("vendor/plotly/plotly.min.js")
    assert finders.find("vendor/plotly-cartesian/plotly-cartesian.min.js")


def test_the_overview_shows_the_median_change_of_an_even_number_of_regions(client, scored, people):
    for code, change in zip(("330100", "330200", "330300", "330400"), (3.5, -2.0, 7.5, 0.5), strict=True):
        RegionScore.objects.filter(run_id=scored.current_run_id, region__code=code).update(change=change)
    page = _page(client, people["analyst"], "/dashboards/")
    summary = page.split('id="summary"')[1].split("</ul>")[0]
    assert '<span class="kpi-value">+2.0</span>' in summary  # (0.5 + 3.5) / 2


def test_the_pages_hold_no_inline_script(client, scored, people):
    inline = re.compile(r'<script(?![^>]*\ssrc=)(?![^>]*\stype="application/json")[^>]*>')
    for url in ("/dashboards/", "/dashboards/cities/330100/", "/dashboards/compare/?cities=330100,330200",
                "/reports/"):
        page = _page(client, people["analyst"], url)
        assert not inline.search(page), (url, inline.findall(page))
    assert page.count('<script src="/static/js/reports.js" defer>') == 1


def test_a_city_user_is_sent_to_the_city_dashboard(client, scored, people):
    response = _page(client, people["officer"], "/dashboards/", status=302)
    assert response["Location"] == "/dashboards/cities/330100/"
    response = _page(client, people["officer"], f"/dashboards/?cycle={scored.pk}", status=302)
    assert response["Location"] == f"/dashboards/cities/330100/?cycle={scored.pk}"


def test_the_city_dashboard_shows_its_results(client, scored, people):
    page = _page(client, people["officer"], "/dashboards/cities/330100/")
    for chart in ("radar", "trend", "interval", "priorities"):
        assert f'id="chart-{chart}"' in page
    for section in ('id="city-score"', 'id="strengths"', 'id="weaknesses"', 'id="indicator-table"', "RS01", "PS08"):
        assert section in page
    assert "杭州市 · 2026" in page


def test_a_region_outside_the_scope_is_not_found(client, scored, people):
    _page(client, people["jiangsu_analyst"], "/dashboards/cities/330100/", status=404)
    _page(client, people["officer"], "/dashboards/cities/330200/", status=404)
    _page(client, people["analyst"], "/dashboards/cities/999999/", status=404)
    _page(client, people["analyst"], "/dashboards/compare/?cities=330100,320100", status=404)
    _page(client, people["analyst"], "/dashboards/cities/330200/")


def test_the_best_region_is_named_only_to_those_who_may_see_it(client, scored, people):
    best = city_report(scored, Region.objects.get(code="330100")).best_region
    viewer = people["analyst"] if best.code.startswith("32") else people["jiangsu_analyst"]
    city = "330100" if viewer == people["analyst"] else "320100"
    page = _page(client, viewer, f"/dashboards/cities/{city}/")
    assert best.name not in page.split('id="radar"')[1].split("</section>")[0]
    page = _page(client, people["admin"], f"/dashboards/cities/{city}/")
    assert best.name in page.split('id="radar"')[1].split("</section>")[0]


def test_the_cycle_is_chosen_in_the_query_string(client, scored, people):
    earlier = Cycle.objects.get(period=2025)
    page = _page(client, people["analyst"], f"/dashboards/?cycle={earlier.pk}")
    assert "浙江省 · 2025" in page
    assert f'<option value="{earlier.pk}" selected>' in page
    page = _page(client, people["analyst"], "/dashboards/")
    assert f'<option value="{scored.pk}" selected>' in page
    _page(client, people["analyst"], "/dashboards/?cycle=99999", status=404)
    _page(client, people["analyst"], "/dashboards/?cycle=abc", status=404)
    unscored = approved_cycle(scored.framework, [], 2027)
    _page(client, people["analyst"], f"/dashboards/cities/330100/?cycle={unscored.pk}", status=404)


def test_a_demo_cycle_carries_the_demo_badge(client, scored, people):
    page = _page(client, people["analyst"], "/dashboards/")
    assert 'id="demo-badge"' not in page
    Cycle.objects.filter(pk=scored.pk).update(is_demo=True)
    for url in ("/dashboards/", "/dashboards/cities/330100/", "/dashboards/compare/"):
        assert 'id="demo-badge"' in _page(client, people["analyst"], url)
        assert "演示数据" in _page(client, people["analyst"], url)


def test_without_scores_the_pages_say_so(client, regions, people, framework):
    for url in ("/dashboards/", "/dashboards/cities/330100/", "/dashboards/compare/"):
        assert 'id="no-scores"' in _page(client, people["analyst"], url)


def test_a_city_without_a_result_in_the_cycle_says_so(client, scored, people, regions):
    page = _page(client, people["analyst"], "/dashboards/cities/330100/")
    assert 'id="no-result"' not in page
    in_province(RegionFactory(code="330900", name_zh="舟山市", name_en="Zhoushan", parent=regions["zhejiang"]))
    page = _page(client, people["analyst"], "/dashboards/cities/330900/")
    assert 'id="no-result"' in page
    assert "舟山市" in page


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["综合指数", "成熟度等级", "排名"]),
    ("en", ["Index", "Maturity level", "Rank", "Hangzhou", "Resource sharing"]),
])
def test_the_pages_render_in_chinese_and_english(client, scored, people, language, words):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for url in ("/dashboards/", "/dashboards/cities/330100/", "/dashboards/compare/?cities=330100,330200"):
        page = _page(client, people["analyst"], url)
        assert f'lang="{language}"' in page
        for word in words:
            assert word in page, (url, word)
    if language == "en":
        assert "杭州市" not in _page(client, people["analyst"], "/dashboards/cities/330100/")


def test_the_comparison_shows_two_to_five_cities(client, scored, people):
    page = _page(client, people["analyst"], "/dashboards/compare/?cities=330100,330200")
    assert 'id="chart-comparison"' in page
    assert 'id="compare-table"' in page
    assert 'id="compare-error"' not in page
    table = page.split('id="compare-table"')[1]
    assert table.index("杭州市") < table.index("宁波市")
    page = _page(client, people["analyst"], "/dashboards/compare/?cities=330200&cities=330100&cities=330300")
    table = page.split('id="compare-table"')[1]
    assert table.index("宁波市") < table.index("杭州市")
    assert 'selected>宁波市' in page


def test_too_few_or_too_many_cities_are_explained(client, scored, people, regions):
    page = _page(client, people["analyst"], "/dashboards/compare/?cities=330100")
    error = re.search(r'id="compare-error"[^>]*>([^<]*)<', page).group(1)
    assert "2" in error
    assert 'id="chart-comparison"' not in page
    many_cities(6, regions["zhejiang"])
    codes = ",".join(f"33{i:02d}00" for i in range(1, 7))
    page = _page(client, people["analyst"], f"/dashboards/compare/?cities={codes}")
    error = re.search(r'id="compare-error"[^>]*>([^<]*)<', page).group(1)
    assert "5" in error
    assert 'id="chart-comparison"' not in page
    page = _page(client, people["analyst"], "/dashboards/compare/")
    assert 'id="compare-error"' not in page
    assert 'id="compare-cities"' in page


def test_the_comparison_offers_only_cities_in_scope(client, scored, people):
    page = _page(client, people["analyst"], "/dashboards/compare/")
    options = re.findall(r'<option value="(\d{6})"', page)
    assert sorted(options) == ["330100", "330200", "330300", "330400"]
    page = _page(client, people["officer"], "/dashboards/compare/")
    assert re.findall(r'<option value="(\d{6})"', page) == ["330100"]
    assert 'id="too-few-choices"' in page


def test_the_header_links_to_the_dashboards_for_logged_in_users(client, scored, people):
    assert 'href="/dashboards/"' in _page(client, people["analyst"], "/")
    client.logout()
    assert 'href="/dashboards/"' not in client.get("/").content.decode()


def _count(client, django_assert_max_num_queries, url, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize(("url", "limit"), [
    ("/dashboards/?cycle={cycle}", 18),
    ("/dashboards/cities/330100/?cycle={cycle}", 20),  # 20: with the shares by provenance
    ("/dashboards/compare/?cycle={cycle}&cities=330100,330200", 16),
])
def test_each_page_runs_the_same_number_of_queries_for_5_and_30_cities(client, framework, regions, people,
                                                                      django_assert_max_num_queries, url, limit):
    client.force_login(people["analyst"])
    counts = []
    for period, size in ((2025, 5), (2026, 30)):
        cycle = _run(approved_cycle(framework, many_cities(size, regions["zhejiang"]), period, seed=period))
        counts.append(_count(client, django_assert_max_num_queries, url.format(cycle=cycle.pk), limit))
    assert counts[0] == counts[1], counts


def test_the_administrator_overview_runs_the_same_number_of_queries_too(client, framework, regions, people,
                                                                       django_assert_max_num_queries):
    client.force_login(people["admin"])
    counts = []
    for period, size in ((2025, 5), (2026, 30)):
        cities = many_cities(size, regions["zhejiang"]) + many_cities(size // 5, regions["jiangsu"])
        cycle = _run(approved_cycle(framework, cities, period, seed=period))
        counts.append(_count(client, django_assert_max_num_queries, f"/dashboards/?cycle={cycle.pk}", 18))
    assert counts[0] == counts[1], counts


def test_cities_without_a_result_are_named_not_coded(client, scored, people, regions):
    late = many_cities(6, regions["zhejiang"])[4:]  # 330500 and 330600 joined after the scores
    page = _page(client, people["analyst"], "/dashboards/compare/?cities=330100,330500,330600")
    notice = re.search(r'id="compare-notice"[^>]*>([^<]*)<', page).group(1)
    assert notice == f"以下城市在本评估周期暂无结果：{late[0].name_zh}、{late[1].name_zh}。"
    client.force_login(people["analyst"])
    page = client.get("/dashboards/compare/?cities=330500,330100,330600", headers={"accept-language": "en"})
    notice = re.search(r'id="compare-notice"[^>]*>([^<]*)<', page.content.decode()).group(1)
    assert notice == f"No result in this cycle for: {late[0].name_en}, {late[1].name_en}."


def test_the_radar_compares_with_the_highest_score_of_each_dimension_naming_only_visible_cities(client, scored,
                                                                                              people, regions):
    run = scored.current_run_id
    DimensionScore.objects.filter(run_id=run, dimension__code="SC").update(score=50.0)
    DimensionScore.objects.filter(run_id=run, region=regions["nanjing"], dimension__code="SC").update(score=97.0)
    report = city_report(scored, regions["hangzhou"])
    assert next(d for d in report.dimensions if d.code == "SC").best_region.name == "南京市"

    for viewer, named in ((people["analyst"], False), (people["admin"], True)):
        figure = _figure(_page(client, viewer, "/dashboards/cities/330100/"), "radar")
        highest = next(trace for trace in figure["data"] if trace["name"] == "各维度最高分")
        by_dimension = {label: (score, holder) for score, (label, holder) in zip(highest["r"], highest["customdata"],
                                                                                strict=True)}
        assert by_dimension["服务便捷度"] == (97.0, "南京市" if named else "")


def test_a_rank_interval_of_one_place_reads_as_that_rank(client, scored, people, regions):
    RegionScore.objects.filter(run_id=scored.current_run_id, region=regions["hangzhou"]).update(
        rank=2, rank_low=2.0, rank_high=2.4)
    page = _page(client, people["analyst"], "/dashboards/cities/330100/")
    score = page.split('id="city-score"')[1].split("</div>\n\n")[0]
    assert "排名区间（第5–95百分位）</span><strong>2</strong>" in score
    assert "90%的模拟中排名：第2位" in json.dumps(_figure(page, "interval"), ensure_ascii=False)
    RegionScore.objects.filter(run_id=scored.current_run_id, region=regions["hangzhou"]).update(rank_high=4.0)
    page = _page(client, people["analyst"], "/dashboards/cities/330100/")
    assert "排名区间（第5–95百分位）</span><strong>2–4</strong>" in page
    assert "排名区间（第5–95百分位）：第2–4位" in json.dumps(_figure(page, "interval"), ensure_ascii=False)


def _figure(page, name):
    """A chart's figure, from its JSON data block."""
    return json.loads(re.search(rf'data-chart="chart-{name}">(.*?)</script>', page, re.S).group(1))
