"""`query_frame`: the rows as the queryset gives them, by COPY on PostgreSQL as row by row elsewhere — texts with
commas, quotes and line breaks, numbers to the bit (the scores and the inputs' fingerprint depend on them), NULL
numbers, no rows at all."""

import math

import pytest

from assessments.models import IndicatorValue, RegionScore
from smartgov.query_frames import query_frame
from tests.factories import approved_cycle, many_cities, score

pytestmark = pytest.mark.django_db
DTYPES = {"region": "str", "period": "int64", "indicator": "str", "value": "float64", "note": "str"}


def _rows(cycle):
    return IndicatorValue.objects.filter(submission__cycle=cycle).order_by("pk").values_list(
        "submission__region__code", "submission__cycle__period", "indicator__code", "value", "note")


def test_the_frame_holds_the_rows_as_they_are(framework, regions):
    cycle = approved_cycle(framework, many_cities(3, regions["zhejiang"]), 2026)
    values = IndicatorValue.objects.filter(submission__cycle=cycle).order_by("pk")
    values.filter(pk=values[0].pk).update(note='他说,"好"\n第二行')
    values.filter(pk=values[1].pk).update(note="NA")
    for row, number in zip(values[2:8], [0.1 + 0.2, 1e-300, 123456.78901234568, 2 / 3, 5e-324, 1.7976931348623157e308],
                           strict=True):
        values.filter(pk=row.pk).update(value=number)
    frame = query_frame(_rows(cycle), DTYPES)
    assert list(frame.columns) == list(DTYPES)
    assert [str(t) for t in frame.dtypes] == ["str", "int64", "str", "float64", "str"]
    assert [tuple(row) for row in frame.itertuples(index=False)] == list(_rows(cycle))
    assert frame.loc[0, "note"] == '他说,"好"\n第二行'
    assert frame.loc[1, "note"] == "NA"


def test_null_numbers_are_nan(framework, regions):
    cycle = approved_cycle(framework, many_cities(3, regions["zhejiang"]), 2026)
    score(cycle)
    rows = RegionScore.objects.filter(run__cycle=cycle).order_by("pk").values_list("region__code", "change")
    frame = query_frame(rows, {"region": "str", "change": "float64"})
    expected = list(rows)
    assert any(change is None for _, change in expected)
    assert [(r, None if math.isnan(c) else c) for r, c in frame.itertuples(index=False)] == expected


def test_no_rows_give_an_empty_frame_with_the_columns(framework):
    frame = query_frame(IndicatorValue.objects.none().values_list(
        "submission__region__code", "submission__cycle__period", "indicator__code", "value", "note"), DTYPES)
    assert frame.empty
    assert list(frame.columns) == list(DTYPES)
