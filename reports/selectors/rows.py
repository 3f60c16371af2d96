"""Reading stored score rows into pandas and plain Python values: what the reads of `reports.selectors` share."""

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import pandas as pd
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from assessments.models import ComparisonGroup, Cycle, Publication, Region, RegionScore
from assessments.selectors import CycleResults, cycle_results, region_names_on
from indicators.models import Dimension, Indicator, MaturityBand
from smartgov.i18n import localised

from .types import Band, Named, NoResult, ResultStatus, Version

RANKS = ["rank", "parent_rank", "rank_median", "rank_low", "rank_high"]
"""The columns of a `RegionScore` that are ranks: hidden when too few participants are approved."""


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
    data_type: str
    """`Indicator.DataType` value."""
    direction: str
    """`Indicator.Direction` value."""
    normalisation: str
    """`Indicator.Normalisation` value."""
    weight: float
    """Weight within the dimension (0–1)."""
    applies_to: list[str] | None
    """The region levels it is assessed at (None: every level)."""


def results_of(which: Cycle | CycleResults) -> CycleResults:
    """The results to show: `which` itself, or those `assessments.selectors.cycle_results` shows of a cycle (its
    latest publication, else its latest computation, provisional)."""
    return which if isinstance(which, CycleResults) else cycle_results(which)


def shown_run_id(results: CycleResults) -> int:
    """The id of the score run shown; NoResult when nothing has been computed."""
    if results.run is None:
        raise NoResult(_("No scores have been computed for this cycle yet."))
    return results.run.pk


def result_status(results: CycleResults) -> ResultStatus:
    """What pages and reports say about the results shown (no query)."""
    publication = results.publication
    return ResultStatus(
        run=shown_run_id(results),
        publication=None if publication is None else Version(version=publication.version,
                                                              published_at=publication.published_at,
                                                              reason=publication.reason),
        participants=results.participants, approved=results.approved, participation=results.participation,
        min_participation=results.cycle.min_participation, ranks_shown=results.ranks_shown,
        newer_run=publication is not None and results.cycle.current_run_id not in (None, publication.run_id))


def versions_of(cycle: Cycle) -> tuple[Version, ...]:
    """Every publication of the cycle, version 1 first (one query)."""
    return tuple(Version(version=version, published_at=at, reason=reason) for version, at, reason in
                 Publication.objects.filter(cycle=cycle).order_by("version")
                 .values_list("version", "published_at", "reason"))


def groups_of(cycle: Cycle) -> tuple[tuple[Named, ...], dict[int, set[str]]]:
    """The cycle's comparison groups by code, and region id → codes of the groups it is a member of (one
    query)."""
    name = localised("name_zh", "name_en")
    groups: dict[str, Named] = {}
    members: dict[int, set[str]] = {}
    for code, label, region_id in (ComparisonGroup.objects.filter(cycle=cycle).order_by("code", "members")
                                   .values_list("code", name, "members")):
        groups.setdefault(code, Named(code=code, name=label))
        if region_id is not None:
            members.setdefault(region_id, set()).add(code)
    return tuple(groups.values()), members


def values_frame(queryset: QuerySet[Any, Any], fields: Sequence[str]) -> pd.DataFrame:
    """The `fields` of the queryset's rows as columns (one query, rows never loaded as model instances)."""
    return pd.DataFrame.from_records(list(queryset.values(*fields)), columns=list(fields))


