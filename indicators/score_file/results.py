"""What scoring a file gives (`ScoredFile`): the engine's results, the audit of one period and the results CSV."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pandas as pd

from smartgov.workbooks import csv_field, csv_rows

from ..framework_file import Document
from ..scoring import Audit, ScoringResult
from ..scoring.spec import FrameworkSpec
from .problems import Problem

FIXED_COLUMNS = ("region", "period", "index", "level", "rank")
GROUP_RANK_PREFIX = "rank_in_"
SIGNIFICANT_DIGITS = 12

@dataclass(frozen=True, eq=False)
class ScoredFile:
    document: Document
    """The framework's canonical document (names of dimensions, indicators and bands in both languages)."""
    spec: FrameworkSpec
    values: pd.DataFrame
    groups: dict[str, list[str]]
    result: ScoringResult
    audit: Audit
    """Of `audit_period` alone."""
    audit_period: object
    notes: tuple[Problem, ...] = ()
    """Remarks that refuse nothing (group members without values, empty values)."""

    @property
    def periods(self) -> list[Any]:
        return list(pd.unique(self.result.index["period"]).tolist())

    @property
    def latest(self) -> Any:
        return self.periods[-1]

    @property
    def regions(self) -> int:
        return int(self.values["region"].nunique())

    @property
    def indicators(self) -> int:
        """Indicators with at least one row in the values."""
        return int(self.values["indicator"].nunique())

    def dimension_columns(self) -> dict[str, str]:
        """dimension code → its column in the results (the code, or dimension_<code> where that is taken)."""
        taken = {*FIXED_COLUMNS, *(GROUP_RANK_PREFIX + g for g in self.groups)}
        return {d.code: d.code if d.code not in taken else f"dimension_{d.code}" for d in self.spec.dimensions}

    def table(self, period: object | None = None) -> pd.DataFrame:
        """One row per region and period (one period if given): region, period, index, level, rank,
        rank_in_<group> for each group, one column per dimension score. Ordered by period, then region."""
        index = self.result.index
        table = pd.DataFrame({"region": index["region"].astype(str).to_numpy(), "period": index["period"].to_numpy(),
                              "index": index["index"].to_numpy(), "level": index["level"].array,
                              "rank": index["rank"].array})
        ranks = self.result.group_ranks
        if self.groups:
            wide = (ranks.assign(region=ranks["region"].astype(str), group=ranks["group"].astype(str))
                    .pivot(index=["period", "region"], columns="group", values="rank"))
            keys = pd.MultiIndex.from_arrays([table["period"], table["region"]])
            for group in self.groups:
                column = wide[group].reindex(keys).array if group in wide else pd.array([pd.NA] * len(table), "Int64")
                table[GROUP_RANK_PREFIX + group] = column
        scores = self.result.dimensions["score"].to_numpy().reshape(len(index), len(self.spec.dimensions))
        for position, column in enumerate(self.dimension_columns().values()):
            table[column] = scores[:, position]
        return table if period is None else table[table["period"] == period].reset_index(drop=True)

    def write_csv(self, out: IO[str]) -> None:
        """The results table as CSV (write it as UTF-8; `csv_bytes` adds the byte-order mark Excel needs): numbers
        written plainly (`number_cell`), every text as text (`smartgov.workbooks.csv_field`: a text that begins
        like a formula gets a leading apostrophe)."""
        table = self.table()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([csv_field(name) for name in table.columns])
        writer.writerows(csv_rows(zip(*(_cells(table[name]) for name in table.columns), strict=True)))

    def csv_bytes(self) -> bytes:
        buffer = io.StringIO()
        self.write_csv(buffer)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

    def audit_dict(self) -> dict[str, Any]:
        """The audit of `audit_period` (plain JSON types), as `Audit.as_dict()` gives it."""
        return self.audit.as_dict()


def number_cell(value: float) -> str:
    """A float as plain decimal digits, never an exponent: `SIGNIFICANT_DIGITS` significant digits, trailing zeros
    trimmed (27.099999999999998 is written 27.1); empty when missing."""
    if not math.isfinite(value):
        return ""
    return np.format_float_positional(value + 0.0, precision=SIGNIFICANT_DIGITS, unique=False, fractional=False,
                                      trim="-")


def _cells(column: pd.Series) -> list[str]:
    if pd.api.types.is_float_dtype(column.dtype):
        return [number_cell(v) for v in column.to_numpy(dtype=float)]
    if pd.api.types.is_integer_dtype(column.dtype):
        return ["" if v is pd.NA else str(v) for v in column.array]
    return [str(v) for v in column.to_numpy()]
