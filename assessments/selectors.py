"""Reads on the facts shared by views, reports and the API."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
from django.contrib.auth.models import User
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from audit.services import Actor
from indicators.models import Dimension, Indicator
from indicators.published import FrameworkContents, framework_contents
from smartgov.errors import NotFound
from smartgov.query_frames import query_frame

from .checks import Finding, submission_findings
from .models import (
    Cycle,
    Evidence,
    IndicatorValue,
    Publication,
    Region,
    RegionName,
    RegionScore,
    ReviewComment,
    RoleAssignment,
    ScoreRun,
    Submission,
)
from .permissions import visible_regions


def cycles_overview() -> QuerySet[Cycle]:
    """Cycles with their current scores and the state of their latest score run."""
    latest = ScoreRun.objects.filter(cycle=OuterRef("pk")).order_by("-requested_at", "-id")
    return (
        Cycle.objects.select_related("framework", "current_run")
        .annotate(latest_status=Subquery(latest.values("status")[:1]),
                  latest_progress=Subquery(latest.values("progress")[:1]),
                  latest_stage=Subquery(latest.values("stage")[:1]))
        .order_by("-period", "framework__code")
    )


def cycle_values_frame(cycle: Cycle) -> tuple[pd.DataFrame, dict[str, str]]:
    """Approved values of a cycle and of its framework's earlier cycles, as the engine's tidy frame.

    Earlier cycles are included so that the engine can compute the change since the previous period.
    Two queries, whatever the number of regions: the values, then the regions' parents.
    """
    rows = IndicatorValue.objects.filter(
        submission__status=Submission.Status.APPROVED,
        submission__cycle__framework_id=cycle.framework_id,
        submission__cycle__period__lte=cycle.period,
    ).values_list("submission__region__code", "submission__cycle__period", "indicator__code", "value")
    values = query_frame(rows, {"region": "str", "period": "int64", "indicator": "str", "value": "float64"})
    parents = dict(Region.objects.filter(province__isnull=False).exclude(province_id=F("pk"))
                   .values_list("code", "province__code"))
    return values, parents


def submission_contents(submission: Submission) -> FrameworkContents:
    """The contents of the submission's framework its region is assessed on: the indicators of its level."""
    return framework_contents(submission.cycle.framework).at_level(submission.region.level)


def region_levels() -> dict[str, str]:
    """Region code → level, for the indicators a framework assesses at some levels only (`applies_to`)."""
    return dict(Region.objects.values_list("code", "level"))


def previous_values(submission: Submission) -> dict[str, float | None]:
    """Indicator code → value of the same region in the latest earlier cycle of the same framework and version:
    across a new version the indicators may mean something else (v1's PS01 was a satisfied share, v2's is a
    bad-rating share), so last period's value is neither shown nor checked against."""
    rows = IndicatorValue.objects.filter(
        submission__region_id=submission.region_id,
        submission__cycle__framework_id=submission.cycle.framework_id,
        submission__cycle__period=Subquery(
            Cycle.objects.filter(framework_id=submission.cycle.framework_id,
                                 period__lt=submission.cycle.period,
                                 submissions__region_id=submission.region_id)
            .order_by("-period").values("period")[:1]),
    ).values_list("indicator__code", "value")
    return dict(rows)


def submission_findings_of(submission: Submission) -> list[Finding]:
    """Missing values and evidence, broken cross-indicator rules and unexplained anomalies of a submission."""
    current = list(submission.values.values_list("indicator__code", "value", "note", "source"))
    return _findings(submission, submission_contents(submission), current,
                     previous_values(submission))


def _findings(submission: Submission, contents: FrameworkContents, current: list[tuple[str, float, str, str]],
              previous: dict[str, float | None]) -> list[Finding]:
    """`submission_findings_of`, given what the caller has read already: the framework's contents, the
    submission's (code, value, note, source) and last period's values."""
    return submission_findings(
        indicators=list(contents.indicators),
        values={code: value for code, value, _note, _source in current},
        notes={code: note for code, _value, note, _source in current},
        previous=previous,
        rules=list(contents.rules),
        threshold=submission.cycle.framework.anomaly_threshold,
        evidenced=set(submission.evidence.filter(indicator__isnull=False).values_list("indicator__code", flat=True)),
        computed={code for code, _value, _note, source in current if source in IndicatorValue.COMPUTED_SOURCES},
    )


