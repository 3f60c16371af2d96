"""The statistical audit page (/dashboards/audit/): the analysis stored with the run shown, in the reader's
language, with per-region details only for the regions the reader may see; and the city dashboard's sentence
on what varied in the rank interval."""

import json
import re

import pytest
from django.conf import settings
from django.utils import translation

from assessments.models import Region, RoleAssignment, RunAnalysis, ScoreRun
from reports.audit_context import audit_context
from reports.selectors import city_report, run_analysis
from tests.factories import RegionFactory, approved_cycle, many_cities, published, score, scored_cycle, user_with_role
from tests.publishing import late_participant, ranks_need
from tests.run_analyses import analyse, scored_with_an_outlier

pytestmark = pytest.mark.django_db

URL = "/dashboards/audit/"
INLINE_SCRIPT = re.compile(r'<script(?![^>]*\ssrc=)(?![^>]*\stype="application/json")[^>]*>')
CHARTS = ("pearson", "spearman", "weights", "dimension-weights", "consistency", "loadings", "sobol", "intervals",
          "sobol-regions")
OUTLIER_CITY = "测试市2"
"""The name of 330300, whose RS06 is extreme (`tests.run_analyses.EXTREME`; 320300 in Jiangsu has the same)."""


@pytest.fixture
def analysed(framework, regions):
    """Twelve cities (8 of Zhejiang, 4 of Jiangsu), 330300's RS06 far above the others, scored and analysed with
    every indicator winsorised (RS06 moved)."""
    cycle = scored_with_an_outlier(framework, regions)
    analyse(cycle)
    return cycle


def _page(client, user, url=URL, status=200, language=None):
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode() if status == 200 else response


def _figure(page, name):
    return json.loads(re.search(rf'data-chart="chart-audit-{name}">(.*?)</script>', page, re.S).group(1))


def _section(page, element_id):
    return page.split(f'id="{element_id}"')[1].split("</table>")[0]


def test_it_sends_anonymous_visitors_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["统计审计与敏感性分析", "指标统计", "内部一致性", "名义权重", "实际权重", "排名区间", "杭州市",
                 "资源共享度", "怎样读"]),
    ("en", ["Statistical audit and sensitivity analysis", "Indicator statistics", "Internal consistency",
            "Nominal weight", "Effective weight", "Rank intervals", "Hangzhou", "Resource sharing", "How to read"]),
])
def test_an_analyst_reads_the_audit_in_chinese_and_english(client, analysed, people, language, words):
    page = _page(client, people["analyst"], language=language)
    assert f'lang="{language}"' in page
    for word in words:
        assert word in page, word
    for chart in CHARTS:
        assert f'id="chart-audit-{chart}"' in page, chart
    for table in ("audit-statistics", "audit-consistency", "audit-weights", "audit-sobol", "audit-intervals",
                  "audit-moved"):
        assert f'id="{table}"' in page, table
    assert page.count('data-indicator="RS06"') == 2  # statistics and weights
    tab = re.search(r'<a href="/dashboards/audit/[^"]*" id="audit-tab"[^>]*>([^<]*)</a>', page)
    assert 'aria-current="page"' in tab.group(0)
    assert tab.group(1) == ("统计审计" if language == "zh-hans" else "Statistical audit")
    if language == "en":
        assert "杭州市" not in page
        assert "资源共享度" not in page


