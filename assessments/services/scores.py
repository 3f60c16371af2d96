"""Score runs: queue a recompute (debounced), compute it, write the results and swap them in atomically."""

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from functools import partial

import pandas as pd
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import Actor
from indicators.scoring import FrameworkSpec, ScoringResult, compute, engine_version
from indicators.services import framework_spec
from outbox.services import job_enqueue
from smartgov.errors import DomainError, ErrorCode, PermissionRefused

from ..models import Cycle, Region, RunAnalysis, ScoreRun
from ..permissions import may_recompute
from ..selectors import cycle_values_frame, region_levels
from .groups import GroupInput, cycle_groups, group_facts
from .inputs_fingerprint import inputs_fingerprint
from .inputs_fingerprint import matches as fingerprint_matches
from .result_rows import region_table, result_tables, tables_write
from .run_analysis import RunAnalysisResult, run_analysis

logger = logging.getLogger(__name__)
SCORES_JOB = "scores.compute"
ABANDONED = "Abandoned: a later run replaced it."


class ScoringRefused(DomainError):
    """A run that cannot produce scores, for a reason the user can act on."""

    code = ErrorCode.SCORING_REFUSED


def cycle_scores_request(*, cycle: Cycle, actor: Actor | None = None, reason: str = "", enqueue: bool = True,
                         follow_up: bool = False) -> ScoreRun:
    """Ask for a recompute of the cycle's scores.

    A cycle's scores cover all its participants, so only someone whose scope holds all of them may ask
    (`permissions.may_recompute`: the national role, or provincial roles whose provinces hold every participant;
    PermissionRefused otherwise); the platform itself (`actor` None: a command, a task) always may. `follow_up`:
    the recompute a change checked already asks for on its own (an approval, a reopen, new comparison groups),
    queued whoever made the change.

    The run and the job that computes it are recorded in the caller's transaction (outbox), due
    `SCORE_DEBOUNCE_SECONDS` later: requests that arrive while the run is still waiting join it, so 40 approvals
    within that time give one computation, and a broker outage delays the run but never loses it. With
    `enqueue=False` no job is recorded: the caller computes the run itself (cycle_scores_compute), at once.
    """
    if actor is not None and not follow_up and not may_recompute(actor, cycle):
        raise PermissionRefused(_("You may start a score run only for a cycle whose every participant lies in the "
                                  "province you hold a role for."))
    with transaction.atomic():
        Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
        run = cycle.score_runs.filter(status=ScoreRun.Status.QUEUED).first()
        if run is not None:
            return run
        run = ScoreRun.objects.create(cycle=cycle, requested_by=actor if actor and actor.is_authenticated else None,
                                      reason=reason[:200])
        if enqueue:
            job_enqueue(kind_name=SCORES_JOB, key=f"score-run:{run.pk}", args={"run_id": run.pk},
                        due_in=settings.SCORE_DEBOUNCE_SECONDS)
    return run


def cycle_scores_job(*, run_id: int) -> None:
    """The background job of a run (outbox kind `scores.compute`)."""
    cycle_scores_compute(run_id=run_id)


def cycle_scores_given_up(*, run_id: int, error: str) -> None:
    """A run whose job was given up (its worker died again and again) fails with that reason."""
    ScoreRun.objects.filter(pk=run_id, status__in=[ScoreRun.Status.QUEUED, ScoreRun.Status.RUNNING]).update(
        status=ScoreRun.Status.FAILED, finished_at=timezone.now(), error=error)


def cycle_scores_compute(*, run_id: int) -> ScoreRun:
    """Compute a run: load the approved values, score them, write every result, then make the run current.

    The results and the swap are one transaction, so a failure or a killed worker leaves the previous run
    current. A run that already finished is left as it is, so a redelivered task does nothing twice.
    """
    run = _run_start(run_id)
    if run is None:
        return ScoreRun.objects.get(pk=run_id)
    try:
        cycle = run.cycle
        values, parents = cycle_values_frame(cycle)
        current = values[values["period"] == cycle.period]
        if current.empty:
            raise ScoringRefused(_("No approved submission in this cycle yet: there is nothing to score."))
        _run_progress(run, 20, "computing")
        spec = framework_spec(cycle.framework)
        groups = cycle_groups(cycle)
        levels = region_levels()
        result = compute(values, spec, parents=parents, groups={g.code: g.members for g in groups}, levels=levels)
        _run_progress(run, 30, "auditing")
        write = partial(_run_write, run, result, spec=spec, groups=groups, fingerprint=inputs_fingerprint(values))
        if connection.vendor == "postgresql":
            with ThreadPoolExecutor(1, thread_name_prefix=f"score-run-{run.pk}") as alongside:
                write(alongside.submit(_run_analysis_in_thread, run, current, spec, levels).result)
        else:
            analysis = _run_analysis(run, current, spec, levels)
            write(lambda: analysis)
    except Exception as error:
        logger.exception("score run %s failed", run_id)
        ScoreRun.objects.filter(pk=run_id).update(
            status=ScoreRun.Status.FAILED, finished_at=timezone.now(), error=str(error) or type(error).__name__
        )
    run.refresh_from_db()
    return run