@dataclass(frozen=True)
class EntryProgress:
    """What an autosave answers besides the version: how much of the form is filled and what needs attention."""

    filled: int
    total: int
    dimensions: dict[str, int]
    """Dimension code → its indicators with a value."""
    findings: list[Finding]


def entry_progress(submission: Submission) -> EntryProgress:
    """The entry form's counters and findings without the rest of the form (evidence lists, comments, who saved
    what): an autosave answers with them after every change, 300 officers at once on deadline day. 3 queries
    once the process keeps the framework's contents (`indicators.published`)."""
    contents = submission_contents(submission)
    current = list(submission.values.values_list("indicator__code", "value", "note", "source"))
    filled = {code for code, *_rest in current}
    dimensions = {dimension.code: sum(indicator.code in filled for indicator in indicators)
                  for dimension, indicators in contents.dimensions}
    return EntryProgress(filled=sum(dimensions.values()), total=len(contents.indicators), dimensions=dimensions,
                         findings=_findings(submission, contents, current, previous_values(submission)))


def submissions_findings_of(cycle: Cycle, submissions: Iterable[Submission]) -> dict[int, list[Finding]]:
    """`submission_findings_of` for many submissions of `cycle` (submission id → findings), in a number of queries
    that does not grow with their number: for work on a whole cycle at once (`services.batch`)."""
    submissions = list(submissions)
    ids = [submission.pk for submission in submissions]
    regions = {submission.pk: submission.region_id for submission in submissions}
    framework = cycle.framework
    levels = dict(Region.objects.filter(pk__in=set(regions.values())).values_list("pk", "level"))
    contents = {pk: framework_contents(framework).at_level(levels[regions[pk]]) for pk in ids}
    current: dict[int, list[tuple[str, float, str, str]]] = {pk: [] for pk in ids}
    for pk, code, value, note, source in IndicatorValue.objects.filter(submission_id__in=ids).values_list(
            "submission_id", "indicator__code", "value", "note", "source"):
        current[pk].append((code, value, note, source))
    evidenced: dict[int, set[str]] = {pk: set() for pk in ids}
    for pk, code in Evidence.objects.filter(submission_id__in=ids, indicator__isnull=False).values_list(
            "submission_id", "indicator__code"):
        evidenced[pk].add(code)
    previous = _previous_values_of(cycle, set(regions.values()))
    return {pk: submission_findings(
        indicators=list(contents[pk].indicators), values={code: value for code, value, _note, _source in current[pk]},
        notes={code: note for code, _value, note, _source in current[pk]}, previous=previous.get(regions[pk], {}),
        rules=list(contents[pk].rules), threshold=framework.anomaly_threshold, evidenced=evidenced[pk],
        computed={code for code, _value, _note, source in current[pk] if source in IndicatorValue.COMPUTED_SOURCES},
    ) for pk in ids}


def _previous_values_of(cycle: Cycle, region_ids: set[int]) -> dict[int, dict[str, float]]:
    """`previous_values` of many regions in `cycle`: region id → indicator code → value of the region in its latest
    earlier cycle of the same framework and version. Two queries."""
    earlier = Submission.objects.filter(region_id__in=region_ids, cycle__framework_id=cycle.framework_id,
                                        cycle__period__lt=cycle.period)
    latest = dict(earlier.values("region_id").annotate(period=Max("cycle__period")).values_list("region_id",
                                                                                              "period"))
    previous: dict[int, dict[str, float]] = {}
    rows = IndicatorValue.objects.filter(
        submission__region_id__in=list(latest), submission__cycle__framework_id=cycle.framework_id,
        submission__cycle__period__in=set(latest.values()),
    ).values_list("submission__region_id", "submission__cycle__period", "indicator__code", "value")
    for region_id, period, code, value in rows:
        if latest[region_id] == period:
            previous.setdefault(region_id, {})[code] = value
    return previous


