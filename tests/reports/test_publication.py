"""Provisional and published results on the dashboards and in the selectors behind them and the PDF reports (the
Excel export: test_results_export.py). Which run a page shows is `assessments.selectors.cycle_results`'s answer: the
latest publication (an earlier one with ?version=), else the latest computation, marked provisional."""

import datetime
import re

import pytest
from django.utils import timezone, translation

from assessments.models import ComparisonGroup, Cycle, RegionName, RegionScore
from reports.selectors import city_report, province_report, scope_report, scored_cycles
from tests.factories import approved_cycle, many_cities, published, score
from tests.publishing import corrected, late_participant, ranks_need

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities(regions):
    """杭州, 宁波 and two more cities of 浙江, two of 江苏."""
    return many_cities(4, regions["zhejiang"]) + many_cities(2, regions["jiangsu"])


@pytest.fixture
def scored(framework, cities):
    """2025 scored and published; 2026 scored, provisional (the latest)."""
    earlier = approved_cycle(framework, cities, 2025, seed=1)
    score(earlier)
    published(earlier)
    cycle = approved_cycle(framework, cities, 2026, seed=2)
    score(cycle)
    return cycle


def _page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def _section(page, anchor):
    return page.split(f'id="{anchor}"')[1].split("</div>")[0]


def _index(cycle, code):
    return RegionScore.objects.get(run_id=cycle.current_run_id, region__code=code).index


# ---- dashboards -------------------------------------------------------------------------------------------

def test_provisional_results_say_so_on_every_dashboard_with_the_participation(client, scored, people, regions):
    late_participant(scored, regions["jiangsu"])
    for url in ("/dashboards/", "/dashboards/cities/330100/", "/dashboards/compare/?cities=330100,330200"):
        page = _page(client, people["analyst"], url)
        status = _section(page, "results-status")
        assert 'id="provisional-banner"' in status, url
        assert "暂定结果" in status or "Provisional results (not published)" in status, url
        assert 'data-provisional="true"' in page
        assert "参评地区7个，已审核通过6个" in _section(page, "participation"), url
        assert 'id="published-banner"' not in page


def test_published_results_say_which_version_and_when(client, scored, people):
    publication = published(scored)
    page = _page(client, people["analyst"], "/dashboards/")
    status = _section(page, "results-status")
    assert 'id="published-banner"' in status
    assert 'id="provisional-banner"' not in status
    assert timezone.localtime(publication.published_at).strftime("%Y-%m-%d") in status
    assert 'id="version-switch"' not in page  # a single version: nothing to switch to


def test_the_cycle_switch_lists_cycles_with_results_and_says_which_are_provisional(client, scored, people, framework,
                                                                                 cities):
    approved_cycle(framework, cities, 2027)  # no results yet: not listed
    client.cookies["django_language"] = "en"
    page = _page(client, people["analyst"], "/dashboards/")
    options = dict(re.findall(r'<option value="(\d+)"(?: selected)?>([^<]*)</option>',
                              page.split('id="cycle-select"')[1].split("</select>")[0]))
    earlier = Cycle.objects.get(period=2025)
    assert set(options) == {str(scored.pk), str(earlier.pk)}
    assert options[str(scored.pk)].endswith("provisional")
    assert options[str(earlier.pk)].endswith("published v1")
    assert [(c.period, c.published_version) for c in scored_cycles()] == [(2026, None), (2025, 1)]


def test_a_cycle_published_then_reopened_still_shows_the_published_version(client, scored, people):
    published(scored)
    shown = _index(scored, "330200")
    corrected(scored)
    assert _index(scored, "330200") != shown  # the newer computation
    page = _page(client, people["analyst"], "/dashboards/cities/330200/")
    assert f"{shown:.1f}" in _section(page, "city-score")
    assert 'id="published-banner"' in page
    assert 'id="newer-run"' in page
    overview = _page(client, people["analyst"], "/dashboards/")
    assert f'data-value="{shown}"' in overview.split('id="ranking-table"')[1]


