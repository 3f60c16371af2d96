"""The case log importer: SC01–SC06, RS05 and PS09 computed per region from one file of a province's cases,
all or nothing, written with source "records" and audited."""

import pytest

from assessments.models import IndicatorValue
from audit.models import AuditEvent
from surveys.services.refusals import ImportRejected
from tests.factories import table_csv, table_xlsx
from tests.records_data import (
    computed,
    excel_cell,
    framework_v2,
    import_records,
    records_cycle,
    records_year,
    refused_row,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = ["行政区划代码", "办件编号", "事项编码", "申请渠道", "受理时间", "办结时间", "法定办结时限（工作日）",
          "实际办理用时（工作日）", "高频事项", "到场次数", "提交材料数", "需证照材料", "电子证照调用", "主动评价",
          "全程网办事项"]


def _rows(year):
    return [
        ["330100", "HZ-1", "A", "网上", f"{year}-03-01 09:00", f"{year}-03-01 15:00", "即办", "", "是", "0", "1",
         "是", "是", "是", "是"],
        ["330100", "HZ-2", "A", "网上", f"{year}-03-02", f"{year}-03-06", "10", "3", "是", "1", "2", "是", "否", "否",
         "是"],
        ["330100", "HZ-3", "B", "窗口", f"{year}-03-03", f"{year}-03-20", "5", "8", "否", "", "", "否", "", "是", "否"],
        ["330100", "HZ-4", "B", "窗口代录", f"{year}-04-01", "", "5", "", "是", "2", "4", "是", "是", "否", "否"],
        ["330200", "NB-1", "C", "小程序", f"{year}-05-01", f"{year}-05-01", "0", "", "否", "", "", "否", "", "否",
         "是"],
        ["330200", "NB-2", "C", "窗口", f"{year}-05-02", f"{year}-05-12", "20", "5", "否", "", "", "否", "", "否",
         "是"],
    ]


HANGZHOU = {"SC01": 50.0, "SC02": 50.0, "SC03": 1.0, "SC04": pytest.approx(7 / 3, rel=1e-5), "SC05": 35.0,
            "SC06": 25.0, "RS05": pytest.approx(200 / 3, rel=1e-5), "PS09": 50.0}
"""By hand: 2 of 4 cases of fully online items (SC01) and applied online (SC02); visits 0, 1, 2 and documents
1, 2, 4 over the three high-frequency cases; SC05 the mean of (1 − 3/10) × 100 = 70 and (1 − 8/5) → 0 (HZ-4 is not
decided, HZ-1 has no limit); 1 of 4 decided on the day; 2 of 3 cases needing a licence used one; 2 of 4 rated."""
NINGBO = {"SC01": 100.0, "SC02": 50.0, "SC05": 75.0, "SC06": 50.0, "PS09": 0.0}
"""(1 − 5/20) × 100 = 75; no high-frequency case (no SC03, SC04) and none needing a licence (no RS05)."""


def _import(cycle, data, name="cases.csv", **kwargs):
    return import_records(cycle, "cases", data, name=name, **kwargs)


@pytest.fixture
def cycle(db):
    return records_cycle(framework_v2())


def test_it_computes_each_region_from_a_csv(cycle):
    outcome = _import(cycle, table_csv(_rows(records_year()), header=HEADER))
    assert computed(cycle, "330100") == HANGZHOU
    assert computed(cycle, "330200") == NINGBO
    ningbo = next(r for r in outcome.regions if r.submission.region.code == "330200")
    assert set(ningbo.missing) == {"SC03", "SC04", "RS05"}
    assert ningbo.missing["SC03"] == "No case of a high-frequency item."
    assert ningbo.missing["RS05"] == "No case required a licence document."
    note = IndicatorValue.objects.get(submission=ningbo.submission, indicator__code="SC06").note
    assert note.startswith("Computed from the case log of the integrated government service platform (file "
                           "“cases.csv”; rows of this region: 2): 1 of 2 cases were decided on the day")
    events = AuditEvent.objects.filter(action="values_imported", subject="records").order_by("region__code")
    assert [(e.region.code, e.new["kind"], e.new["values"], e.new["rows"], e.comment) for e in events] == [
        ("330100", "cases", 8, 4, "cases.csv"), ("330200", "cases", 5, 2, "cases.csv")]
    assert AuditEvent.objects.filter(action="value_changed", submission__cycle=cycle).count() == 13


def test_an_xlsx_with_excel_dates_and_numbers_gives_the_same_values(cycle):
    rows = [[row[0], *(excel_cell(cell) for cell in row[1:])] for row in _rows(records_year())]
    _import(cycle, table_xlsx(rows, header=HEADER), name="cases.xlsx")
    assert computed(cycle, "330100") == HANGZHOU
    assert computed(cycle, "330200") == NINGBO


def test_a_second_import_of_the_same_file_changes_nothing(cycle):
    data = table_csv(_rows(records_year()), header=HEADER)
    _import(cycle, data)
    outcome = _import(cycle, data)
    assert [r.changed for r in outcome.regions] == [0, 0]
    assert AuditEvent.objects.filter(action="values_imported").count() == 2


def test_a_dry_run_computes_and_writes_nothing(cycle):
    outcome = _import(cycle, table_csv(_rows(records_year()), header=HEADER), dry_run=True)
    assert {code: f.value for code, f in outcome.regions[0].values.items()} == HANGZHOU
    assert not IndicatorValue.objects.exists()
    assert not AuditEvent.objects.filter(action="values_imported").exists()


@pytest.mark.parametrize(("row", "column", "cell", "reason"), [
    (2, "受理时间", "{year}-13-45", "is not a date"),
    (2, "受理时间", "{year}-03-01 25:00", "is not a time of day"),
    (3, "办结时间", "{year}-02-01", "lies before"),
    (3, "到场次数", "-1", "whole number"),
    (3, "实际办理用时", "", "must not be empty"),
    (5, "受理时间", "{next}-01-10", "outside the assessment year"),
    (6, "申请渠道", "传真", "Write 网上"),
    (7, "办件编号", "NB-1", "appears twice"),
    (3, "全程网办事项", "否", "says the opposite"),
])
def test_one_bad_cell_refuses_the_whole_file(cycle, row, column, cell, reason):
    year = records_year()
    rows = _rows(year)
    position = next(i for i, name in enumerate(HEADER) if name.startswith(column))
    rows[row - 2][position] = cell.format(year=year, next=year + 1)
    error = refused_row(cycle, "cases", rows, HEADER)
    assert (error.row, error.column.split("（")[0]) == (row, column)
    assert reason in error.reason


def test_an_unknown_region_refuses_the_file(cycle):
    rows = _rows(records_year())
    rows[4][0] = "999999"
    with pytest.raises(ImportRejected) as refused:
        _import(cycle, table_csv(rows, header=HEADER))
    assert [(e.row, e.column, e.value, e.reason) for e in refused.value.errors] == [
        (6, "行政区划代码", "999999", "“999999” is not a region code of the register.")]
    assert not IndicatorValue.objects.exists()


def test_a_file_without_the_optional_columns_computes_what_it_can(cycle):
    rows = [row[:5] for row in _rows(records_year())]
    outcome = _import(cycle, table_csv(rows, header=HEADER[:5]))
    assert computed(cycle, "330100") == {"SC02": 50.0}
    assert outcome.regions[0].missing["SC06"] == "The file has no column 办结时间 / decided."
    assert outcome.regions[0].missing["SC03"] == ("The file has no column 高频事项 / high-frequency item、到场次数 / "
                                                   "on-site visits.")
