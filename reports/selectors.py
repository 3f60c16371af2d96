"""Reads of stored results, shared by the dashboards and the PDF and Excel reports.

Nothing here computes a score: every number comes from the rows of the cycle's current score run
(`RegionScore`, `DimensionScore`, `IndicatorScore`, written by `assessments.services.cycle_scores_compute`).
What is derived here is descriptive only (means, medians, counts, sorting). Every function runs a fixed number
of queries whatever the number of regions: rows are read with `.values()` into pandas, never one by one.

Texts (names, labels) follow the active language. Missing numbers are `None`, never NaN.

Conventions of the returned dicts:
* `index`, dimension and indicator `score` are 0–100 (100 best, direction already applied);
* `rank` is the rank among every region scored in the cycle, `parent_rank` the rank within the province;
* `weight` of an indicator is its effective overall weight ω (sums to 1 over the indicators of a region),
  `contribution` its points of the index (contributions sum to the index), `gap` the points it loses against
  the best region of the cycle (gaps sum to best index − index); see docs/scoring.md §11.
"""

import math

import pandas as pd
from django.db.models import F, Q
from django.utils.translation import gettext as _

from assessments.models import Cycle, DimensionScore, IndicatorScore, Region, RegionScore, ScoreRun
from indicators.models import Dimension, Framework, Indicator, MaturityBand
from smartgov.i18n import localised

TOP = 3
PRIORITIES = 5

__all__ = [
    "NoResult",
    "city_report",
    "indicator_matrix",
    "province_report",
    "scope_report",
    "scored_cycles",
]


class NoResult(LookupError):
    """The cycle has no current scores, or the region has no result in them."""


def scored_cycles():
    """Cycles with a current score run, latest period first (one query when evaluated)."""
    return (Cycle.objects.filter(current_run__isnull=False).select_related("framework")
            .order_by("-period", "framework__code", "-framework__version", "-pk"))


# --------------------------------------------------------------------------------------------------------------
# One city


