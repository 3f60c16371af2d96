"""Reads of the API, scoped by the caller's regions (assessments.permissions.visible_regions).

Each list costs a fixed number of queries whatever its length: the page, then one query more per nested
collection of the page (dimension scores), never one per row.
"""

import hashlib
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Value, When
from django.utils.translation import get_language

from assessments.models import (
    ComparisonGroup,
    Cycle,
    DimensionScore,
    IndicatorScore,
    IndicatorValue,
    Publication,
    Region,
    RegionScore,
    ScoreRun,
    Submission,
)
from assessments.permissions import is_platform_admin, visible_regions
from assessments.selectors import CycleResults, region_names_on
from audit.services import Actor
from indicators.models import Framework
from indicators.selectors import DEFAULT_FRAMEWORK_CODE


def frameworks_visible(user: Actor) -> QuerySet[Framework]:
    """Published and retired frameworks; drafts too for a platform administrator."""
    frameworks = Framework.objects.order_by("code", "-version")
    return frameworks if is_platform_admin(user) else frameworks.exclude(status=Framework.Status.DRAFT)


def regions_visible(user: Actor) -> QuerySet[Region]:
    return visible_regions(user).select_related("parent", "province").order_by("code")


def cycles_all() -> QuerySet[Cycle]:
    return Cycle.objects.select_related("framework", "current_run").order_by("-period", "framework__code")


