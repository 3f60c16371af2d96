"""A score run's result rows as tables — one frame per model, its columns the model's database columns — and
their writing: PostgreSQL's COPY where the database is PostgreSQL, bulk inserts elsewhere (SQLite, the embedded
default).

The frames are built with vectorised pandas operations (no Python object per row) and COPY sends each table in
one statement, so the number of queries does not grow with the number of regions and the write no longer
dominates a national run. Both paths write the same rows (tests/assessments/test_result_rows.py), in the caller's
transaction: a failure half-way through leaves nothing written.
"""

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db import connection, models

from indicators.scoring import ScoringResult

from ..models import DimensionScore, IndicatorScore, RegionScore
from .copy_binary import binary_rows, binary_types


@dataclass(frozen=True)
class ResultTable:
    model: type[models.Model]
    frame: pd.DataFrame
    """One row per result row; columns named as the model's columns (`attname`: run_id, region_id, …), no id."""


def result_tables(*, run_id: int, result: ScoringResult, period: int, regions: Mapping[str, int],
                  dimensions: Mapping[str, int], indicators: Mapping[str, int]) -> list[ResultTable]:
    """The rows of `period` a run stores per region and dimension and per region and indicator (those of the
    regions themselves wait for the sensitivity analysis: `region_table`). `regions`, `dimensions` and
    `indicators` map codes to primary keys."""
    dims = result.dimensions[result.dimensions["period"] == period]
    dimension_rows = pd.DataFrame({
        "run_id": run_id, "region_id": _ids(dims["region"], regions),
        "dimension_id": _ids(dims["dimension"], dimensions),
        "score": dims["score"].to_numpy(dtype=float), "coverage": dims["coverage"].to_numpy(dtype=float),
        "rank": dims["rank"].astype("Int64").array,
    })
    inds = result.indicators[result.indicators["period"] == period]
    indicator_rows = pd.DataFrame({
        "run_id": run_id, "region_id": _ids(inds["region"], regions),
        "indicator_id": _ids(inds["indicator"], indicators), "value": inds["value"].to_numpy(dtype=float),
        "score": inds["score"].to_numpy(dtype=float), "weight": inds["weight"].fillna(0.0).to_numpy(dtype=float),
        "contribution": inds["contribution"].to_numpy(dtype=float), "gap": inds["gap"].to_numpy(dtype=float),
    })
    return [ResultTable(DimensionScore, dimension_rows), ResultTable(IndicatorScore, indicator_rows)]


def region_table(*, run_id: int, result: ScoringResult, intervals: pd.DataFrame, period: int,
                 regions: Mapping[str, int]) -> ResultTable:
    """The row of `period` a run stores per region, with its rank interval (`intervals`: region, rank_median,
    rank_p05, rank_p95)."""
    index = result.index[result.index["period"] == period].merge(intervals, on="region", how="left")
    group_ranks = _group_ranks(result.group_ranks, period)
    return ResultTable(RegionScore, pd.DataFrame({
        "run_id": run_id, "region_id": _ids(index["region"], regions),
        "group_ranks": [group_ranks.get(code, {}) for code in index["region"].astype(str)],
        "index": index["index"].to_numpy(dtype=float), "level": index["level"].astype("Int64").array,
        "rank": index["rank"].astype("Int64").array, "parent_rank": index["parent_rank"].astype("Int64").array,
        "change": index["change"].to_numpy(dtype=float), "complete": index["complete"].to_numpy(dtype=bool),
        "coverage": index["coverage"].to_numpy(dtype=float),
        "rank_median": index["rank_median"].to_numpy(dtype=float),
        "rank_low": index["rank_p05"].to_numpy(dtype=float), "rank_high": index["rank_p95"].to_numpy(dtype=float),
    }))


def tables_write(tables: Sequence[ResultTable], *, copy: bool | None = None) -> None:
    """Insert every table's rows: with COPY on PostgreSQL (unless `copy` is False), else with bulk inserts."""
    use_copy = connection.vendor == "postgresql" if copy is None else copy
    for table in tables:
        (_copy if use_copy else _bulk)(table)


def _copy(table: ResultTable) -> None:
    """One COPY … FROM STDIN per table: binary where every column has a fixed width (`copy_binary`), else CSV
    (an empty unquoted field is NULL)."""
    meta = table.model._meta
    fields = {field.attname: field for field in meta.concrete_fields}
    dtypes = binary_types([fields[name].db_type(connection) for name in table.frame.columns])
    if dtypes is not None:
        _copy_stream(meta.db_table, list(table.frame.columns), "binary", io.BytesIO(binary_rows(table.frame, dtypes)))
        return
    frame = table.frame.copy()
    for field in meta.concrete_fields:
        if field.attname not in frame:
            continue
        if isinstance(field, models.JSONField):
            frame[field.attname] = [json.dumps(value, ensure_ascii=False) for value in frame[field.attname]]
        elif isinstance(field, models.BooleanField):
            frame[field.attname] = frame[field.attname].map({True: "t", False: "f"})
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="")
    buffer.seek(0)
    _copy_stream(meta.db_table, list(frame.columns), "csv", buffer)


def _copy_stream(table: str, columns: list[str], copy_format: str, stream: io.IOBase) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in columns)
    with connection.cursor() as cursor, connection.wrap_database_errors:  # Django wraps execute's errors, not COPY's
        cursor.copy_expert(f"COPY {quote(table)} ({names}) FROM STDIN WITH (FORMAT {copy_format})", stream)


def _bulk(table: ResultTable) -> None:
    rows = table.frame.astype(object).where(table.frame.notna(), None).to_dict("records")
    table.model._default_manager.bulk_create(table.model(**row) for row in rows)


def _ids(codes: pd.Series, ids: Mapping[str, int]) -> Any:
    """The primary keys of `codes`; KeyError naming the first code without one."""
    found = codes.astype(str).map(ids)
    if found.isna().any():
        raise KeyError(str(codes[found.isna()].iloc[0]))
    return found.astype("int64").to_numpy()


def _group_ranks(ranks: pd.DataFrame, period: int) -> dict[str, dict[str, int]]:
    """Region code → {group code: rank} of the period, for the groups in which the region is ranked."""
    ranked = ranks[(ranks["period"] == period) & ranks["rank"].notna()]
    by_region: dict[str, dict[str, int]] = {}
    for region, group, rank in zip(ranked["region"], ranked["group"], ranked["rank"], strict=True):
        by_region.setdefault(str(region), {})[str(group)] = int(rank)
    return by_region