def region_frame(where: Q, results: CycleResults, members: dict[int, set[str]] | None = None, *,
                 extra: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The `RegionScore` rows matching `where` with their region's code, name and province as they were named when
    the cycle closed (two queries); numbers as floats. `group_ranks` maps the code of each comparison group the
    region belongs to (stored with the run, or a member in `members`) to its rank there. When `results` does not
    show ranks (too few participants approved), every rank is NaN (None in `group_ranks`). `extra`: more fields of
    the rows (lookup → column name), e.g. {"region__level": "region_level"}."""
    name = localised("region__name_zh", "region__name_en")
    province_name = localised("region__province__name_zh", "region__province__name_en")
    fields = {"region_id": "region_id", "region__code": "code", name: "name", "region__province_id": "province_id",
              "region__province__code": "province_code", province_name: "province", **(extra or {})}
    numbers = ["index", "level", "rank", "parent_rank", "change", "complete", "coverage", "rank_median",
               "rank_low", "rank_high", "group_ranks"]
    frame = values_frame(RegionScore.objects.filter(where), [*fields, *numbers]).rename(columns=fields)
    for column in ("index", "change", "coverage", "rank_median", "rank_low", "rank_high", "rank", "parent_rank",
                   "level"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    shown = results.ranks_shown
    frame["group_ranks"] = [
        {code: (stored or {}).get(code) if shown else None
         for code in sorted({*(stored or {}), *(members or {}).get(region_id, ())})}
        for region_id, stored in zip(frame["region_id"], frame["group_ranks"], strict=True)]
    if not shown:
        frame[RANKS] = float("nan")
    scored = RegionScore.objects.filter(where)
    return named_on(frame, results.cycle, among=Region.objects.filter(
        Q(pk__in=scored.values("region_id")) | Q(pk__in=scored.values("region__province_id"))).values("pk"))


def named_on(frame: pd.DataFrame, cycle: Cycle, *,
             among: QuerySet[Any, Any] | None = None) -> pd.DataFrame:
    """`frame` (with `region_id`, `name` and, if present, `province_id` and `province`) with the names its regions
    had when `cycle` closed, for those renamed since (one query): the one place reports read region names.
    `among`: a queryset of the ids of (at least) the frame's regions and provinces, to look them up by subquery
    (for thousands of regions) rather than by their ids."""
    ids = {int(i) for column in ("region_id", "province_id") if column in frame
           for i in frame[column].dropna().tolist()}
    former = region_names_on(ids if among is None else among, cycle.closes)
    if not former:
        return frame
    pick = 1 if localised("zh", "en") == "en" else 0
    frame = frame.copy()
    for id_column, name_column in (("region_id", "name"), ("province_id", "province")):
        if id_column in frame and name_column in frame:
            frame[name_column] = [former[int(i)][pick] if i == i and i is not None and int(i) in former else name
                                  for i, name in zip(frame[id_column], frame[name_column], strict=True)]
    return frame


def dimensions_of(framework_id: int) -> list[DimensionInfo]:
    """The framework's dimensions in order: pk, code, name (active language), weight."""
    name = localised("name_zh", "name_en")
    rows = Dimension.objects.filter(framework_id=framework_id).order_by("order", "pk").values(
        "pk", "code", name, "weight")
    return [{"pk": r["pk"], "code": r["code"], "name": r[name], "weight": r["weight"]} for r in rows]


def indicators_of(framework_id: int) -> list[IndicatorInfo]:
    """The framework's indicators in order: pk, code, name, unit, dimension (code), dimension_name, data_type,
    direction, normalisation, weight (within the dimension), applies_to."""
    name, unit = localised("name_zh", "name_en"), localised("unit_zh", "unit_en")
    dimension_name = localised("dimension__name_zh", "dimension__name_en")
    rows = Indicator.objects.filter(framework_id=framework_id).order_by("dimension__order", "order", "pk").values(
        "pk", "code", name, unit, "dimension__code", dimension_name, "data_type", "direction", "normalisation",
        "weight", "applies_to")
    return [{"pk": r["pk"], "code": r["code"], "name": r[name], "unit": r[unit], "dimension": r["dimension__code"],
             "dimension_name": r[dimension_name], "data_type": r["data_type"], "direction": r["direction"],
             "normalisation": r["normalisation"], "weight": r["weight"], "applies_to": r["applies_to"]} for r in rows]


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
    for row in rows.order_by("framework_id", "min_score").values("framework_id", "level", "min_score", label,
                                                                  "gates"):
        bands.setdefault(row["framework_id"], []).append(
            Band(level=row["level"], min_score=row["min_score"], label=row[label], gates=row["gates"] or {}))
    return {framework: tuple(levels) for framework, levels in bands.items()}


def as_record(series: pd.Series) -> dict[str, Any]:
    """A row as plain Python values: NaN → None, whole-number ranks and levels → int. (Any: each value has
    the type of its column, which only the caller knows.)"""
    record = {key: plain(value) for key, value in series.items()}
    for key in ("level", "rank", "parent_rank", "region_id", "province_id"):
        if key in record and record[key] is not None:
            record[key] = int(record[key])
    return record


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Every row of `frame` as `as_record` gives it, converted a column at a time (as_record row by row takes
    a second for 3,000 regions)."""
    columns: dict[str, list[Any]] = {}
    for name in frame.columns:
        values = frame[name].tolist()  # Python scalars
        if name in ("level", "rank", "parent_rank", "region_id", "province_id"):
            values = [None if value is None or value != value else int(value) for value in values]
        else:  # NaN (a float unequal to itself) and NA → None
            values = [None if value is None or value is pd.NA or (isinstance(value, float) and value != value)
                      else value for value in values]
        columns[str(name)] = values
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


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