def submissions_visible(user: Actor) -> QuerySet[Submission]:
    """Submissions in the regions `user` may see, with their region and cycle, and `filled` and `expected`: how
    many indicators have a value and how many the framework has (subqueries: no join multiplies the rows, so
    counts over this queryset stay right)."""
    filled = (IndicatorValue.objects.filter(submission=OuterRef("pk")).order_by().values("submission")
              .annotate(n=Count("pk")).values("n"))
    expected = (Indicator.objects.filter(framework=OuterRef("cycle__framework")).order_by().values("framework")
                .annotate(n=Count("pk")).values("n"))
    return (Submission.objects.filter(region__in=visible_regions(user))
            .select_related("region__province", "cycle__framework")
            .annotate(filled=Coalesce(Subquery(filled), 0), expected=Coalesce(Subquery(expected), 0))
            .order_by("-cycle__period", "region__code", "pk"))


def status_counts(submissions: QuerySet[Submission]) -> dict[str, int]:
    """Status → number of the submissions, every status present (0 when none)."""
    counts = dict(submissions.order_by().values_list("status").annotate(n=Count("pk")))
    return {status: counts.get(status, 0) for status, _label in Submission.Status.choices}


@dataclass(frozen=True)
class EntryRow:
    """One indicator on the entry form."""

    indicator: Indicator
    value: IndicatorValue | None
    """This submission's value, None while there is none."""
    previous: float | None
    """The same region's value in the latest earlier cycle of the framework."""
    evidence: list[Evidence]
    comments: list[ReviewComment]
    """The province's comments on this indicator when it last returned the submission."""


