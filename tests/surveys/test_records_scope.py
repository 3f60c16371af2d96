"""What every records import checks before it writes: the framework, the actor, and that each region of the file
is one of the province's with a submission that can be edited now. And the command that runs it."""


import pytest
from django.core.management import CommandError, call_command

from assessments.models import IndicatorValue, Submission
from audit.models import AuditEvent
from smartgov.errors import PermissionRefused
from surveys.records import LAYOUTS
from surveys.services.refusals import ImportRejected
from tests.factories import CycleFactory, RegionFactory, example_user, in_province, region_tree, table_csv
from tests.records_data import RECORD_INDICATORS, framework_v2, import_records, records_cycle, records_year

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = ["行政区划代码", "评价日期", "评价等级"]


def _ratings(*codes):
    return table_csv([[code, f"{records_year()}-03-01", str(1 + i % 5)] for i, code in enumerate(codes)],
                     header=HEADER)


def _import(cycle, data, actor="analyst"):
    return import_records(cycle, "ratings", data, actor=actor)


@pytest.fixture
def cycle(db):
    return records_cycle(framework_v2())


def _nothing_written():
    assert not IndicatorValue.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["values_imported", "value_changed"]).exists()


def test_a_region_outside_the_province_refuses_the_file(cycle):
    with pytest.raises(ImportRejected) as refused:
        _import(cycle, _ratings("330100", "330200", "320100", "320100"))
    assert [(e.row, e.column, e.value, e.reason) for e in refused.value.errors] == [
        (4, "行政区划代码", "320100", "Nanjing is not in Zhejiang.")]
    _nothing_written()


def test_a_region_of_the_province_without_a_submission_refuses_the_file(cycle):
    in_province(RegionFactory(code="330300", name_en="Wenzhou", parent=region_tree()["zhejiang"]))
    with pytest.raises(ImportRejected) as refused:
        _import(cycle, _ratings("330100", "330300"))
    assert [(e.row, e.reason) for e in refused.value.errors] == [(3, "Wenzhou has no submission in this cycle.")]
    _nothing_written()


def test_a_region_whose_submission_is_locked_refuses_the_file(cycle):
    Submission.objects.filter(cycle=cycle, region__code="330200").update(status=Submission.Status.SIGNED_OFF)
    with pytest.raises(ImportRejected) as refused:
        _import(cycle, _ratings("330100", "330200"))
    [error] = refused.value.errors
    assert (error.row, error.column, error.value) == (3, "行政区划代码", "330200")
    assert error.reason.startswith("Ningbo: ")
    _nothing_written()


def test_a_version_1_cycle_is_refused_naming_its_framework(framework):
    cycle = CycleFactory(framework=framework, period=records_year())
    with pytest.raises(ImportRejected) as refused:
        _import(cycle, _ratings("330100"))
    assert str(refused.value) == (
        "Values from system records are defined by the framework smartgov-maturity from version 2 on; this cycle "
        "assesses Smart Government Maturity Assessment Framework (smartgov-maturity, version 1).")


def test_another_framework_is_refused_whatever_its_version(db):
    cycle = records_cycle(framework_v2(code="city-index", version=3))
    with pytest.raises(ImportRejected, match=r"\(city-index, version 3\)"):
        _import(cycle, _ratings("330100"))


def test_an_indicator_the_framework_lacks_is_not_written(db):
    cycle = records_cycle(framework_v2([c for c in RECORD_INDICATORS if c != "PS01"]))
    outcome = _import(cycle, _ratings("330100"))
    assert outcome.not_in_framework == ["PS01"]
    assert outcome.regions[0].values == outcome.regions[0].missing == {}
    _nothing_written()


def test_only_the_province_imports_for_its_regions(cycle):
    with pytest.raises(PermissionRefused):
        _import(cycle, _ratings("330100"), actor="reviewer")
    with pytest.raises(PermissionRefused):
        _import(cycle, _ratings("330100"), actor="jiangsu_analyst")
    _nothing_written()


def test_an_unreadable_file_is_refused(cycle):
    with pytest.raises(ImportRejected, match="empty"):
        _import(cycle, b"")


def test_the_command_prints_the_values_of_each_region(cycle, tmp_path, capsys):
    path = tmp_path / "ratings.csv"
    path.write_bytes(_ratings("330100", "330100", "330200"))
    example_user("analyst")
    call_command("import_records", str(path), kind="ratings", cycle=records_year(), province="330000",
                 user="analyst", dry_run=True)
    out = capsys.readouterr().out
    assert "Records of kind ratings — rows: 3, regions: 2; dry run, nothing written." in out
    assert "330100 Hangzhou — rows: 2, values changed: 0" in out
    assert "  PS01 = 100  2 of 2 ratings given by applicants were 1–2" in out
    assert "  PS01 —  " not in out
    _nothing_written()
    call_command("import_records", str(path), kind="ratings", cycle=records_year(), province="330000",
                 user="analyst")
    assert "330200 Ningbo — rows: 1, values changed: 1" in capsys.readouterr().out
    assert IndicatorValue.objects.filter(source="records").count() == 2


def test_the_command_prints_the_row_errors(cycle, tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_bytes(_ratings("330100", "320100"))
    example_user("analyst")
    with pytest.raises(CommandError) as refused:
        call_command("import_records", str(path), kind="ratings", cycle=records_year(), province="330000",
                     user="analyst")
    assert str(refused.value).splitlines() == [
        "Nothing was imported: 1 rows have errors. Correct them and upload the file again.",
        "row 3, 行政区划代码 (“320100”): Nanjing is not in Zhejiang."]
    _nothing_written()


def test_a_region_refusing_a_value_leaves_every_region_unwritten(cycle):
    ningbo = Submission.objects.get(cycle=cycle, region__code="330200")
    IndicatorValue.objects.create(submission=ningbo, indicator=cycle.framework.indicators.get(code="PS01"),
                                  value=99.0, source=IndicatorValue.Source.SURVEY)
    with pytest.raises(ImportRejected, match=r"^Ningbo: PS01: This value is computed from citizens' responses"):
        _import(cycle, _ratings("330100", "330200"))
    assert list(IndicatorValue.objects.values_list("value", "source")) == [(99.0, "survey")]
    assert not AuditEvent.objects.filter(action__in=["values_imported", "value_changed"]).exists()


def test_every_indicator_computed_is_one_the_default_framework_v2_takes_from_system_records(default_document_v2):
    document = default_document_v2
    provenance = {i["code"]: i["provenance"] for d in document["dimensions"] for i in d["indicators"]}
    assert (document["code"], document["version"]) == ("smartgov-maturity", 2)
    computed_codes = [code for layout in LAYOUTS.values() for code in layout.indicators]
    assert {code: provenance.get(code) for code in computed_codes} == dict.fromkeys(computed_codes, "system_record")
