"""The 12345 importers: work orders give MP05 (repeat requests), MP10 and PS07; the call centre's monthly ACD
figures give MP09. Per region, all or nothing, source "records"."""

import hashlib

import pytest

from assessments.models import IndicatorValue, Region, Submission
from audit.models import AuditEvent
from tests.factories import RegionFactory, in_province, region_tree, table_csv, table_xlsx
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

ORDER_HEADER = ["行政区划代码", "工单编号", "受理时间", "诉求类型", "事项分类", "诉求人标识", "诉求地点", "办理时限",
                "办结时间", "回访结果"]
CALL_HEADER = ["行政区划代码", "月份", "进入人工队列数", "人工接通数", "5秒内放弃数"]


def _orders(y):
    p = y - 1
    return [
        ["330100", "W1", f"{p}-12-20 10:00", "投诉", "噪音", "u1", "", f"{y}-01-05", f"{y}-01-03 16:00", "已解决"],
        ["330100", "W2", f"{y}-01-20 09:00", "投诉", "噪音", "u1", "", f"{y}-01-30", f"{y}-02-02", "未解决"],
        ["330100", "W3", f"{y}-03-10", "求助", "供水", "u2", "文三路1号", f"{y}-03-20", f"{y}-03-15", "已解决"],
        ["330100", "W4", f"{y}-05-10", "求助", "供水", "u3", "文三路 1号", f"{y}-05-20", f"{y}-05-18", ""],
        ["330100", "W5", f"{y}-03-25", "投诉", "供水", "", "文三路1号", f"{y}-04-05", f"{y}-04-01", "已解决"],
        ["330100", "W6", f"{y}-06-01", "咨询", "", "", "", "", f"{y}-06-01", ""],
        ["330200", "N1", f"{y}-02-01", "咨询", "", "", "", "", f"{y}-02-01", ""],
    ]


HANGZHOU = {"MP05": 50.0, "MP10": 80.0, "PS07": 75.0}
"""By hand. MP05: of W2–W5 (complaints and requests for help received in the year; W1 came the year before), W2
repeats W1 (same requester and matter, closed 17 days before) and W5 repeats W3 (same place and matter, closed 10
days before); W4's place was last closed 39 days before: 2 of 4. MP10: W1–W5 fall due in the year, W2 was closed
late: 4 of 5. PS07: W1, W2, W3 and W5 were closed in the year with an answer, W2 unresolved: 3 of 4."""


@pytest.fixture
def cycle(db):
    return records_cycle(framework_v2())


def test_work_orders_give_repeats_on_time_closure_and_resolution(cycle):
    data = table_csv(_orders(records_year()), header=ORDER_HEADER)
    outcome = import_records(cycle, "hotline", data)
    assert computed(cycle, "330100") == HANGZHOU
    assert computed(cycle, "330200") == {}
    ningbo = next(r for r in outcome.regions if r.submission.region.code == "330200")
    assert ningbo.missing == {
        "MP05": "No complaint or request for help received in the assessment year.",
        "MP10": "No work order falls due in the assessment year.",
        "PS07": "No follow-up answer on a complaint or request for help closed in the year."}
    assert AuditEvent.objects.get(action="values_imported", region__code="330100").new == {
        "kind": "hotline", "values": 3, "rows": 6, "sha256": hashlib.sha256(data).hexdigest()}


def test_work_orders_from_an_xlsx_with_excel_dates(cycle):
    rows = [[row[0], row[1], *(excel_cell(cell) for cell in row[2:])] for row in _orders(records_year())]
    import_records(cycle, "hotline", table_xlsx(rows, header=ORDER_HEADER), name="orders.xlsx")
    assert computed(cycle, "330100") == HANGZHOU


@pytest.mark.parametrize(("row", "column", "cell", "reason"), [
    (3, "办结时间", "{y}-01-10", "lies before"),
    (4, "受理时间", "{y}-02-30", "is not a date"),
    (5, "诉求类型", "吐槽", "Write 投诉"),
    (5, "事项分类", "", "must not be empty"),
    (7, "回访结果", "很好", "Write 已解决"),
    (8, "行政区划代码", "", "must not be empty"),
])
def test_a_bad_work_order_refuses_the_file(cycle, row, column, cell, reason):
    y = records_year()
    rows = _orders(y)
    rows[row - 2][ORDER_HEADER.index(column)] = cell.format(y=y)
    error = refused_row(cycle, "hotline", rows, ORDER_HEADER)
    assert (error.row, error.column) == (row, column)
    assert reason in error.reason


def _calls(y):
    return [["330100", f"{y}-01", 1000, 900, 50], ["330100", f"{y}-02", 1000, 940, 0], ["330200", f"{y}-01", 0, 0, 0]]


def test_monthly_call_figures_give_the_answer_rate(cycle):
    outcome = import_records(cycle, "calls", table_xlsx(_calls(records_year()), header=CALL_HEADER), name="acd.xlsx")
    assert computed(cycle, "330100") == {"MP09": pytest.approx(1840 / 1950 * 100, rel=1e-6)}
    assert computed(cycle, "330200") == {}
    assert outcome.regions[1].missing == {"MP09": "No call was queued for an agent."}
    note = IndicatorValue.objects.get(indicator__code="MP09").note
    assert "1,840 of 1,950 calls queued for an agent (less those abandoned within 5 seconds) were answered (months: " \
           "2)." in note


@pytest.mark.parametrize(("row", "column", "cells", "reason"), [
    (2, "人工接通数", ["330100", "{y}-01", 1000, 990, 50], "More calls answered (990)"),
    (2, "5秒内放弃数", ["330100", "{y}-01", 10, 0, 50], "cannot exceed"),
    (2, "进入人工队列数", ["330100", "{y}-01", -5, 0, 0], "whole number"),
    (3, "月份", ["330100", "{y}-01", 10, 5, 0], "appears twice for this region (also row 2)"),
    (2, "月份", ["330100", "{next}-01", 10, 5, 0], "outside the assessment year"),
])
def test_a_bad_month_refuses_the_file(cycle, row, column, cells, reason):
    y = records_year()
    rows = _calls(y)
    rows[row - 2] = [cell.format(y=y, next=y + 1) if isinstance(cell, str) else cell for cell in cells]
    error = refused_row(cycle, "calls", rows, CALL_HEADER)
    assert (error.row, error.column) == (row, column)
    assert reason in error.reason


def test_a_county_gets_no_value_of_an_indicator_not_assessed_at_its_level(cycle):
    county = in_province(RegionFactory(code="330106", name_en="Xihu", level=Region.Level.COUNTY,
                                       parent=region_tree()["hangzhou"]))
    Submission.objects.create(cycle=cycle, region=county)
    rows = [["330106", f"{records_year()}-01", 100, 90, 0], *_calls(records_year())[:1]]
    outcome = import_records(cycle, "calls", table_csv(rows, header=CALL_HEADER))
    assert computed(cycle, "330100") == {"MP09": pytest.approx(900 / 950 * 100, rel=1e-6)}
    assert computed(cycle, "330106") == {}
    xihu = next(r for r in outcome.regions if r.submission.region == county)
    assert xihu.missing == {"MP09": "does not apply to a County-level division: this indicator is not assessed at "
                                    "that level"}