def _cells(page, indicator):
    row = re.search(rf'<tr data-indicator="{indicator}">(.*?)</tr>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_the_statistics_are_the_stored_ones(client, analysed, people):
    stored = analysed.current_run.analysis.audit["periods"][0]
    page = _page(client, people["analyst"], language="en")
    rs06 = next(row for row in stored["indicators"] if row["indicator"] == "RS06")
    cells = _cells(page, "RS06")
    assert cells[1:9] == ["12", "0 %", f"{rs06['mean']:.2f}", f"{rs06['sd']:.2f}", "231", "1000000",
                          f"{rs06['skew']:.2f}", f"{rs06['kurtosis']:.2f}"]
    assert cells[9:11] == [f"{100 * rs06['at_ceiling']:.0f} %", f"{100 * rs06['at_floor']:.0f} %"]
    assert cells[11] == "yes"
    assert cells[12] == "Winsorise: 1 value winsorised"
    consistency = _section(page, "audit-consistency")
    for row in stored["consistency"]:
        assert f"{row['alpha']:.2f}" in consistency


def test_the_shares_at_the_best_and_worst_score_and_the_ceiling_warning_are_shown(client, analysed, people):
    page = _page(client, people["analyst"], language="en")
    assert _cells(page, "RS08")[9:11] == ["67 %", "33 %"]  # 8 of the 12 cities at 1, 4 at 0
    assert ('<li data-code="ceiling">Public data authorised-operation mechanism (RS08) gives 8 of the 12 regions '
            "with a value (67 %) the best score: it no longer tells them apart at the top.</li>") in page
    assert "an indicator that gives more than 50 % of the regions the best score" in page


def test_the_page_is_provisional_until_published(client, analysed, people):
    page = _page(client, people["analyst"])
    assert 'id="provisional-banner"' in page
    published(analysed)
    page = _page(client, people["analyst"])
    assert 'id="provisional-banner"' not in page
    assert 'id="published-banner"' in page


def test_a_pinned_published_version_shows_the_analysis_of_its_own_run(client, analysed, people):
    first = analysed.current_run
    analysis = first.analysis
    analysis.sensitivity["mean_rank_shift"] = 7.654321  # a marker of version 1's analysis
    analysis.save(update_fields=["sensitivity"])
    published(analysed)
    second = score(analysed)
    analyse(analysed, second)
    published(analysed, reason="更正")
    assert first.pk != second.pk

    latest = _page(client, people["analyst"], f"{URL}?cycle={analysed.pk}")
    assert "7.65" not in latest.split('id="audit-sensitivity-summary"')[1].split("</p>")[0]
    pinned = _page(client, people["analyst"], f"{URL}?cycle={analysed.pk}&version=1")
    assert "7.65" in pinned.split('id="audit-sensitivity-summary"')[1].split("</p>")[0]
    assert 'id="earlier-version"' in pinned
    assert f'href="/dashboards/audit/?cycle={analysed.pk}&amp;version=1" id="audit-tab"' in pinned
    _page(client, people["analyst"], f"{URL}?cycle={analysed.pk}&version=7", status=404)


def test_a_run_without_an_analysis_says_so(client, analysed, people):
    RunAnalysis.objects.filter(run_id=analysed.current_run_id).delete()
    for language, words in (("zh-hans", "没有保存统计审计"), ("en", "No statistical audit is stored")):
        page = _page(client, people["analyst"], language=language)
        assert 'id="no-analysis"' in page
        assert words in page
        assert "chart-audit" not in page
        assert 'id="audit-statistics"' not in page


def test_without_scores_the_page_says_so(client, regions, people, framework):
    assert 'id="no-scores"' in _page(client, people["analyst"])


def test_a_city_user_sees_the_statistics_and_only_their_own_citys_details(client, analysed, people):
    page = _page(client, people["officer"])  # Hangzhou
    for chart in ("pearson", "spearman", "weights", "consistency", "loadings", "sobol", "intervals"):
        assert f'id="chart-audit-{chart}"' in page, chart
    assert 'id="audit-statistics"' in page
    intervals = _section(page, "audit-intervals")
    assert re.findall(r'data-region="(\d+)"', intervals) == ["330100"]
    assert [trace["y"] for trace in _figure(page, "intervals")["data"][1:]] == [["杭州市"], ["杭州市"]]
    assert _figure(page, "sobol-regions")["data"][0]["y"] == ["杭州市"]
    assert 'id="audit-moved"' not in page  # 330300's value moved by winsorisation
    for other in (OUTLIER_CITY, "宁波市", "南京市", "330300", "330200", "320100"):
        assert other not in page, other


def test_a_provincial_analyst_sees_the_details_of_the_province_only(client, analysed, people):
    page = _page(client, people["analyst"])
    intervals = re.findall(r'data-region="(\d+)"', _section(page, "audit-intervals"))
    assert sorted(intervals) == [f"33{i:02d}00" for i in range(1, 9)]
    moved = _section(page, "audit-moved")
    for shown in (OUTLIER_CITY, "1000000", "822"):
        assert shown in moved, shown
    assert "南京市" not in page

    page = _page(client, people["jiangsu_analyst"])
    intervals = re.findall(r'data-region="(\d+)"', _section(page, "audit-intervals"))
    assert sorted(intervals) == ["320100", "320200", "320300", "320400"]
    assert 'id="audit-moved"' not in page
    assert "330300" not in page
    assert "杭州市" not in page

    page = _page(client, people["admin"])
    assert len(re.findall(r'data-region="(\d+)"', _section(page, "audit-intervals"))) == 12
    assert OUTLIER_CITY in _section(page, "audit-moved")


def test_a_reader_without_a_region_in_the_run_sees_no_statistics(client, analysed, regions):
    guangdong = RegionFactory(code="440000", name_zh="广东省", name_en="Guangdong", level=Region.Level.PROVINCE,
                              parent=regions["china"])
    page = _page(client, user_with_role("gd_analyst", RoleAssignment.Role.PROVINCE_ANALYST, guangdong))
    assert 'id="no-results"' in page
    assert 'id="audit-statistics"' not in page
    assert "chart-audit" not in page


def test_the_selector_keeps_what_the_reader_may_see(analysed, regions):
    everyone = run_analysis(analysed)
    assert everyone.visible is None
    assert len(everyone.sensitivity["regions"]) == 12
    own = run_analysis(analysed, [regions["hangzhou"].pk])
    assert own.visible == frozenset({"330100"})
    assert [r["region"] for r in own.sensitivity["regions"]] == ["330100"]
    assert own.sensitivity["hidden_regions"] == 11
    rs06 = next(t for t in own.audit["periods"][0]["treatments"] if t["indicator"] == "RS06")
    assert (rs06["points"], rs06["moved"]) == ([], 1)
    assert own.sensitivity["rank_shift"] == everyone.sensitivity["rank_shift"]
    assert own.audit["periods"][0]["correlations"] == everyone.audit["periods"][0]["correlations"]
    assert set(own.names) >= {"330100", "RS06", "RS", "index"}
    assert "330200" not in own.names


def test_below_the_minimum_participation_no_rank_interval_is_shown(client, analysed, people, regions):
    late_participant(analysed, regions["zhejiang"])
    ranks_need(analysed, 1.0)
    page = _page(client, people["analyst"])
    assert 'id="audit-ranks-hidden"' in page
    assert 'id="audit-intervals"' not in page
    assert 'id="chart-audit-intervals"' not in page
    assert 'id="chart-audit-sobol"' in page  # about the whole ranking, no region's rank


def test_the_page_holds_no_inline_script_and_draws_with_our_plotly(client, analysed, people):
    page = _page(client, people["analyst"])
    assert not INLINE_SCRIPT.search(page), INLINE_SCRIPT.findall(page)
    assert page.count("/static/vendor/plotly-cartesian/plotly-cartesian.min.js") == 1  # bars, heatmaps, scatters
    assert "/static/vendor/plotly/plotly.min.js" not in page
    assert "/static/css/audit.css" in page
    assert ' style="' not in page


def test_the_tab_is_on_every_dashboard(client, analysed, people):
    for url in ("/dashboards/", "/dashboards/cities/330100/", "/dashboards/compare/"):
        page = _page(client, people["analyst"], url)
        assert f'href="/dashboards/audit/?cycle={analysed.pk}" id="audit-tab"' in page, url


def test_the_page_runs_the_same_number_of_queries_for_12_and_30_cities(client, framework, regions, people,
                                                                        django_assert_max_num_queries):
    client.force_login(people["analyst"])
    counts = []
    for cycle in (scored_with_an_outlier(framework, regions, 2025),
                  scored_cycle(framework, many_cities(30, regions["zhejiang"]), 2026)):
        analyse(cycle, base_samples=16)
        with django_assert_max_num_queries(20) as captured:
            assert client.get(f"{URL}?cycle={cycle.pk}").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


# ---- the warnings, in the reader's language -------------------------------------------------------------

WARNINGS = [
    {"code": "constant", "subject": "RS08", "message": "all 12 values equal 1"},
    {"code": "too_few_values", "subject": "RS08", "message": "2 values"},
    {"code": "too_few_regions", "subject": "", "message": "2 regions"},
    {"code": "outliers_remain", "subject": "RS06", "message": "1 values winsorised"},
    {"code": "no_complete_region", "subject": "", "message": "no region has every dimension"},
    {"code": "single_indicator", "subject": "PS", "message": "one indicator"},
    {"code": "too_few_complete_cases", "subject": "MP", "message": "2 regions"},
    {"code": "no_variance", "subject": "SC", "message": "the sum is the same"},
    {"code": "left_out_of_pca", "subject": "RS", "message": "constant normalised scores left out: RS08"},
    {"code": "something_new", "subject": "RS01", "message": "a warning this page does not know"},
]


def test_each_warning_is_told_in_the_readers_language_naming_the_indicator(analysed):
    stored = analysed.current_run.analysis.audit
    period = stored["periods"][0]
    period["warnings"] = WARNINGS
    next(c for c in period["consistency"] if c["dimension"] == "RS")["loadings"][7] = None  # RS08 left out
    names = {"RS08": "公共数据授权运营机制", "RS06": "公共数据开放有效数据集数量", "PS": "公众满意度",
             "MP": "管理精准度", "SC": "服务便捷度", "RS": "资源共享度"}
    with translation.override("zh-hans"):
        texts = [w["text"] for w in audit_context(stored, None, names, charts=False)["audit"]["warnings"]]
    assert texts[0].startswith("公共数据授权运营机制（RS08）的全部12个数值相同")
    assert "公共数据授权运营机制（RS08）" in texts[8]
    assert "资源共享度" in texts[8]
    assert "公众满意度" in texts[5]
    assert "1个数值经缩尾处理后" in texts[3]
    assert texts[9] == "a warning this page does not know"  # an unknown code: the engine's English message
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in texts[:9]), texts
    with translation.override("en"):
        texts = [w["text"] for w in audit_context(stored, None, {"RS08": "Public data licensing"},
                                                  charts=False)["audit"]["warnings"]]
    assert texts[0].startswith("All 12 values of Public data licensing (RS08) are the same (")