def city_report(cycle: Cycle, region: Region) -> dict:
    """Everything a city's dashboard or report shows, from the cycle's current run (8 queries, 9 when
    `cycle.framework` is not loaded yet).

    Keys:
    * `result`: code, name, province, period, index, level, level_label, rank, parent_rank, change, complete,
      coverage, rank_median, rank_low, rank_high (5th and 95th percentiles of the rank under the uncertainty
      analysis), regions_ranked (regions ranked in the cycle), province_regions_ranked;
    * `best_region`: code, name, index of the best region of the cycle (highest index; the one gaps are
      measured against), or None;
    * `dimensions`: per dimension in framework order: code, name, weight, score, rank, province_mean (mean
      score of the province's regions scored in the cycle, this one included), best (the best region's score;
      mean of them if several share the highest index);
    * `indicators`: per indicator in framework order: code, name, dimension (code), dimension_name, unit,
      direction, value (raw), score, weight, contribution, gap, province_mean, best_score;
    * `strengths` / `weaknesses`: the 3 indicators whose score is furthest above / below the province mean
      (difference = score − province_mean; ties by score). With no other city in the province every difference
      is 0 and this falls back to the highest / lowest scores. Each: code, name, dimension, dimension_name,
      score, province_mean, difference. The two lists never share an indicator;
    * `priorities`: up to 5 indicators with a positive gap, largest gap first (the weighted points lost against
      the best region): code, name, dimension, dimension_name, score, best_score, weight, contribution, gap;
    * `trend`: per cycle of the same framework code with a current run, up to this cycle's period:
      period, index, level, level_label, is_demo;
    * `bands`: level, min_score, label of the cycle's framework;
    * `framework`: code, name, version, weighting, aggregation, min_share, dimensions (code, name, weight),
      indicators (code, name, dimension, normalisation, direction, weight within the dimension),
      uncertainty (draws, weight_range) and computed_at of the run;
    * `is_demo`.

    Raises NoResult when the cycle has no current run or the region no result in it.
    """
    run_id = cycle.current_run_id
    if run_id is None:
        raise NoResult(_("No scores have been computed for this cycle yet."))
    framework = cycle.framework
    everyone = _region_frame(Q(run_id=run_id))
    own = everyone[everyone["region_id"] == region.pk]
    if own.empty:
        raise NoResult(_("%(region)s has no result in this cycle.") % {"region": region.name})
    row = _record(own.iloc[0])
    best = everyone[everyone["index"].notna() & (everyone["index"] == everyone["index"].max())]
    best_ids = best["region_id"].tolist()
    province_ids = set(everyone.loc[everyone["province_id"] == region.parent_id, "region_id"]) \
        if region.parent_id is not None else {region.pk}

    peers = Q(run_id=run_id) & (Q(region_id__in=[region.pk, *best_ids]) | (
        Q(region__parent_id=region.parent_id) if region.parent_id is not None else Q(pk__in=[])))
    dims = _frame(DimensionScore.objects.filter(peers), ["region_id", "dimension_id", "score", "rank"])
    inds = _frame(IndicatorScore.objects.filter(peers),
                  ["region_id", "indicator_id", "value", "score", "weight", "contribution", "gap"])
    dimensions = _dimensions(framework.pk)
    indicators = _indicators(framework.pk)
    run = ScoreRun.objects.filter(pk=run_id).values("finished_at", "method").first() or {}
    all_bands = _bands_by_framework(framework.code)
    bands = all_bands.get(framework.pk, [])

    dimension_rows = []
    for dimension in dimensions:
        scores = dims[dims["dimension_id"] == dimension["pk"]]
        mine = scores[scores["region_id"] == region.pk]
        dimension_rows.append({
            "code": dimension["code"], "name": dimension["name"], "weight": dimension["weight"],
            "score": _number(mine["score"].iloc[0]) if len(mine) else None,
            "rank": _integer(mine["rank"].iloc[0]) if len(mine) else None,
            "province_mean": _mean(scores.loc[scores["region_id"].isin(province_ids), "score"]),
            "best": _mean(scores.loc[scores["region_id"].isin(best_ids), "score"]),
        })

    indicator_rows = []
    for indicator in indicators:
        scores = inds[inds["indicator_id"] == indicator["pk"]]
        mine = _record(scores[scores["region_id"] == region.pk].iloc[0]) if (
            scores["region_id"] == region.pk).any() else {}
        indicator_rows.append({
            "code": indicator["code"], "name": indicator["name"], "dimension": indicator["dimension"],
            "dimension_name": indicator["dimension_name"], "unit": indicator["unit"],
            "direction": indicator["direction"],
            **{key: mine.get(key) for key in ("value", "score", "weight", "contribution", "gap")},
            "province_mean": _mean(scores.loc[scores["region_id"].isin(province_ids), "score"]),
            "best_score": _mean(scores.loc[scores["region_id"].isin(best_ids), "score"]),
        })

    strengths, weaknesses = _strengths_and_weaknesses(indicator_rows)
    labels = {band["level"]: band["label"] for band in bands}
    best_row = _record(best.sort_values("code").iloc[0]) if len(best) else None
    return {
        "result": {
            "code": row["code"], "name": row["name"], "province": row["province"], "period": cycle.period,
            **{key: row[key] for key in ("index", "level", "rank", "parent_rank", "change", "complete",
                                         "coverage", "rank_median", "rank_low", "rank_high")},
            "level_label": labels.get(row["level"]),
            "regions_ranked": int(everyone["rank"].notna().sum()),
            "province_regions_ranked": int(everyone.loc[everyone["region_id"].isin(province_ids), "parent_rank"]
                                           .notna().sum()),
        },
        "best_region": best_row and {"code": best_row["code"], "name": best_row["name"],
                                     "index": best_row["index"]},
        "dimensions": dimension_rows,
        "indicators": indicator_rows,
        "strengths": strengths,
        "weaknesses": weaknesses,
        "priorities": _priorities(indicator_rows),
        "trend": _trend(cycle, framework, region, all_bands),
        "bands": bands,
        "framework": _method(framework, dimensions, indicators, run),
        "is_demo": cycle.is_demo,
    }


