"""A framework file's `applies_to` (the region levels an indicator is assessed at) and its bands' `gates` (the
least score of each dimension a level requires): read, checked, stored, exported and served; and what a county
sees and may enter when an indicator is not assessed at its level."""

import copy
from io import BytesIO

import pytest
from django.utils import translation
from openpyxl import load_workbook

from assessments.excel.template import values_workbook
from assessments.models import DimensionScore, IndicatorScore, IndicatorValue, Region, RegionScore
from assessments.selectors import entry_progress, submission_entry, submission_findings_of
from assessments.services import Entry, values_save
from assessments.services.submissions import ValuesInvalid
from indicators.framework_file import FrameworkFileError, document_spec, parse_framework
from indicators.selectors import framework_document
from indicators.services import framework_import, framework_publish
from reports.selectors import city_report
from tests.factories import (
    CycleFactory,
    RegionFactory,
    RoleAssignmentFactory,
    SubmissionFactory,
    approved_cycle,
    in_province,
    many_cities,
    score,
)

pytestmark = pytest.mark.django_db
CITIES = ["prefecture", "province"]


def _restricted(default_document, code="smartgov-levels"):
    """The default framework with RS02 assessed at province and prefecture level only, and gates on its bands."""
    document = {**copy.deepcopy(default_document), "code": code}
    document["dimensions"][0]["indicators"][1]["applies_to"] = CITIES
    for band, gate in zip(document["bands"][1:], (20, 40, 60, 80), strict=True):
        band["gates"] = {"PS": gate, "RS": gate}
    return document


def _refusals(document):
    with pytest.raises(FrameworkFileError) as caught:
        parse_framework(document)
    return dict(caught.value.errors)


def test_they_are_read_in_a_canonical_order_and_reach_the_engine(default_document):
    parsed = parse_framework(_restricted(default_document))
    assert parsed["dimensions"][0]["indicators"][1]["applies_to"] == ["province", "prefecture"]
    assert parsed["dimensions"][0]["indicators"][0]["applies_to"] is None
    assert list(parsed["bands"][1]["gates"].items()) == [("RS", 20.0), ("PS", 20.0)]
    assert parsed["bands"][0]["gates"] == {}
    spec = document_spec(parsed)
    assert spec.indicators[1].applies_to == ("province", "prefecture")
    assert spec.bands[2].gates == (("RS", 40.0), ("PS", 40.0))


def test_they_are_stored_exported_and_served_as_written(default_document, client, people):
    document = _restricted(default_document)
    framework = framework_publish(framework=framework_import(document=document).framework)
    assert framework.indicators.get(code="RS02").applies_to == ["province", "prefecture"]
    assert framework.bands.get(level=1).gates is None
    assert framework_document(framework) == parse_framework(document)
    client.force_login(people["admin"])
    served = client.get(f"/api/v1/frameworks/{framework.code}/1/").json()
    assert served["dimensions"][0]["indicators"][1]["applies_to"] == ["province", "prefecture"]
    assert served["dimensions"][0]["indicators"][0]["applies_to"] is None
    assert served["bands"][1]["gates"] == {"RS": 20.0, "PS": 20.0}


def test_the_default_framework_v1_restricts_nothing_and_gates_nothing(default_document):
    parsed = parse_framework(default_document)
    assert all(i["applies_to"] is None for d in parsed["dimensions"] for i in d["indicators"])
    assert all(b["gates"] == {} for b in parsed["bands"])


def test_a_level_that_is_not_one_is_refused_where_it_is(default_document):
    document = _restricted(default_document)
    document["dimensions"][0]["indicators"][1]["applies_to"] = ["city"]
    assert "dimensions[0].indicators[1].applies_to[0]" in _refusals(document)


def test_a_gate_naming_no_dimension_or_falling_from_one_level_to_the_next_is_refused(default_document):
    document = _restricted(default_document)
    document["bands"][1]["gates"]["XX"] = 10
    document["bands"][3]["gates"]["PS"] = 30
    refusals = _refusals(document)
    assert refusals["bands[1].gates.XX"] == "is not a dimension of this framework"
    assert refusals["bands[3].gates.PS"] == "must be at least 40, the gate of level 3: a higher level asks no less"


def test_a_level_left_without_any_indicator_of_a_dimension_is_refused(default_document):
    document = _restricted(default_document)
    for indicator in document["dimensions"][0]["indicators"]:
        indicator["applies_to"] = CITIES
    document["dimensions"][1]["indicators"][0]["applies_to"] = ["county"]
    refusals = _refusals(document)
    assert refusals["dimensions[0].indicators"] == (
        "no indicator with weight applies to county: a county could never have dimension RS scored")