def test_the_reader_switches_between_published_versions_and_sees_each_reason(client, scored, people):
    first = published(scored)
    before = _index(scored, "330200")
    corrected(scored)
    after = _index(scored, "330200")
    published(scored, reason="宁波市 RS 数据更正")
    page = _page(client, people["analyst"], "/dashboards/cities/330200/")
    assert f"{after:.1f}" in _section(page, "city-score")
    assert "宁波市 RS 数据更正" in _section(page, "results-status")
    switch = page.split('id="version-select"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d)"', switch) == ["2", "1"]
    assert '<option value="2" selected>' in switch
    assert "宁波市 RS 数据更正" in page.split('id="versions"')[1]

    page = _page(client, people["analyst"], f"/dashboards/cities/330200/?cycle={scored.pk}&version=1")
    assert f"{before:.1f}" in _section(page, "city-score")
    assert '<option value="1" selected>' in page
    assert timezone.localtime(first.published_at).strftime("%Y-%m-%d") in _section(page, "results-status")
    assert f"?cycle={scored.pk}&amp;version=1" in page  # the tabs keep the version
    assert 'id="earlier-version"' in page
    assert 'id="newer-run"' not in page
    for wrong in ("9", "x", "12345"):
        _page(client, people["analyst"], f"/dashboards/?cycle={scored.pk}&version={wrong}", status=404)


def test_below_the_minimum_participation_ranks_are_not_shown_only_scores(client, scored, people, regions):
    late_participant(scored, regions["jiangsu"])
    ranks_need(scored, 0.9)  # 6 of 7 approved: 86 %
    overview = _page(client, people["analyst"], "/dashboards/")
    assert 'id="ranks-hidden"' in overview
    status = _section(overview, "results-status")
    assert "86" in status
    assert "90" in status
    head = overview.split('id="ranking-table"')[1].split("</thead>")[0]
    assert "排名" not in head
    assert "Rank" not in head
    assert "综合指数" in head
    city = _page(client, people["analyst"], "/dashboards/cities/330100/")
    assert 'id="ranks-not-shown"' in city
    assert 'id="chart-interval"' not in city
    compare = _page(client, people["analyst"], "/dashboards/compare/?cities=330100,330200")
    assert "排名" not in compare.split('id="compare-table"')[1]

    ranks_need(scored, 0.8)
    overview = _page(client, people["analyst"], "/dashboards/")
    assert 'id="ranks-hidden"' not in overview
    assert "排名" in overview.split('id="ranking-table"')[1].split("</thead>")[0]


def test_group_ranks_show_on_the_city_dashboard_and_the_overview_filters_by_group(client, scored, people, regions):
    group = ComparisonGroup.objects.create(cycle=scored, code="fu-sheng-ji", name_zh="副省级城市",
                                           name_en="Sub-provincial cities")
    group.members.set([regions["hangzhou"], regions["ningbo"], regions["nanjing"]])  # 南京: 320100
    RegionScore.objects.filter(run_id=scored.current_run_id, region__code__in=["330100", "330200"]).update(
        group_ranks={})
    RegionScore.objects.filter(run_id=scored.current_run_id, region=regions["hangzhou"]).update(
        group_ranks={"fu-sheng-ji": 2})
    RegionScore.objects.filter(run_id=scored.current_run_id, region=regions["ningbo"]).update(
        group_ranks={"fu-sheng-ji": 1})

    city = _page(client, people["analyst"], "/dashboards/cities/330100/")
    rank = city.split('id="group-rank-fu-sheng-ji"')[1].split("</div>")[0]
    assert "副省级城市" in rank
    assert re.search(r"2 <small>/ 2</small>", rank)
    assert 'id="group-rank-fu-sheng-ji"' not in _page(client, people["analyst"], "/dashboards/cities/330300/")

    overview = _page(client, people["analyst"], "/dashboards/")
    assert '<option value="fu-sheng-ji">副省级城市</option>' in overview
    grouped = _page(client, people["analyst"], "/dashboards/?group=fu-sheng-ji")
    table = grouped.split('id="ranking-table"')[1]
    assert 'id="group-rank-heading"' in table
    assert re.findall(r'data-province="(\d+)"', table) == ["330000", "330000"]  # 南京 is not the analyst's
    assert table.index("宁波市") < table.index("杭州市")  # by rank in the group
    assert "副省级城市" in grouped.split("<h1>")[1].split("</h1>")[0]
    _page(client, people["analyst"], "/dashboards/?group=nothing-such", status=404)