def _strengths_and_weaknesses(indicator_rows):
    scored = [
        {**{key: row[key] for key in ("code", "name", "dimension", "dimension_name", "score", "province_mean")},
         "difference": row["score"] - (row["province_mean"] if row["province_mean"] is not None else row["score"])}
        for row in indicator_rows if row["score"] is not None
    ]
    ordered = sorted(scored, key=lambda r: (r["difference"], r["score"], r["code"]), reverse=True)
    strengths = ordered[:TOP]
    rest = ordered[len(strengths):]
    weaknesses = sorted(rest, key=lambda r: (r["difference"], r["score"], r["code"]))[:TOP]
    return strengths, weaknesses


def _priorities(indicator_rows):
    gaps = [row for row in indicator_rows if row["gap"] is not None and row["gap"] > 1e-9]
    gaps.sort(key=lambda r: (-r["gap"], r["code"]))
    keys = ("code", "name", "dimension", "dimension_name", "score", "best_score", "weight", "contribution", "gap")
    return [{key: row[key] for key in keys} for row in gaps[:PRIORITIES]]


def _trend(cycle, framework, region, all_bands):
    rows = (RegionScore.objects
            .filter(region_id=region.pk, run__cycle__framework__code=framework.code,
                    run__cycle__current_run_id=F("run_id"), run__cycle__period__lte=cycle.period)
            .order_by("run__cycle__period", "run__cycle__framework__version")
            .values("run__cycle__period", "run__cycle__framework_id", "run__cycle__is_demo", "index", "level"))
    by_period = {}
    for row in rows:  # one point per period: the latest framework version's, if two versions share a period
        labels = {band["level"]: band["label"] for band in all_bands.get(row["run__cycle__framework_id"], [])}
        by_period[row["run__cycle__period"]] = {
            "period": row["run__cycle__period"], "index": row["index"], "level": row["level"],
            "level_label": labels.get(row["level"]), "is_demo": row["run__cycle__is_demo"]}
    return list(by_period.values())


def _method(framework, dimensions, indicators, run):
    uncertainty = (run.get("method") or {}).get("uncertainty") or {}
    return {
        "code": framework.code, "name": framework.name, "version": framework.version,
        "weighting": str(Framework.Weighting(framework.weighting).label),
        "aggregation": str(Framework.Aggregation(framework.aggregation).label),
        "min_share": framework.min_share,
        "dimensions": [{key: d[key] for key in ("code", "name", "weight")} for d in dimensions],
        "indicators": [
            {"code": i["code"], "name": i["name"], "dimension": i["dimension"],
             "normalisation": str(Indicator.Normalisation(i["normalisation"]).label),
             "direction": str(Indicator.Direction(i["direction"]).label), "weight": i["weight"]}
            for i in indicators],
        "uncertainty": {"draws": uncertainty.get("draws"), "weight_range": uncertainty.get("weight_range")},
        "computed_at": run.get("finished_at"),
    }


# --------------------------------------------------------------------------------------------------------------
# Many regions


def province_report(cycle: Cycle, province: Region) -> dict:
    """The results of a province's regions: `scope_report` of the regions whose parent is `province`, with
    `province` (code, name) added. 5 queries."""
    report = scope_report(cycle, Region.objects.filter(parent_id=province.pk))
    report["province"] = {"code": province.code, "name": province.name}
    return report


