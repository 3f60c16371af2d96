"""Reads of the API, scoped by the caller's regions (assessments.permissions.visible_regions).

Each list costs a fixed number of queries whatever its length: the page, then one query more per nested
collection of the page (dimension scores), never one per row.
"""

import hashlib
import statistics
from collections import defaultdict

from django.core.exceptions import EmptyResultSet
from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from assessments.models import (
    Cycle,
    DimensionScore,
    IndicatorScore,
    IndicatorValue,
    Region,
    RegionScore,
    ScoreRun,
    Submission,
)
from assessments.permissions import is_platform_admin, visible_regions
from indicators.models import Framework, Indicator
from indicators.selectors import DEFAULT_FRAMEWORK_CODE


def frameworks_visible(user):
    """Published and retired frameworks; drafts too for a platform administrator."""
    frameworks = Framework.objects.order_by("code", "-version")
    return frameworks if is_platform_admin(user) else frameworks.exclude(status=Framework.Status.DRAFT)


def regions_visible(user):
    return visible_regions(user).select_related("parent").order_by("code")


def cycles_all():
    return Cycle.objects.select_related("framework", "current_run").order_by("-period", "framework__code")


def cycle_find(*, period=None, framework=None, published=False):
    """The cycle of `period` (the latest one when None) of `framework` (code; when None the platform's own
    framework is preferred, then the latest version). `published`: only cycles with a current score run."""
    cycles = cycles_all()
    if framework:
        cycles = cycles.filter(framework__code=framework)
    if period is not None:
        cycles = cycles.filter(period=period)
    if published:
        cycles = cycles.filter(current_run__isnull=False)
    preferred = Case(When(framework__code=DEFAULT_FRAMEWORK_CODE, then=Value(0)), default=Value(1),
                     output_field=IntegerField())
    return cycles.order_by("-period", preferred, "-framework__version").first()


def submissions_visible(user):
    """Submissions in the caller's regions with their filled and expected counts (subqueries, no joins that
    multiply rows)."""
    filled = (IndicatorValue.objects.filter(submission=OuterRef("pk")).order_by().values("submission")
              .annotate(n=Count("pk")).values("n"))
    expected = (Indicator.objects.filter(framework=OuterRef("cycle__framework")).order_by().values("framework")
                .annotate(n=Count("pk")).values("n"))
    return (Submission.objects.filter(region__in=visible_regions(user))
            .select_related("region__parent", "cycle__framework")
            .annotate(filled=Coalesce(Subquery(filled), 0), expected=Coalesce(Subquery(expected), 0))
            .order_by("-cycle__period", "region__code", "pk"))


def submission_values(submission):
    values = list(submission.values.select_related("indicator").order_by("indicator__dimension__order",
                                                                           "indicator__order"))
    present = {v.indicator_id for v in values}
    missing = [code for pk, code in submission.cycle.framework.indicators.order_by("dimension__order", "order")
               .values_list("pk", "code") if pk not in present]
    return values, missing


def score_runs_all():
    return ScoreRun.objects.select_related("cycle__framework").order_by("-requested_at", "-id")


def results_visible(*, run: ScoreRun, user):
    """The run's region scores in the caller's regions."""
    return (RegionScore.objects.filter(run=run, region__in=visible_regions(user))
            .select_related("region__parent"))


def dimension_scores(*, run: ScoreRun, region_ids) -> dict:
    """region id → {dimension code → {"score", "rank"}} in one query."""
    out = defaultdict(dict)
    for region, code, score, rank in (DimensionScore.objects.filter(run=run, region_id__in=list(region_ids))
                                      .order_by("dimension__order").values_list("region_id", "dimension__code",
                                                                                "score", "rank")):
        out[region][code] = {"score": score, "rank": rank}
    return out


def indicator_scores(*, run: ScoreRun, region: Region):
    return (IndicatorScore.objects.filter(run=run, region=region).select_related("indicator__dimension")
            .order_by("indicator__dimension__order", "indicator__order"))


_BANDS = {}


def band_labels(framework) -> dict:
    """Maturity level → label in the active language. Kept in memory for published and retired frameworks,
    which cannot change (the database refuses the edit)."""
    key = (framework.pk, framework.code, framework.version, framework.published_at, get_language())
    if key in _BANDS:
        return _BANDS[key]
    labels = {band.level: band.label for band in framework.bands.all()}
    if framework.status != Framework.Status.DRAFT:
        _BANDS[key] = labels
    return labels


def province_aggregates(*, cycle: Cycle, user, province: str | None = None) -> list[dict]:
    """Per province whose results the caller may see (a province they hold the provincial role on, or every
    one for a platform administrator), in the cycle's current run: count, mean, median, min, max and
    population standard deviation of the index and of each dimension's score, and the number of regions per
    maturity level. Three queries, whatever the number of regions."""
    run = cycle.current_run
    in_scope = {"run": run, "region__parent__in": visible_regions(user)}
    if province:
        in_scope["region__parent__code"] = province
    rows = list(RegionScore.objects.filter(**in_scope).values_list(
        "region__parent_id", "region__parent__code", "region__parent__name_zh", "region__parent__name_en",
        "index", "level"))
    dims = (DimensionScore.objects.filter(**in_scope).order_by("dimension__order")
            .values_list("region__parent_id", "dimension__code", "score"))
    levels = sorted(band_levels(cycle.framework))
    provinces = {}
    for parent, code, name_zh, name_en, index, level in rows:
        entry = provinces.setdefault(parent, {"province": {"code": code, "name_zh": name_zh, "name_en": name_en},
                                              "index": [], "levels": dict.fromkeys(levels, 0), "unrated": 0,
                                              "regions": 0, "dimensions": defaultdict(list)})
        entry["regions"] += 1
        if index is not None:
            entry["index"].append(index)
        if level is None:
            entry["unrated"] += 1
        else:
            entry["levels"][level] = entry["levels"].get(level, 0) + 1
    dimension_codes = []
    for parent, code, score in dims:
        if code not in dimension_codes:
            dimension_codes.append(code)
        if parent in provinces and score is not None:
            provinces[parent]["dimensions"][code].append(score)
    return [
        {"province": entry["province"], "cycle": cycle.period, "framework": cycle.framework.code,
         "run": run.pk, "regions": entry["regions"], "index": describe(entry["index"]),
         "dimensions": {c: describe(entry["dimensions"].get(c, [])) for c in dimension_codes},
         "levels": {str(level): n for level, n in sorted(entry["levels"].items())}, "unrated": entry["unrated"]}
        for entry in sorted(provinces.values(), key=lambda e: e["province"]["code"])
    ]


def band_levels(framework) -> list[int]:
    return list(band_labels(framework))


def describe(values: list[float]) -> dict:
    if not values:
        return {"count": 0, "mean": None, "median": None, "min": None, "max": None, "std": None}
    return {"count": len(values), "mean": statistics.fmean(values), "median": statistics.median(values),
            "min": min(values), "max": max(values), "std": statistics.pstdev(values)}


def regions_scope_key(user) -> str:
    """A fingerprint of what the caller may see (part of the ETag of results): the SQL of their visible
    regions, which spells out their role assignments, so no query is needed."""
    try:
        sql = str(visible_regions(user).query)
    except EmptyResultSet:
        sql = "none"
    return hashlib.sha256(sql.encode()).hexdigest()[:16]