@dataclass(frozen=True)
class EntryDimension:
    dimension: Dimension
    rows: list[EntryRow]

    @property
    def filled(self) -> int:
        return sum(row.value is not None for row in self.rows)

    @property
    def total(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class EntryForm:
    """Everything the entry form shows."""

    dimensions: list[EntryDimension]
    general_comments: list[ReviewComment]
    """The province's comments on the submission as a whole when it last returned it."""
    findings: list[Finding]
    has_previous: bool
    """Whether an earlier cycle has values of this region to copy."""

    @cached_property
    def evidence_missing(self) -> frozenset[str]:
        """Codes of the indicators whose required evidence is missing (the form marks each row)."""
        return frozenset(code for finding in self.findings if finding.kind == "evidence_missing"
                         for code in finding.indicators)

    @property
    def filled(self) -> int:
        return sum(block.filled for block in self.dimensions)

    @property
    def total(self) -> int:
        return sum(block.total for block in self.dimensions)


def submission_entry(submission: Submission) -> EntryForm:
    """Everything the entry form shows, in a fixed number of queries: the framework's dimensions and
    indicators with this submission's values, last period's values, evidence, review comments and findings."""
    contents = submission_contents(submission)
    values = {v.indicator_id: v for v in submission.values.select_related("updated_by")}
    previous = previous_values(submission)
    evidence: dict[int | None, list[Evidence]] = {}
    for item in submission.evidence.select_related("uploaded_by").order_by("uploaded_at"):
        evidence.setdefault(item.indicator_id, []).append(item)
    comments: dict[int | None, list[ReviewComment]] = {}
    latest_return = submission.review_comments.aggregate(v=Max("submission_version"))["v"]
    for comment in submission.review_comments.filter(submission_version=latest_return).select_related("author"):
        comments.setdefault(comment.indicator_id, []).append(comment)
    dimensions = [
        EntryDimension(dimension, [EntryRow(i, values.get(i.pk), previous.get(i.code), evidence.get(i.pk, []),
                                            comments.get(i.pk, [])) for i in indicators])
        for dimension, indicators in contents.dimensions
    ]
    current = [(i.code, v.value, v.note, v.source) for i in contents.indicators
               if (v := values.get(i.pk)) is not None]
    return EntryForm(dimensions=dimensions, general_comments=comments.get(None, []),
                     findings=_findings(submission, contents, current, previous), has_previous=bool(previous))


def region_score_of(submission: Submission) -> RegionScore | None:
    """The region's stored result in the cycle's current score run, or None (nothing is computed here)."""
    run_id = submission.cycle.current_run_id
    if run_id is None:
        return None
    return (RegionScore.objects.filter(run_id=run_id, region_id=submission.region_id)
            .select_related("run").first())


@dataclass(frozen=True)
class HeldRegions:
    """Where a user holds roles: the provinces they analyse and the cities they work for."""

    provinces: list[Region]
    cities: list[Region]


def regions_held(user: User) -> HeldRegions:
    """The regions of `user`'s role assignments, by code (one query)."""
    provinces: dict[int, Region] = {}
    cities: dict[int, Region] = {}
    for assignment in (RoleAssignment.objects.filter(user=user, region__isnull=False).select_related("region")
                       .order_by("region__code")):
        region = assignment.region
        if region is not None:
            held = provinces if assignment.role == RoleAssignment.Role.PROVINCE_ANALYST else cities
            held[region.pk] = region
    return HeldRegions(provinces=list(provinces.values()), cities=list(cities.values()))


@dataclass(frozen=True)
class CycleResults:
    """Which results of a cycle to show, and how: the published version asked for, or, before publication, the
    latest computation — provisional."""

    cycle: Cycle
    run: ScoreRun | None
    """None while nothing has been computed."""
    publication: Publication | None
    """None while the results are provisional."""
    participants: int
    approved: int
    """Participants whose submission was approved (frozen with the publication once published)."""

    @property
    def provisional(self) -> bool:
        return self.publication is None

    @property
    def participation(self) -> float:
        """Share of participants approved, 0–1."""
        return self.approved / self.participants if self.participants else 0.0

    @property
    def ranks_shown(self) -> bool:
        """Whether enough participants are approved for ranks to mean something (the cycle's minimum)."""
        return self.participation >= self.cycle.min_participation


def cycle_results(cycle: Cycle, *, version: int | None = None) -> CycleResults:
    """The results to show of `cycle`: once published, publication `version` (the latest when None; NotFound
    when there is no such version); before, the latest computation, provisional. A computation made after the
    publication (say after a submission was reopened) is not shown until it is published as a revision."""
    publications = cycle.publications.select_related("run")
    if version is not None or publications.exists():
        found = (publications.filter(version=version) if version is not None else publications).order_by(
            "-version").first()
        if found is None:
            raise NotFound(_("The results of %(cycle)s have no version %(version)s.")
                           % {"cycle": cycle, "version": version})
        return CycleResults(cycle, found.run, found, found.participants, found.approved)
    counts = cycle.submissions.aggregate(participants=Count("pk"),
                                         approved=Count("pk", filter=Q(status=Submission.Status.APPROVED)))
    return CycleResults(cycle, cycle.current_run, None, counts["participants"], counts["approved"])


def region_names_on(regions: Iterable[int] | QuerySet[Any, Any],
                    on: datetime.date) -> dict[int, tuple[str, str]]:
    """Region id → (Chinese, English) name it had on `on`, for the regions renamed since (their code kept); the
    others are not in the answer: their current name was already theirs. `regions`: ids, or a queryset of ids
    (a subquery: thousands of ids cost Django a tenth of a second to put in a query)."""
    names: dict[int, tuple[str, str]] = {}
    among = regions if isinstance(regions, QuerySet) else list(regions)
    for region_id, name_zh, name_en in (RegionName.objects.filter(region_id__in=among, valid_until__gt=on)
                                        .order_by("region_id", "valid_until")
                                        .values_list("region_id", "name_zh", "name_en")):
        names.setdefault(region_id, (name_zh, name_en))
    return names