def scope_report(cycle: Cycle, regions=None) -> dict:
    """The results of `regions` (a Region queryset or ids; None: every region scored) in the cycle's current
    run (5 queries).

    Keys:
    * `cities`: the regions' results sorted by rank (unranked last, then by code): code, name, province_code,
      province, index, level, level_label, rank, parent_rank, change, previous (index − change, the index of
      the region's previous scored period), complete, coverage, rank_median, rank_low, rank_high, dimensions
      ({dimension code: score});
    * `level_counts`: per band in order: level, label, min_score, count; then, if any region has no level
      (incomplete data), one row with level None and the label “Not rated”;
    * `dimension_stats`: per dimension in framework order: code, name, count, mean, median, min, max of the
      regions' scores (None when no region has the dimension scored);
    * `best`: the first of `cities` if it is ranked, else None;
    * `dimensions` (code, name), `provinces` (code, name of the regions' parents, by code), `bands`,
      `period`, `regions_ranked` (regions ranked in the whole cycle, for “rank 3 of 45”), `is_demo`.

    Raises NoResult when the cycle has no current run.
    """
    run_id = cycle.current_run_id
    if run_id is None:
        raise NoResult(_("No scores have been computed for this cycle yet."))
    where = Q(run_id=run_id) if regions is None else Q(run_id=run_id, region__in=regions)
    frame = _region_frame(where)
    dims = _frame(DimensionScore.objects.filter(where), ["region_id", "dimension_id", "score"])
    dimensions = _dimensions(cycle.framework_id)
    bands = _bands_by_framework(None, framework_id=cycle.framework_id).get(cycle.framework_id, [])
    labels = {band["level"]: band["label"] for band in bands}
    ranked = RegionScore.objects.filter(run_id=run_id, rank__isnull=False).count()

    codes = {d["pk"]: d["code"] for d in dimensions}
    by_region = {}
    for region_id, dimension_id, score in dims[["region_id", "dimension_id", "score"]].itertuples(index=False):
        by_region.setdefault(region_id, {})[codes.get(dimension_id)] = _number(score)
    frame = frame.sort_values(["rank", "code"], na_position="last", kind="stable")
    cities = []
    for record in (_record(r) for _i, r in frame.iterrows()):
        previous = None if record["index"] is None or record["change"] is None else record["index"] - record[
            "change"]
        cities.append({
            **{key: record[key] for key in ("code", "name", "province_code", "province", "index", "level", "rank",
                                            "parent_rank", "change", "complete", "coverage", "rank_median",
                                            "rank_low", "rank_high")},
            "level_label": labels.get(record["level"]), "previous": previous,
            "dimensions": {d["code"]: by_region.get(record["region_id"], {}).get(d["code"]) for d in dimensions},
        })

    level_counts = [{"level": band["level"], "label": band["label"], "min_score": band["min_score"],
                     "count": sum(1 for c in cities if c["level"] == band["level"])} for band in bands]
    unrated = sum(1 for c in cities if c["level"] is None)
    if unrated:
        level_counts.append({"level": None, "label": _("Not rated"), "min_score": None, "count": unrated})
    stats = []
    for dimension in dimensions:
        scores = dims.loc[dims["dimension_id"] == dimension["pk"], "score"].dropna().astype(float)
        stats.append({"code": dimension["code"], "name": dimension["name"], "count": len(scores),
                      **{name: _number(getattr(scores, name)()) if len(scores) else None
                         for name in ("mean", "median", "min", "max")}})
    provinces = sorted({(c["province_code"], c["province"]) for c in cities if c["province_code"]})
    return {
        "cities": cities,
        "level_counts": level_counts,
        "dimension_stats": stats,
        "best": cities[0] if cities and cities[0]["rank"] is not None else None,
        "dimensions": [{"code": d["code"], "name": d["name"]} for d in dimensions],
        "provinces": [{"code": code, "name": name} for code, name in provinces],
        "bands": bands,
        "period": cycle.period,
        "regions_ranked": ranked,
        "is_demo": cycle.is_demo,
    }


