"""Where each region's index comes from, by the provenance its framework declares for each indicator: in the city
dashboard, the Excel export of results and the statistical audit page; nothing of it under a framework that
declares none (v1)."""

import math
from io import BytesIO

import pytest
from openpyxl import load_workbook

from assessments.models import IndicatorScore, Region, RegionScore
from reports.selectors import city_report
from reports.selectors.provenance import provenance_shares
from tests.factories import approved_cycle, many_cities, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_v2(framework_v2, regions):
    cycle = approved_cycle(framework_v2, many_cities(4, regions["zhejiang"]), 2026)
    score(cycle)
    return cycle


def test_the_shares_are_the_points_and_weights_of_each_provenance(scored_v2):
    run = scored_v2.current_run
    hangzhou = RegionScore.objects.get(run=run, region__code="330100")
    rows = IndicatorScore.objects.filter(run=run, region=hangzhou.region).select_related("indicator")
    points, weight = {}, {}
    for row in rows:
        key = row.indicator.provenance
        points[key] = points.get(key, 0) + (row.contribution or 0)
        weight[key] = weight.get(key, 0) + row.weight
    shares = {s.provenance: s for s in provenance_shares(run.pk)["330100"]}
    assert set(shares) == {"self_declared", "system_record", "provincial_survey", "third_party"}
    for code, share in shares.items():
        assert share.points == pytest.approx(points[code] / hangzhou.index)
        assert share.weight == pytest.approx(weight[code])
    assert math.fsum(s.points for s in shares.values()) == pytest.approx(1)
    assert list(shares) == ["self_declared", "system_record", "provincial_survey", "third_party"]


def test_the_city_dashboard_says_where_its_index_comes_from(scored_v2, client, people):
    report = city_report(scored_v2, Region.objects.get(code="330100"))
    client.force_login(people["officer"])
    page = client.get("/dashboards/cities/330100/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    line = page.split('id="provenance"')[1].split("</p>")[0]
    declared = next(s for s in report.provenance if s.provenance == "self_declared")
    assert f"自主填报 {declared.points_pct:.0f}%" in line
    assert "由业务系统记录计算" in line


def test_the_export_has_a_column_per_provenance(scored_v2, client, people):
    client.force_login(people["admin"])
    response = client.get("/exports/results.xlsx", {"cycle": scored_v2.pk}, HTTP_ACCEPT_LANGUAGE="en")
    overview = load_workbook(BytesIO(response.content)).worksheets[0]
    headers = [cell.value for cell in overview[2]]
    column = headers.index("Share of the index: Self-declared (%)")
    row = next(r for r in overview.iter_rows(min_row=3, values_only=True) if r[0] == "330100")
    expected = {s.provenance: s.points_pct for s in provenance_shares(scored_v2.current_run_id)["330100"]}
    assert row[column] == pytest.approx(expected["self_declared"])
    assert "Share of the index: Computed from a system of record (%)" in headers


def test_the_audit_page_spreads_them_over_the_regions(scored_v2, client, people):
    client.force_login(people["admin"])
    page = client.get("/dashboards/audit/", {"cycle": scored_v2.pk}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = page.split('id="audit-provenance-table"')[1].split("</table>")[0]
    assert 'data-provenance="self_declared"' in table
    assert 'data-provenance="third_party"' in table


def test_a_framework_that_declares_no_provenance_shows_none(framework, regions, client, people):
    cycle = approved_cycle(framework, many_cities(4, regions["zhejiang"]), 2026)
    score(cycle)
    assert provenance_shares(cycle.current_run_id) == {}
    client.force_login(people["officer"])
    assert 'id="provenance"' not in client.get("/dashboards/cities/330100/").content.decode()
    client.force_login(people["admin"])
    assert 'id="audit-provenance"' not in client.get("/dashboards/audit/", {"cycle": cycle.pk}).content.decode()
