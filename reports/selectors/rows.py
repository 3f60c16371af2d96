"""Reading stored score rows into pandas and plain Python values: what the reads of `reports.selectors` share."""

import math
from collections.abc import Sequence
from typing import Any, TypedDict

import pandas as pd
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from assessments.models import Cycle, RegionScore
from indicators.models import Dimension, Indicator, MaturityBand
from smartgov.i18n import localised

from .types import Band, NoResult


class DimensionInfo(TypedDict):
    """A dimension of a framework (`dimensions_of`)."""

    pk: int
    code: str
    name: str
    """In the active language."""
    weight: float
    """The dimension's weight in the framework (0–1)."""


class IndicatorInfo(TypedDict):
    """An indicator of a framework (`indicators_of`)."""

    pk: int
    code: str
    name: str
    """In the active language, as `unit` and `dimension_name`."""
    unit: str
    dimension: str
    """Code of the indicator's dimension."""
    dimension_name: str
    direction: str
    """`Indicator.Direction` value."""
    normalisation: str
    """`Indicator.Normalisation` value."""
    weight: float
    """Weight within the dimension (0–1)."""


def current_run_id(cycle: Cycle) -> int:
    """The id of the cycle's current score run; NoResult when it has none."""
    if cycle.current_run_id is None:
        raise NoResult(_("No scores have been computed for this cycle yet."))
    return cycle.current_run_id


def values_frame(queryset: QuerySet[Model], fields: Sequence[str]) -> pd.DataFrame:
    """The `fields` of the queryset's rows as columns (one query, rows never loaded as model instances)."""
    return pd.DataFrame.from_records(list(queryset.values(*fields)), columns=list(fields))


def region_frame(where: Q) -> pd.DataFrame:
    """The `RegionScore` rows matching `where` with their region's code, name and province; numbers as floats."""
    name = localised("region__name_zh", "region__name_en")
    province_name = localised("region__province__name_zh", "region__province__name_en")
    fields = {"region_id": "region_id", "region__code": "code", name: "name", "region__province_id": "province_id",
              "region__province__code": "province_code", province_name: "province"}
    numbers = ["index", "level", "rank", "parent_rank", "change", "complete", "coverage", "rank_median",
               "rank_low", "rank_high"]
    frame = values_frame(RegionScore.objects.filter(where), [*fields, *numbers]).rename(columns=fields)
    for column in ("index", "change", "coverage", "rank_median", "rank_low", "rank_high", "rank", "parent_rank",
                   "level"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def dimensions_of(framework_id: int) -> list[DimensionInfo]:
    """The framework's dimensions in order: pk, code, name (active language), weight."""
    name = localised("name_zh", "name_en")
    rows = Dimension.objects.filter(framework_id=framework_id).order_by("order", "pk").values(
        "pk", "code", name, "weight")
    return [{"pk": r["pk"], "code": r["code"], "name": r[name], "weight": r["weight"]} for r in rows]


def indicators_of(framework_id: int) -> list[IndicatorInfo]:
    """The framework's indicators in order: pk, code, name, unit, dimension (code), dimension_name, direction,
    normalisation, weight (within the dimension)."""
    name, unit = localised("name_zh", "name_en"), localised("unit_zh", "unit_en")
    dimension_name = localised("dimension__name_zh", "dimension__name_en")
    rows = Indicator.objects.filter(framework_id=framework_id).order_by("dimension__order", "order", "pk").values(
        "pk", "code", name, unit, "dimension__code", dimension_name, "direction", "normalisation", "weight")
    return [{"pk": r["pk"], "code": r["code"], "name": r[name], "unit": r[unit], "dimension": r["dimension__code"],
             "dimension_name": r[dimension_name], "direction": r["direction"], "normalisation": r["normalisation"],
             "weight": r["weight"]} for r in rows]


def bands_by_framework(code: str | None, *, framework_id: int | None = None) -> dict[int, tuple[Band, ...]]:
    """Bands of every framework version with `code` (or of one framework), by framework id."""
    label = localised("label_zh", "label_en")
    if code is not None:
        rows = MaturityBand.objects.filter(framework__code=code)
    elif framework_id is not None:
        rows = MaturityBand.objects.filter(framework_id=framework_id)
    else:  # neither given: no band (as a lookup of framework None would find)
        rows = MaturityBand.objects.none()
    bands: dict[int, list[Band]] = {}
    for row in rows.order_by("framework_id", "min_score").values("framework_id", "level", "min_score", label):
        bands.setdefault(row["framework_id"], []).append(
            Band(level=row["level"], min_score=row["min_score"], label=row[label]))
    return {framework: tuple(levels) for framework, levels in bands.items()}


def as_record(series: pd.Series) -> dict[str, Any]:
    """A row as plain Python values: NaN → None, whole-number ranks and levels → int. (Any: each value has
    the type of its column, which only the caller knows.)"""
    record = {key: plain(value) for key, value in series.items()}
    for key in ("level", "rank", "parent_rank", "region_id", "province_id"):
        if key in record and record[key] is not None:
            record[key] = int(record[key])
    return record


def plain(value: object) -> Any:
    """A pandas or numpy scalar as a Python one; NaN and NA → None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "item"):
        value = value.item()
    return value


def number(value: object) -> float | None:
    scalar = plain(value)
    return None if scalar is None or (isinstance(scalar, float) and math.isnan(scalar)) else float(scalar)


def integer(value: object) -> int | None:
    scalar = number(value)
    return None if scalar is None else int(scalar)


def mean_of(series: pd.Series) -> float | None:
    """The mean of the series' numbers, None when it has none."""
    values = pd.to_numeric(series, errors="coerce").dropna()
    return float(values.mean()) if len(values) else None