def test_a_region_renamed_since_keeps_the_name_it_was_assessed_under(client, scored, people, regions):
    earlier = Cycle.objects.get(period=2025)
    RegionName.objects.create(region=regions["hangzhou"], name_zh="旧杭州市", name_en="Old Hangzhou",
                              valid_until=datetime.date(2026, 1, 1))
    page = _page(client, people["analyst"], f"/dashboards/?cycle={earlier.pk}")
    assert "旧杭州市" in page.split('id="ranking-table"')[1]
    assert "旧杭州市" in _page(client, people["analyst"], f"/dashboards/cities/330100/?cycle={earlier.pk}")
    page = _page(client, people["analyst"], f"/dashboards/?cycle={scored.pk}")
    assert "旧杭州市" not in page
    assert "杭州市" in page.split('id="ranking-table"')[1]
    with translation.override("en"):
        assert city_report(earlier, regions["hangzhou"]).result.name == "Old Hangzhou"
        assert "Old Hangzhou" in {c.name for c in province_report(earlier, regions["zhejiang"]).cities}
        assert "Old Hangzhou" not in {c.name for c in scope_report(scored).cities}


def test_the_pages_run_a_fixed_number_of_queries_once_published(client, framework, regions, people,
                                                               django_assert_max_num_queries):
    client.force_login(people["analyst"])
    counts = []
    for period, size in ((2025, 5), (2026, 30)):
        cycle = approved_cycle(framework, many_cities(size, regions["zhejiang"]), period, seed=period)
        score(cycle)
        published(cycle)
        score(cycle)  # reopened and scored again: the published version is still shown
        published(cycle, reason="correction")
        row = []
        for url in (f"/dashboards/?cycle={cycle.pk}", f"/dashboards/cities/330100/?cycle={cycle.pk}&version=1",
                    f"/dashboards/compare/?cycle={cycle.pk}&cities=330100,330200"):
            with django_assert_max_num_queries(20) as captured:
                assert client.get(url).status_code == 200
            row.append(len(captured.captured_queries))
        counts.append(row)
    assert counts[0] == counts[1], counts


# ---- selectors --------------------------------------------------------------------------------------------

def test_the_reads_say_which_results_they_show(scored, regions):
    report = city_report(scored, regions["hangzhou"])
    assert report.status.provisional
    assert (report.status.participants, report.status.approved, report.status.ranks_shown) == (6, 6, True)
    assert [(p.period, p.provisional) for p in report.trend] == [(2025, False), (2026, True)]
    publication = published(scored)
    report = city_report(scored, regions["hangzhou"])
    assert report.status.publication.version == 1
    assert report.status.publication.published_at == publication.published_at
    assert [(p.period, p.provisional) for p in report.trend] == [(2025, False), (2026, False)]
    with translation.override("en"):
        assert report.status.summary == (
            f"Published version 1 on {timezone.localtime(publication.published_at):%Y-%m-%d} · 6 of 6 "
            "participants approved")


def test_below_the_minimum_every_rank_is_none_and_the_rows_follow_the_codes(scored, regions):
    late_participant(scored, regions["jiangsu"])
    ranks_need(scored, 1.0)
    report = scope_report(scored)
    assert not report.status.ranks_shown
    assert [c.code for c in report.cities] == sorted(c.code for c in report.cities)
    assert all(c.rank is c.parent_rank is c.rank_low is c.rank_median is c.rank_high is None for c in report.cities)
    assert all(c.index is not None for c in report.cities)
    assert report.best is None
    city = city_report(scored, regions["hangzhou"])
    assert city.result.rank is None
    assert all(d.rank is None for d in city.dimensions)
    assert all(d.score is not None for d in city.dimensions)


def test_the_trend_shows_the_published_version_of_earlier_cycles(scored, regions):
    earlier = Cycle.objects.get(period=2025)
    shown = RegionScore.objects.get(run_id=earlier.current_run_id, region=regions["hangzhou"]).index
    corrected(earlier, code="330100")  # recomputed after its publication: not shown until published
    report = city_report(scored, regions["hangzhou"])
    assert report.trend[0].index == pytest.approx(shown)