def test_a_ceiling_warning_tells_how_many_regions_have_the_best_score(analysed):
    stored = analysed.current_run.analysis.audit
    stored["periods"][0]["warnings"] = [{"code": "ceiling", "subject": "RS08", "message": "9 of 12 regions (75%)",
                                         "facts": {"share": 0.75, "count": 9, "n": 12}}]
    with translation.override("en"):
        (warning,) = audit_context(stored, None, {"RS08": "Public data licensing"}, charts=False)["audit"]["warnings"]
    assert warning == {"code": "ceiling", "subject": "Public data licensing",
                       "text": "Public data licensing (RS08) gives 9 of the 12 regions with a value (75 %) the best "
                               "score: it no longer tells them apart at the top."}


def test_the_context_takes_plain_dicts_of_a_file_without_a_run(analysed):
    """The entry point of another page (a file scored without a run): plain dicts, every region visible."""
    stored = analysed.current_run.analysis
    with translation.override("en"):
        context = audit_context(stored.audit, stored.sensitivity, {"330100": "Hangzhou"})["audit"]
    assert context["period"] == analysed.period
    assert len(context["sensitivity"]["regions"]) == 12
    assert context["sensitivity"]["hidden_regions"] == 0
    assert {"pearson", "sobol", "intervals"} <= set(context["charts"])
    assert context["moved"] == 1
    with translation.override("en"):
        context = audit_context(stored.audit["periods"][0], None, {}, visible={"330100"})["audit"]
    assert context["sensitivity"] is None
    assert "sobol" not in context["charts"]
    assert context["dimensions"][0]["rows"][5]["treatment"]["points"] == []


