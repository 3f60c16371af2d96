"""The 好差评 importer: PS01 (share of bad ratings among those given by applicants) per region."""

import pytest

from assessments.models import IndicatorValue
from tests.factories import table_csv, table_xlsx
from tests.records_data import computed, framework_v2, import_records, records_cycle, records_year, refused_row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = ["行政区划代码", "评价日期", "评价等级", "默认评价"]


def _ratings(y):
    return [
        ["330100", f"{y}-01-05", "5", "否"], ["330100", f"{y}-02-05", "满意", "主动评价"],
        ["330100", f"{y}-03-05", "1", "否"], ["330100", f"{y}-04-05", "不满意", "否"],
        ["330100", f"{y}-05-05", "3", "否"], ["330100", f"{y}-06-05", "5", "是"], ["330100", f"{y}-07-05", "1", "默认"],
        ["330200", f"{y}-01-05", "5", "是"],
    ]


def _import(cycle, data):
    return import_records(cycle, "ratings", data, name="ratings.csv")


@pytest.fixture
def cycle(db):
    return records_cycle(framework_v2())


@pytest.mark.parametrize("build", [table_csv, table_xlsx])
def test_the_share_of_bad_ratings_leaves_out_default_ratings(cycle, build):
    outcome = _import(cycle, build(_ratings(records_year()), header=HEADER))
    assert computed(cycle, "330100") == {"PS01": 40.0}  # 2 bad of 5 given by applicants
    assert computed(cycle, "330200") == {}
    assert outcome.regions[1].missing == {"PS01": "Every rating of the region is a default given by the system."}
    assert "2 of 5 ratings given by applicants were 1–2" in IndicatorValue.objects.get().note


def test_without_the_default_column_every_rating_counts(cycle):
    _import(cycle, table_csv([row[:3] for row in _ratings(records_year())], header=HEADER[:3]))
    assert computed(cycle, "330100") == {"PS01": pytest.approx(300 / 7)}
    assert computed(cycle, "330200") == {"PS01": 0.0}


@pytest.mark.parametrize(("row", "column", "cell", "reason"), [
    (4, "评价等级", "6", "whole number from 1"),
    (5, "评价日期", "{next}-01-01", "outside the assessment year"),
    (6, "默认评价", "", "Write 是"),
])
def test_a_bad_rating_refuses_the_file(cycle, row, column, cell, reason):
    y = records_year()
    rows = _ratings(y)
    rows[row - 2][HEADER.index(column)] = cell.format(next=y + 1)
    error = refused_row(cycle, "ratings", rows, HEADER)
    assert (error.row, error.column) == (row, column)
    assert reason in error.reason
