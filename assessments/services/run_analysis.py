"""The statistical audit and the sensitivity analysis a score run makes of its cycle's period, and the warnings
it draws from them (a single region, a constant indicator …) so that a weak result is never silent."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
from django.conf import settings

from indicators.scoring import FrameworkSpec, audit, sensitivity
from indicators.scoring.audit import jsonable

Progress = Callable[[float], None]
SINGLE_REGION = "single_region"
"""The warning of the run itself (the others are the audit's): one region scored, so no rank can move and no
sensitivity analysis is made; its subject is the region's code."""


@dataclass(frozen=True)
class RunAnalysisResult:
    audit: dict[str, Any]
    sensitivity: dict[str, Any] | None
    """None when the period has fewer than two regions: no rank can move."""
    intervals: pd.DataFrame
    """region, rank_median, rank_p05, rank_p95 (empty without a sensitivity analysis)."""
    warnings: list[dict[str, Any]]
    """{code, subject, facts}: the audit's warnings (`indicators.scoring.audit.AuditWarning`), then the run's own
    (`SINGLE_REGION`)."""
    method: dict[str, Any]
    """The analysis's settings, as the run's `method["uncertainty"]` records them."""


def run_analysis(current: pd.DataFrame, spec: FrameworkSpec, *, period: int, progress: Progress,
                 levels: Mapping[str, str] | None = None) -> RunAnalysisResult:
    """Audit `current` (the values of one period) and, with two regions or more, analyse the sensitivity of its
    ranks to the inputs the framework declares (N and the seed as declared, else `SCORE_SENSITIVITY_SAMPLES` and
    the period); `levels` (region code → level) as the run's scores use them."""
    audited = cast(dict[str, Any], jsonable(audit(current, spec, levels=levels).as_dict()))
    warnings = [{"code": w["code"], "subject": w["subject"], "facts": w["facts"]}
                for p in audited["periods"] for w in p["warnings"]]
    declared = spec.sensitivity
    samples = declared.samples or settings.SCORE_SENSITIVITY_SAMPLES
    seed = period if declared.seed is None else declared.seed
    method = {"inputs": list(declared.inputs.names()), "weight_range": declared.inputs.weight_range,
              "samples": samples, "seed": seed, "draws": 0}
    regions = current["region"].nunique()
    if regions < 2:
        warnings.append({"code": SINGLE_REGION, "subject": str(current["region"].iloc[0]), "facts": {}})
        return RunAnalysisResult(audited, None, pd.DataFrame(columns=["region", "rank_median", "rank_p05", "rank_p95"]),
                                 warnings, method)
    analysed = sensitivity(current, spec, base_samples=samples, seed=seed, progress=progress, levels=levels)
    result = cast(dict[str, Any], jsonable(analysed.as_dict()))
    intervals = pd.DataFrame([(r.region, r.rank_median, r.rank_p05, r.rank_p95) for r in analysed.regions],
                             columns=["region", "rank_median", "rank_p05", "rank_p95"])
    return RunAnalysisResult(audited, result, intervals, warnings, {**method, "draws": analysed.runs})
