"""Reads on the facts shared by views, reports and the API."""

import pandas as pd
from django.db.models import Count, Max, OuterRef, Prefetch, Subquery

from .checks import submission_findings
from .models import Cycle, IndicatorValue, Region, RegionScore, ScoreRun, Submission
from .permissions import visible_regions


def cycles_overview():
    """Cycles with their current scores and the state of their latest score run."""
    latest = ScoreRun.objects.filter(cycle=OuterRef("pk")).order_by("-requested_at", "-id")
    return (
        Cycle.objects.select_related("framework", "current_run")
        .annotate(latest_status=Subquery(latest.values("status")[:1]),
                  latest_progress=Subquery(latest.values("progress")[:1]))
        .order_by("-period", "framework__code")
    )


def cycle_values_frame(cycle: Cycle) -> tuple[pd.DataFrame, dict]:
    """Approved values of a cycle and of its framework's earlier cycles, as the engine's tidy frame.

    Earlier cycles are included so that the engine can compute the change since the previous period.
    Two queries, whatever the number of regions: the values, then the regions' parents.
    """
    rows = IndicatorValue.objects.filter(
        submission__status=Submission.Status.APPROVED,
        submission__cycle__framework_id=cycle.framework_id,
        submission__cycle__period__lte=cycle.period,
    ).values_list("submission__region__code", "submission__cycle__period", "indicator__code", "value")
    values = pd.DataFrame.from_records(list(rows), columns=["region", "period", "indicator", "value"])
    parents = dict(Region.objects.filter(parent__isnull=False).values_list("code", "parent__code"))
    return values, parents


def cycle_scores_are_current(cycle: Cycle) -> bool:
    """Whether the cycle's current run was requested after every approved value it depends on last changed."""
    if cycle.current_run_id is None:
        return False
    latest = IndicatorValue.objects.filter(
        submission__status=Submission.Status.APPROVED,
        submission__cycle__framework_id=cycle.framework_id,
        submission__cycle__period__lte=cycle.period,
    ).aggregate(value=Max("updated_at"), submission=Max("submission__updated_at"))
    changed = max((t for t in latest.values() if t is not None), default=None)
    return changed is None or changed <= cycle.current_run.requested_at


def previous_values(submission: Submission) -> dict:
    """Indicator code → value of the same region in the latest earlier cycle of the same framework code."""
    rows = IndicatorValue.objects.filter(
        submission__region_id=submission.region_id,
        submission__cycle__framework__code=submission.cycle.framework.code,
        submission__cycle__period=Subquery(
            Cycle.objects.filter(framework__code=submission.cycle.framework.code,
                                 period__lt=submission.cycle.period,
                                 submissions__region_id=submission.region_id)
            .order_by("-period").values("period")[:1]),
    ).values_list("indicator__code", "value")
    return dict(rows)


def submission_findings_of(submission: Submission):
    """Missing values, broken cross-indicator rules and unexplained anomalies of a submission."""
    framework = submission.cycle.framework
    current = list(submission.values.values_list("indicator__code", "value", "note"))
    return submission_findings(
        indicators=list(framework.indicators.order_by("dimension__order", "order")),
        values={code: value for code, value, _note in current},
        notes={code: note for code, _value, note in current},
        previous=previous_values(submission),
        rules=list(framework.rules.all()),
        threshold=framework.anomaly_threshold,
    )


def submissions_visible_to(user):
    """Submissions of the regions `user` may see, with what lists need (region, cycle, filled count)."""
    return (
        Submission.objects.filter(region__in=visible_regions(user))
        .select_related("region__parent", "cycle__framework")
        .annotate(filled=Count("values", distinct=True),
                  indicator_count=Count("cycle__framework__indicators", distinct=True))
        .order_by("-cycle__period", "region__code")
    )


def status_counts(submissions) -> dict:
    counts = dict(submissions.order_by().values_list("status").annotate(n=Count("id", distinct=True)))
    return {status: counts.get(status, 0) for status, _label in Submission.Status.choices}


def submission_entry(submission: Submission) -> dict:
    """Everything the entry form shows, in a fixed number of queries: the framework's dimensions and
    indicators with this submission's values, last period's values, evidence, review comments and findings."""
    framework = submission.cycle.framework
    values = {v.indicator_id: v for v in submission.values.select_related("updated_by")}
    previous = previous_values(submission)
    evidence = {}
    for item in submission.evidence.select_related("uploaded_by").order_by("uploaded_at"):
        evidence.setdefault(item.indicator_id, []).append(item)
    comments = {}
    latest_return = submission.review_comments.aggregate(v=Max("submission_version"))["v"]
    for comment in submission.review_comments.filter(submission_version=latest_return).select_related("author"):
        comments.setdefault(comment.indicator_id, []).append(comment)
    dimensions = []
    for dimension in framework.dimensions.order_by("order").prefetch_related(
            Prefetch("indicators", queryset=framework.indicators.order_by("order"))):
        rows = [{"indicator": i, "value": values.get(i.pk), "previous": previous.get(i.code),
                 "evidence": evidence.get(i.pk, []), "comments": comments.get(i.pk, [])}
                for i in dimension.indicators.all()]
        dimensions.append({"dimension": dimension, "rows": rows,
                           "filled": sum(r["value"] is not None for r in rows), "total": len(rows)})
    return {
        "dimensions": dimensions,
        "filled": sum(d["filled"] for d in dimensions),
        "total": sum(d["total"] for d in dimensions),
        "general_evidence": evidence.get(None, []),
        "general_comments": comments.get(None, []),
        "findings": submission_findings_of(submission),
        "has_previous": bool(previous),
    }


def region_score_of(submission: Submission):
    """The region's stored result in the cycle's current score run, or None (nothing is computed here)."""
    run_id = submission.cycle.current_run_id
    if run_id is None:
        return None
    return (RegionScore.objects.filter(run_id=run_id, region_id=submission.region_id)
            .select_related("run").first())
