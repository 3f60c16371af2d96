"""Reads on the facts shared by views, reports and the API."""

import pandas as pd
from django.db.models import Max, OuterRef, Subquery

from .checks import submission_findings
from .models import Cycle, IndicatorValue, Region, ScoreRun, Submission


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