@pytest.fixture
def county_submission(default_document, regions):
    framework = framework_publish(framework=framework_import(document=_restricted(default_document)).framework)
    county = in_province(RegionFactory(code="330106", name_zh="西湖区", name_en="Xihu", level=Region.Level.COUNTY,
                                       parent=regions["hangzhou"]))
    return SubmissionFactory(region=county, cycle=CycleFactory(framework=framework, period=2026))


def test_a_county_is_not_asked_for_what_is_not_assessed_at_its_level(county_submission):
    codes = [row.indicator.code for block in submission_entry(county_submission).dimensions for row in block.rows]
    assert "RS02" not in codes
    assert "RS01" in codes
    progress = entry_progress(county_submission)
    assert progress.total == 32
    missing = {code for f in submission_findings_of(county_submission) if f.kind == "missing" for code in f.indicators}
    assert "RS02" not in missing
    assert "RS01" in missing


def test_a_value_for_it_is_refused_with_the_reason_and_nothing_is_saved(county_submission):
    officer = RoleAssignmentFactory(region=county_submission.region).user
    with pytest.raises(ValuesInvalid) as caught, translation.override("en"):
        values_save(submission=county_submission, entries={"RS01": Entry("80"), "RS02": Entry("90")}, actor=officer,
                    expected_version=county_submission.version)
    assert caught.value.fields == {"RS02": ["does not apply to a County-level division: this indicator is not "
                                            "assessed at that level"]}
    assert not county_submission.values.exists()


def test_a_score_run_leaves_out_what_does_not_apply_and_holds_levels_to_their_gates(default_document, regions):
    framework = framework_publish(framework=framework_import(document=_restricted(default_document)).framework)
    cities = many_cities(4, regions["zhejiang"])
    counties = [in_province(RegionFactory(code=f"3301{i:02d}", name_zh=f"测试区{i}", name_en=f"District {i}",
                                          level=Region.Level.COUNTY, parent=cities[0])) for i in range(1, 4)]
    cycle = approved_cycle(framework, cities + counties, 2026)
    IndicatorValue.objects.filter(submission__region=counties[0], indicator__code="RS02").delete()
    run = score(cycle)
    scores = {s.region.code: s for s in RegionScore.objects.filter(run=run).select_related("region")}
    assert all(scores[c.code].complete for c in counties)
    for county in counties:
        rs02 = IndicatorScore.objects.get(run=run, region=county, indicator__code="RS02")
        assert (rs02.value, rs02.score, rs02.weight) == (None, None, 0)
    assert IndicatorScore.objects.get(run=run, region=cities[1], indicator__code="RS02").weight > 0
    assert "RS02" not in [row.code for row in city_report(cycle, counties[1]).indicators]
    assert "RS02" in [row.code for row in city_report(cycle, cities[1]).indicators]
    bands = list(framework.bands.order_by("level"))
    for code, result in scores.items():
        dimensions = {d.dimension.code: d.score for d in DimensionScore.objects.filter(
            run=run, region__code=code).select_related("dimension")}
        deserved = max(b.level for b in bands if result.index >= b.min_score
                       and all(dimensions[d] >= least for d, least in (b.gates or {}).items()))
        assert result.level == deserved


def test_the_city_dashboard_says_which_dimensions_hold_it_below_the_level_its_index_reaches(
        default_document, regions, people, client):
    document = _restricted(default_document, code="smartgov-gated")
    for band in document["bands"][1:]:
        band["gates"] = {"PS": 99}
    framework = framework_publish(framework=framework_import(document=document).framework)
    run = score(approved_cycle(framework, many_cities(4, regions["zhejiang"]), 2026))
    best = RegionScore.objects.filter(run=run).select_related("region").order_by("-index").first()
    ps = DimensionScore.objects.get(run=run, region=best.region, dimension__code="PS").score
    assert best.index >= 40
    assert ps < 99
    assert best.level == 1
    client.force_login(people["admin"])
    page = client.get(f"/dashboards/cities/{best.region.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    shortfall = page.split('id="gate-shortfall"')[1].split("</p>")[0]
    assert "but that level also asks a least score of every dimension" in shortfall
    assert f"Public satisfaction {ps:.1f} (needs 99)" in shortfall
    assert "Resource sharing" not in shortfall


def test_the_excel_template_of_a_county_leaves_out_what_is_not_assessed_at_its_level(county_submission):
    data = values_workbook(cycle=county_submission.cycle, submissions=[county_submission], kind="submission",
                           region=county_submission.region)
    codes = [row[0] for row in load_workbook(BytesIO(data)).worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert "RS01" in codes
    assert "RS02" not in codes