def indicator_matrix(cycle: Cycle, regions=None) -> dict:
    """Normalised indicator scores of `regions` (as in `scope_report`) in the cycle's current run (2 queries).

    Keys: `scores` (DataFrame: index region codes, columns indicator codes in framework order, values 0–100 or
    NaN), `indicators` (code, name, dimension, dimension_name in framework order), `regions` ({code: name}).
    """
    run_id = cycle.current_run_id
    if run_id is None:
        raise NoResult(_("No scores have been computed for this cycle yet."))
    where = Q(run_id=run_id) if regions is None else Q(run_id=run_id, region__in=regions)
    name = localised("region__name_zh", "region__name_en")
    rows = _frame(IndicatorScore.objects.filter(where), ["region__code", name, "indicator_id", "score"])
    indicators = _indicators(cycle.framework_id)
    codes = {i["pk"]: i["code"] for i in indicators}
    rows["indicator"] = rows["indicator_id"].map(codes)
    scores = rows.pivot_table(index="region__code", columns="indicator", values="score", aggfunc="first",
                              dropna=False) if len(rows) else pd.DataFrame()
    scores = scores.reindex(columns=[i["code"] for i in indicators]).astype(float)
    scores.index.name, scores.columns.name = "region", "indicator"
    return {
        "scores": scores,
        "indicators": [{key: i[key] for key in ("code", "name", "dimension", "dimension_name")}
                       for i in indicators],
        "regions": dict(zip(rows["region__code"], rows[name], strict=True)),
    }


# --------------------------------------------------------------------------------------------------------------
# Helpers


def _frame(queryset, fields) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(queryset.values(*fields)), columns=list(fields))


def _region_frame(where) -> pd.DataFrame:
    name = localised("region__name_zh", "region__name_en")
    parent_name = localised("region__parent__name_zh", "region__parent__name_en")
    fields = {"region_id": "region_id", "region__code": "code", name: "name", "region__parent_id": "province_id",
              "region__parent__code": "province_code", parent_name: "province"}
    numbers = ["index", "level", "rank", "parent_rank", "change", "complete", "coverage", "rank_median",
               "rank_low", "rank_high"]
    frame = _frame(RegionScore.objects.filter(where), [*fields, *numbers]).rename(columns=fields)
    for column in ("index", "change", "coverage", "rank_median", "rank_low", "rank_high", "rank", "parent_rank",
                   "level"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def _dimensions(framework_id):
    name = localised("name_zh", "name_en")
    rows = Dimension.objects.filter(framework_id=framework_id).order_by("order", "pk").values(
        "pk", "code", name, "weight")
    return [{"pk": r["pk"], "code": r["code"], "name": r[name], "weight": r["weight"]} for r in rows]


def _indicators(framework_id):
    name, unit = localised("name_zh", "name_en"), localised("unit_zh", "unit_en")
    dimension_name = localised("dimension__name_zh", "dimension__name_en")
    rows = Indicator.objects.filter(framework_id=framework_id).order_by("dimension__order", "order", "pk").values(
        "pk", "code", name, unit, "dimension__code", dimension_name, "direction", "normalisation", "weight")
    return [{"pk": r["pk"], "code": r["code"], "name": r[name], "unit": r[unit], "dimension": r["dimension__code"],
             "dimension_name": r[dimension_name], "direction": r["direction"], "normalisation": r["normalisation"],
             "weight": r["weight"]} for r in rows]


def _bands_by_framework(code, *, framework_id=None):
    """Bands of every framework version with `code` (or of one framework), by framework id."""
    label = localised("label_zh", "label_en")
    rows = MaturityBand.objects.filter(framework_id=framework_id) if code is None else \
        MaturityBand.objects.filter(framework__code=code)
    bands = {}
    for row in rows.order_by("framework_id", "min_score").values("framework_id", "level", "min_score", label):
        bands.setdefault(row["framework_id"], []).append(
            {"level": row["level"], "min_score": row["min_score"], "label": row[label]})
    return bands


def _record(series) -> dict:
    """A row as plain Python values: NaN → None, whole-number ranks and levels → int."""
    record = {key: _plain(value) for key, value in series.items()}
    for key in ("level", "rank", "parent_rank", "region_id", "province_id"):
        if key in record and record[key] is not None:
            record[key] = int(record[key])
    return record


def _plain(value):
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


def _number(value):
    value = _plain(value)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _integer(value):
    value = _number(value)
    return None if value is None else int(value)


def _mean(series):
    values = pd.to_numeric(series, errors="coerce").dropna()
    return float(values.mean()) if len(values) else None
