"""Builders for tests of the statistical audit page and annex: a scored cycle of twelve cities with one extreme
value, and the analysis of a run (`RunAnalysis`) made here with the engine, as a score run stores it."""

from assessments.models import Cycle, IndicatorValue, Region, RunAnalysis, ScoreRun
from assessments.selectors import cycle_values_frame
from indicators.scoring import OutlierTreatment, audit, sensitivity
from indicators.services import framework_spec

from .factories import approved_cycle, many_cities, score

EXTREME = ("330300", "RS06", 1e6)
"""(city, indicator, value): an outlier that winsorisation moves."""
WINSORISE = OutlierTreatment("winsorise", max_points=2)


def twelve_cities(regions: dict[str, Region]) -> list[Region]:
    """杭州, 宁波 and six more cities of Zhejiang; 南京 and three more of Jiangsu."""
    return many_cities(8, regions["zhejiang"]) + many_cities(4, regions["jiangsu"])


def scored_with_an_outlier(framework, regions: dict[str, Region], period: int = 2026, *, seed: int = 2) -> Cycle:
    """An approved cycle of `twelve_cities`, one of whose values (`EXTREME`) is far above the others, scored."""
    cycle = approved_cycle(framework, twelve_cities(regions), period, seed=seed)
    city, indicator, value = EXTREME
    IndicatorValue.objects.filter(submission__cycle=cycle, submission__region__code=city,
                                  indicator__code=indicator).update(value=value)
    score(cycle)
    return cycle


def analyse(cycle: Cycle, run: ScoreRun | None = None, *, base_samples: int = 32,
            treatments: OutlierTreatment | None = WINSORISE) -> RunAnalysis:
    """The audit (every indicator winsorised when `treatments` says so) and sensitivity analysis of the cycle's
    period, stored for `run` (default: the cycle's current run), replacing any stored before."""
    values, _parents = cycle_values_frame(cycle)
    values = values[values["period"] == cycle.period]
    spec = framework_spec(cycle.framework)
    analysis, _created = RunAnalysis.objects.update_or_create(run=run or cycle.current_run, defaults={
        "audit": audit(values, spec, treatments).as_dict(),
        "sensitivity": sensitivity(values, spec, base_samples=base_samples).as_dict()})
    return analysis