# ---- the city dashboard: what varied in the rank interval -----------------------------------------------

def _method(cycle, uncertainty):
    run = ScoreRun.objects.get(pk=cycle.current_run_id)
    run.method = {**(run.method or {}), "uncertainty": uncertainty}
    run.save(update_fields=["method"])


@pytest.mark.parametrize(("uncertainty", "zh", "en"), [
    ({"draws": 1000, "weight_range": 0.2, "seed": 2026},
     "在1000次重新计算中（变动权重（±20%）和标准化方法）", "In 1000 recomputations varying weights (±20 %) and the "
                                                     "normalisation method, "),
    ({"draws": 2048, "weight_range": 0.3, "inputs": ["weights", "normalisation", "aggregation", "exclusion"],
      "samples": 256, "seed": 1},
     "在2048次重新计算中（变动权重（±30%）、标准化方法、合成方法和逐一剔除单项指标）",
     "In 2048 recomputations varying weights (±30 %), the normalisation method, the aggregation method and the "
     "exclusion of one indicator at a time, "),
    ({"draws": 512, "weight_range": None, "inputs": ["aggregation"], "samples": 64, "seed": 1},
     "在512次重新计算中（变动合成方法）", "In 512 recomputations varying the aggregation method, "),
])
def test_the_city_dashboard_names_what_varied_and_links_to_the_audit(client, analysed, people, uncertainty, zh, en):
    _method(analysed, uncertainty)
    for language, text in (("zh-hans", zh), ("en", en)):
        page = _page(client, people["officer"], "/dashboards/cities/330100/", language=language)
        sentence = page.split('id="interval-method"')[1].split("</p>")[0]
        assert text in sentence, sentence
        assert f'href="/dashboards/audit/?cycle={analysed.pk}" id="audit-link"' in sentence


def test_the_uncertainty_of_a_run_that_did_not_record_its_inputs_reads_as_weights_and_normalisation(analysed,
                                                                                                     regions):
    _method(analysed, {"draws": 1000, "weight_range": 0.2, "seed": 2026})
    analysed.refresh_from_db()
    uncertainty = city_report(analysed, regions["hangzhou"]).framework.uncertainty
    assert uncertainty.inputs == ("weights", "normalisation")
    with translation.override("en"):
        assert uncertainty.varied == "weights (±20 %) and the normalisation method"
    _method(analysed, {})
    analysed.refresh_from_db()
    uncertainty = city_report(analysed, regions["hangzhou"]).framework.uncertainty
    assert (uncertainty.draws, uncertainty.inputs, uncertainty.varied) == (None, (), "")


def test_a_run_of_one_region_says_why_it_has_no_sensitivity_analysis(framework, regions, client, people):
    run = score(approved_cycle(framework, [regions["hangzhou"]], 2027))
    page = _page(client, people["admin"], f"{URL}?cycle={run.cycle.pk}", language="en")
    assert "Only Hangzhou was scored: no rank can move, so no sensitivity analysis was made." in page