def with_versions_and_groups(cycles: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """`cycles` with their publications (`versions`, the latest first) and comparison groups with their members:
    three queries more, whatever the number of cycles on the page."""
    return cycles.prefetch_related(
        Prefetch("publications", queryset=Publication.objects.order_by("-version"), to_attr="versions"),
        Prefetch("groups", queryset=ComparisonGroup.objects.order_by("code").prefetch_related(
            Prefetch("members", queryset=Region.objects.order_by("code").only("code")))))


def cycle_find(*, period: int | None = None, framework: str | None = None, published: bool = False
               ) -> Cycle | None:
    """The cycle of `period` (the latest one when None) of `framework` (code; when None the platform's own
    framework is preferred, then the latest version). `published`: only cycles with results (a score run,
    provisional until published); without a `period`, the latest cycle with published results is preferred to a
    later one whose results are still provisional."""
    cycles = cycles_all()
    if framework:
        cycles = cycles.filter(framework__code=framework)
    if period is not None:
        cycles = cycles.filter(period=period)
    order: list[Any] = ["-period"]
    if published:
        cycles = cycles.filter(current_run__isnull=False)
        if period is None:
            cycles = cycles.annotate(published=Exists(Publication.objects.filter(cycle=OuterRef("pk"))))
            order.insert(0, "-published")
    preferred = Case(When(framework__code=DEFAULT_FRAMEWORK_CODE, then=Value(0)), default=Value(1),
                     output_field=IntegerField())
    return cycles.order_by(*order, preferred, "-framework__version").first()


def publications_of(cycle: Cycle) -> QuerySet[Publication]:
    """The cycle's publications, the latest version first."""
    return cycle.publications.order_by("-version")


def submission_values(submission: Submission) -> tuple[list[IndicatorValue], list[str]]:
    values = list(submission.values.select_related("indicator").order_by("indicator__dimension__order",
                                                                           "indicator__order"))
    present = {v.indicator_id for v in values}
    missing = [code for pk, code in submission.cycle.framework.indicators.order_by("dimension__order", "order")
               .values_list("pk", "code") if pk not in present]
    return values, missing


def score_runs_visible(user: Actor) -> QuerySet[ScoreRun]:
    """The runs of the cycles with a participant in the caller's regions, newest first. `whole_cycle`: whether
    every participant of the run's cycle is in them (a run's reason names the city whose approval asked for it,
    so it is shown only then)."""
    runs = ScoreRun.objects.select_related("cycle__framework").order_by("-requested_at", "-id")
    if is_platform_admin(user):
        return runs.annotate(whole_cycle=Value(True))
    visible = visible_regions(user)
    participants = Submission.objects.filter(cycle=OuterRef("cycle"))
    return runs.filter(Exists(participants.filter(region__in=visible))).annotate(
        whole_cycle=~Exists(participants.exclude(region__in=visible)))


def results_visible(*, run: ScoreRun, user: Actor) -> QuerySet[RegionScore]:
    """The run's region scores in the caller's regions."""
    return (RegionScore.objects.filter(run=run, region__in=visible_regions(user))
            .select_related("region__province"))


def former_names(results: CycleResults, region_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Region id → (Chinese, English) name of the regions renamed since the cycle closed: their name when
    assessed (one query)."""
    return region_names_on(region_ids, results.cycle.closes)


@dataclass(frozen=True)
class DimensionResult:
    score: float | None
    rank: int | None


def dimension_scores(*, run: ScoreRun, region_ids: Iterable[int]) -> dict[int, dict[str, DimensionResult]]:
    """Region id → dimension code → its score and rank, in one query."""
    out: dict[int, dict[str, DimensionResult]] = defaultdict(dict)
    for region, code, score, rank in (DimensionScore.objects.filter(run=run, region_id__in=list(region_ids))
                                      .order_by("dimension__order").values_list("region_id", "dimension__code",
                                                                                "score", "rank")):
        out[region][code] = DimensionResult(score, rank)
    return out


def indicator_scores(*, run: ScoreRun, region: Region) -> QuerySet[IndicatorScore]:
    return (IndicatorScore.objects.filter(run=run, region=region).select_related("indicator__dimension")
            .order_by("indicator__dimension__order", "indicator__order"))


_BANDS: dict[tuple[object, ...], dict[int, str]] = {}


def band_labels(framework: Framework) -> dict[int, str]:
    """Maturity level → label in the active language. Kept in memory for published and retired frameworks,
    which cannot change (the database refuses the edit)."""
    key = (framework.pk, framework.code, framework.version, framework.published_at, get_language())
    if key in _BANDS:
        return _BANDS[key]
    labels = {band.level: band.label for band in framework.bands.all()}
    if framework.status != Framework.Status.DRAFT:
        _BANDS[key] = labels
    return labels


@dataclass(frozen=True)
class Summary:
    """Descriptive statistics of some scores (None when there are none)."""

    count: int
    mean: float | None = None
    median: float | None = None
    min: float | None = None
    max: float | None = None
    std: float | None = None
    """Population standard deviation."""


@dataclass(frozen=True)
class RegionName:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class ProvinceAggregate:
    province: RegionName
    cycle: int
    framework: str
    run: int
    regions: int
    """Regions of the province in the run."""
    index: Summary
    dimensions: dict[str, Summary]
    """Dimension code → statistics of its scores, in framework order."""
    levels: dict[str, int]
    """Maturity level → number of regions."""
    unrated: int
    """Regions without a level (too little data)."""


def province_aggregates(*, results: CycleResults, run: ScoreRun, user: Actor, province: str | None = None
                        ) -> list[ProvinceAggregate]:
    """Per province whose results the caller may see (a province they hold the provincial role on, or every
    one for a platform administrator), in the run shown (`results`): count, mean, median, min, max and
    population standard deviation of the index and of each dimension's score, and the number of regions per
    maturity level; provinces named as when the cycle closed. Four queries, whatever the number of regions."""
    cycle = results.cycle
    in_scope: dict[str, object] = {"run": run, "region__province__in": visible_regions(user)}
    if province:
        in_scope["region__province__code"] = province
    rows = list(RegionScore.objects.filter(**in_scope).values_list(
        "region__province_id", "region__province__code", "region__province__name_zh", "region__province__name_en",
        "index", "level"))
    dims = (DimensionScore.objects.filter(**in_scope).order_by("dimension__order")
            .values_list("region__province_id", "dimension__code", "score"))
    levels = sorted(band_levels(cycle.framework))
    provinces: dict[int | None, dict[str, Any]] = {}
    for parent, code, name_zh, name_en, index, level in rows:
        entry = provinces.setdefault(parent, {"province": RegionName(code, name_zh, name_en),
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
    renamed = former_names(results, [parent for parent in provinces if parent is not None])
    for parent, entry in provinces.items():
        if parent in renamed:
            entry["province"] = RegionName(entry["province"].code, *renamed[parent])
    return [
        ProvinceAggregate(
            province=entry["province"], cycle=cycle.period, framework=cycle.framework.code, run=run.pk,
            regions=entry["regions"], index=describe(entry["index"]),
            dimensions={c: describe(entry["dimensions"].get(c, [])) for c in dimension_codes},
            levels={str(level): n for level, n in sorted(entry["levels"].items())}, unrated=entry["unrated"])
        for entry in sorted(provinces.values(), key=lambda e: e["province"].code)
    ]


def band_levels(framework: Framework) -> list[int]:
    return list(band_labels(framework))


def describe(values: list[float]) -> Summary:
    if not values:
        return Summary(count=0)
    return Summary(count=len(values), mean=statistics.fmean(values), median=statistics.median(values),
                   min=min(values), max=max(values), std=statistics.pstdev(values))


def regions_scope_key(user: Actor) -> str:
    """A fingerprint of what the caller may see (part of the ETag of results): the SQL of their visible
    regions, which spells out their role assignments, so no query is needed."""
    try:
        sql = str(visible_regions(user).query)
    except EmptyResultSet:
        sql = "none"
    return hashlib.sha256(sql.encode()).hexdigest()[:16]
