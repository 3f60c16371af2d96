"""A run's result rows: PostgreSQL's COPY writes exactly what the portable bulk inserts write, in a number of
queries that does not grow with the regions; a refused row leaves nothing written (test_score_pipeline)."""

import json
import math

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from assessments.models import Cycle, DimensionScore, IndicatorScore, Region, RegionScore, ScoreRun
from assessments.selectors import cycle_values_frame
from assessments.services.result_rows import region_table, result_tables, tables_write
from assessments.services.run_analysis import run_analysis
from indicators.scoring import compute
from indicators.services import framework_spec
from tests.factories import approved_cycle, many_cities, published

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_scores")]
on_postgresql = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY is PostgreSQL's")


def _tables(cycle, run_id):
    """The result tables of `cycle`, with a comparison group, some missing values and a region left incomplete."""
    values, parents = cycle_values_frame(cycle)
    values = values[~((values["region"] == values["region"].iloc[0]) & values.index.isin(values.index[:12]))]
    spec = framework_spec(cycle.framework)
    members = tuple(sorted(values["region"].unique())[:3])
    result = compute(values, spec, parents=parents, groups={"g1": members})
    analysis = run_analysis(values[values["period"] == cycle.period], spec, period=cycle.period,
                            progress=lambda share: None)
    ids = dict(Region.objects.values_list("code", "pk"))
    return [region_table(run_id=run_id, result=result, intervals=analysis.intervals, period=cycle.period,
                         regions=ids),
            *result_tables(run_id=run_id, result=result, period=cycle.period, regions=ids,
                           dimensions=dict(cycle.framework.dimensions.values_list("code", "pk")),
                           indicators=dict(cycle.framework.indicators.values_list("code", "pk")))]


def _stored(run):
    """Every row of the run, each a tuple of its columns but id and run (JSON as text, so that rows sort)."""
    return {model.__name__: sorted(
        tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict) else v for v in row)
        for row in model.objects.filter(run=run).values_list(
            *[f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "run_id")]))
        for model in (RegionScore, DimensionScore, IndicatorScore)}


def _runs(cycle, count):
    return [ScoreRun.objects.create(cycle=cycle, status=ScoreRun.Status.RUNNING) for _ in range(count)]


@on_postgresql
def test_copy_writes_exactly_what_the_bulk_inserts_write(framework, regions):
    cycle = approved_cycle(framework, many_cities(6, regions["zhejiang"]), 2026)
    copied, inserted = _runs(cycle, 2)
    tables_write(_tables(cycle, copied.pk), copy=True)
    tables_write(_tables(cycle, inserted.pk), copy=False)
    assert _stored(copied) == _stored(inserted)
    rows = RegionScore.objects.filter(run=copied)
    assert rows.filter(rank_median__isnull=False).exists()
    assert rows.exclude(group_ranks={}).count() == 2  # of the group's 3 members, the incomplete one is not ranked
    assert rows.filter(complete=False).exists()
    assert IndicatorScore.objects.filter(run=copied, value__isnull=True).exists()


def test_the_rows_are_the_engines(framework, regions):
    cycle = approved_cycle(framework, many_cities(4, regions["zhejiang"]), 2026)
    [run] = _runs(cycle, 1)
    tables = _tables(cycle, run.pk)
    tables_write(tables)
    region_rows = tables[0].frame
    stored = {r.region_id: r for r in RegionScore.objects.filter(run=run)}
    for row in region_rows.itertuples(index=False):
        assert stored[row.region_id].index == (None if math.isnan(row.index) else row.index)
        assert stored[row.region_id].group_ranks == row.group_ranks
    assert IndicatorScore.objects.filter(run=run).count() == len(tables[2].frame) == 4 * framework.indicators.count()


@on_postgresql
def test_copy_takes_one_statement_per_table_whatever_the_regions(framework, regions):
    counts = []
    for size, province, period in ((3, "zhejiang", 2025), (9, "jiangsu", 2026)):
        cycle = approved_cycle(framework, many_cities(size, regions[province]), period)
        [run] = _runs(cycle, 1)
        tables = _tables(cycle, run.pk)
        with CaptureQueriesContext(connection) as queries:
            tables_write(tables)
        counts.append(len(queries))
    assert counts[0] == counts[1] == 3


@pytest.mark.parametrize("copy", [True, False])
def test_rows_added_to_a_published_run_are_refused_and_nothing_is_written(framework, regions, copy):
    if copy and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    cycle = approved_cycle(framework, many_cities(4, regions["zhejiang"]), 2026)
    run = _runs(cycle, 1)[0]
    Cycle.objects.filter(pk=cycle.pk).update(current_run=run)
    cycle.refresh_from_db()
    published(cycle)
    with pytest.raises(DatabaseError, match="published results cannot be changed"), transaction.atomic():
        tables_write(_tables(cycle, run.pk), copy=copy)
    assert not any(_stored(run).values())
