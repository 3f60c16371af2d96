"""The keys of a run's rows per indicator and per dimension, enforced by the database once per statement
(assessments/db_references.py) instead of by foreign keys: a row whose run, region, indicator or dimension does not
exist is refused, by COPY or by inserts, with nothing written; a run, region, indicator or dimension that rows refer
to cannot be deleted behind the ORM's back; the ORM's cascades still work."""

import pytest
from django.db import IntegrityError, connection, transaction

from assessments.models import DimensionScore, IndicatorScore, Region, ScoreRun
from assessments.services.result_rows import tables_write
from indicators.models import Dimension, Indicator
from tests.assessments.test_result_rows import _runs, _stored, _tables
from tests.factories import approved_cycle, many_cities, score

MISSING = 10**9


@pytest.fixture
def cycle(framework, regions):
    return approved_cycle(framework, many_cities(4, regions["zhejiang"]), 2026)


@pytest.mark.parametrize("copy", [True, False], ids=["copy", "inserts"])
@pytest.mark.parametrize(("table", "column"), [(1, "run_id"), (1, "region_id"), (1, "dimension_id"),
                                               (2, "run_id"), (2, "region_id"), (2, "indicator_id")])
def test_a_row_referring_to_nothing_is_refused_and_nothing_is_written(cycle, copy, table, column):
    if copy and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    [run] = _runs(cycle, 1)
    tables = _tables(cycle, run.pk)
    frame = tables[table].frame
    frame.loc[frame.index[len(frame) // 2], column] = MISSING
    with pytest.raises(IntegrityError, match="violates foreign key"), transaction.atomic():
        tables_write(tables, copy=copy)
    assert not any(_stored(run).values())


def test_the_rows_of_a_run_are_written_and_deleted_with_it(cycle):
    run = score(cycle)
    assert IndicatorScore.objects.filter(run=run).exists()
    assert DimensionScore.objects.filter(run=run).exists()
    ScoreRun.objects.filter(pk=run.pk).delete()
    assert not IndicatorScore.objects.filter(run_id=run.pk).exists()
    assert not DimensionScore.objects.filter(run_id=run.pk).exists()


def test_an_update_to_a_missing_region_is_refused(cycle):
    run = score(cycle)
    with pytest.raises(IntegrityError, match="violates foreign key"), transaction.atomic():
        IndicatorScore.objects.filter(pk=IndicatorScore.objects.filter(run=run).first().pk).update(region_id=MISSING)


@pytest.mark.parametrize("model", [ScoreRun, Region, Indicator, Dimension])
def test_what_rows_refer_to_cannot_be_deleted_behind_the_orms_back(cycle, model):
    run = score(cycle)
    row = IndicatorScore.objects.filter(run=run).select_related("indicator").first()
    target = {ScoreRun: run.pk, Region: row.region_id, Indicator: row.indicator_id,
              Dimension: row.indicator.dimension_id}[model]
    table = model._meta.db_table
    with pytest.raises(IntegrityError, match="violates foreign key"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [target])
    assert model.objects.filter(pk=target).exists()