def _run_analysis(run: ScoreRun, current: pd.DataFrame, spec: FrameworkSpec,
                  levels: dict[str, str]) -> RunAnalysisResult:
    analysis = run_analysis(current, spec, period=run.cycle.period, progress=_sensitivity_progress(run),
                            levels=levels)
    _run_progress(run, 90, "writing")
    return analysis


def _run_analysis_in_thread(run: ScoreRun, current: pd.DataFrame, spec: FrameworkSpec,
                            levels: dict[str, str]) -> RunAnalysisResult:
    """`_run_analysis` in a thread of its own while the run's thread writes the rows that do not wait for it
    (numpy's sorts and products release the GIL, and the database writes in its own process), so the sensitivity
    analysis and the writes no longer add up. The progress it tells goes by the thread's own connection,
    outside the writing transaction, which is why only PostgreSQL does this: on SQLite that connection would
    wait for the writer's lock."""
    try:
        return _run_analysis(run, current, spec, levels)
    finally:
        connections.close_all()


def _run_start(run_id: int) -> ScoreRun | None:
    with transaction.atomic():
        run = (ScoreRun.objects.select_for_update(of=("self",)).select_related("cycle__framework")
               .filter(pk=run_id).first())
        if run is None or run.status in (ScoreRun.Status.SUCCEEDED, ScoreRun.Status.FAILED):
            return None
        run.status, run.started_at, run.progress, run.stage = ScoreRun.Status.RUNNING, timezone.now(), 5, "loading"
        run.save(update_fields=["status", "started_at", "progress", "stage"])
    return run


def _run_progress(run: ScoreRun, progress: int, stage: str) -> None:
    ScoreRun.objects.filter(pk=run.pk).update(progress=progress, stage=stage)


SENSITIVITY_PROGRESS = (35, 88)
"""The run's progress (%) when its sensitivity analysis starts and ends."""


def _sensitivity_progress(run: ScoreRun) -> Callable[[float], None]:
    """Tells the run's progress as the sensitivity analysis goes, writing only when it moves by 5 points."""
    start, end = SENSITIVITY_PROGRESS
    shown = [start - 5]

    def told(share: float) -> None:
        progress = int(start + (end - start) * share)
        if progress >= shown[0] + 5:
            shown[0] = progress
            _run_progress(run, progress, "sensitivity")
    return told


def cycle_scores_are_current(cycle: Cycle) -> bool:
    """Whether the cycle's current run scored exactly what a run started now would: the same approved values
    (of this cycle and the earlier ones its changes are measured against) and the same comparison groups.

    Compared by content, not by time: approvals that joined a queued run are in it although they came after it
    was requested, and a value changed and changed back leaves the results current.
    """
    run = cycle.current_run
    if run is None or run.status != ScoreRun.Status.SUCCEEDED:
        return False
    values, _parents = cycle_values_frame(cycle)
    method = run.method or {}
    return (method.get("groups", []) == group_facts(cycle_groups(cycle))
            and fingerprint_matches(run.inputs_fingerprint, values))


@transaction.atomic
def _run_write(run: ScoreRun, result: ScoringResult, analysed: Callable[[], RunAnalysisResult], *,
               spec: FrameworkSpec, groups: list[GroupInput], fingerprint: str) -> None:
    """Write the run's results and make it current, in one transaction. The rows per dimension and indicator
    (nearly all of them, their keys checked as each statement ends: assessments/db_references.py) are written
    while the analysis may still be going; `analysed` waits for it."""
    cycle = run.cycle
    regions = dict(Region.objects.values_list("code", "pk"))
    tables_write(result_tables(
        run_id=run.pk, result=result, period=cycle.period, regions=regions,
        dimensions=dict(cycle.framework.dimensions.values_list("code", "pk")),
        indicators=dict(cycle.framework.indicators.values_list("code", "pk"))))
    analysis = analysed()
    regions_table = region_table(run_id=run.pk, result=result, intervals=analysis.intervals, period=cycle.period,
                                 regions=regions)
    tables_write([regions_table])
    method = {"spec": asdict(spec), "uncertainty": analysis.method, "groups": group_facts(groups)}
    finished = ScoreRun.objects.filter(pk=run.pk, status=ScoreRun.Status.RUNNING).update(
        status=ScoreRun.Status.SUCCEEDED, progress=100, stage="", finished_at=timezone.now(),
        regions=len(regions_table.frame), method=method, inputs_fingerprint=fingerprint,
        engine_version=engine_version(), participants=cycle.submissions.count(), warnings=analysis.warnings,
    )
    if not finished:
        raise ScoringRefused(ABANDONED)
    RunAnalysis.objects.create(run=run, audit=analysis.audit, sensitivity=analysis.sensitivity)
    Cycle.objects.filter(pk=cycle.pk).filter(Q(current_run__isnull=True) | Q(current_run_id__lt=run.pk)).update(
        current_run=run)
    ScoreRun.objects.filter(cycle=cycle, status=ScoreRun.Status.RUNNING, pk__lt=run.pk).update(
        status=ScoreRun.Status.FAILED, finished_at=timezone.now(), error=ABANDONED)
