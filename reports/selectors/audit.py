"""The statistical audit and the sensitivity analysis of the run shown (`run_analysis`), and what of them a reader
may see (`restricted`).

A score run stores them in `assessments.models.RunAnalysis`, as the engine returns them
(`indicators.scoring.audit(...).as_dict()`, `indicators.scoring.sensitivity(...).as_dict()`). What is about the
whole set of regions scored — the indicators' moments, correlations, Cronbach's α, principal components, nominal
and effective weights, the Sobol indices of the mean rank shift — is shown to anyone who may see a dashboard of
the cycle. What names a region — its rank interval and Sobol indices, the raw values winsorisation moved — only
for the regions the reader may see, like every other dashboard; and no rank at all when the results do not show
ranks (too few participants approved).
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from assessments.models import RegionScore, RunAnalysis
from assessments.services.run_analysis import SINGLE_REGION
from smartgov.i18n import localised

from .provenance import ProvenanceSpread, provenance_shares, provenance_spread
from .rows import dimensions_of, indicators_of, named_on, result_status, results_of, shown_run_id, values_frame
from .scope import Regions, Results
from .types import ResultStatus

INDEX = "index"
"""The code of the index among the audit's correlations (`indicators.scoring.audit.INDEX`)."""


@dataclass(frozen=True)
class RunAnalysisReport:
    """The statistical audit and sensitivity analysis of the run a page shows (`run_analysis`)."""

    status: ResultStatus
    """Which results these are: provisional or a published version, whether ranks are shown."""
    period: int
    """The cycle's period (year)."""
    is_demo: bool
    """Whether the cycle holds demo data."""
    audit: Mapping[str, Any] | None
    """`Audit.as_dict()` ({"settings", "periods"}), the points winsorisation moved kept for the `visible` regions
    only (each treatment's `moved` counts them all); None when the run has no stored analysis (runs computed
    before the analysis was stored have none)."""
    sensitivity: Mapping[str, Any] | None
    """`Sensitivity.as_dict()`, its `regions` kept for the `visible` regions only (none when ranks are not shown;
    `hidden_regions` counts those left out); None when the run has none."""
    names: Mapping[str, str]
    """Code → name in the active language: the framework's indicators and dimensions, "index", and the `visible`
    regions of the run (as named when the cycle closed)."""
    visible: frozenset[str] | None
    """Codes of the regions whose details are shown; None: every region."""
    run_warnings: tuple[Mapping[str, Any], ...] = ()
    """The run's own warnings, beside the audit's ({code, subject, facts}; `assessments.services.run_analysis`);
    a region named as subject only when it is `visible`."""
    provenance: tuple[ProvenanceSpread, ...] = ()
    """Where the index comes from, over every region of the run (empty when the framework declares no
    provenance)."""

    @property
    def available(self) -> bool:
        """Whether the run has a stored analysis."""
        return self.audit is not None


def run_analysis(which: Results, regions: Regions | None = None) -> RunAnalysisReport:
    """The stored analysis of the run `which` shows (`assessments.selectors.cycle_results`: a cycle's latest
    publication, else its latest computation, provisional), with the details of `regions` only (a Region queryset
    or ids; None: every region). Names follow the active language. 5 queries (2 more given a cycle).

    Raises NoResult when nothing has been computed.
    """
    results = results_of(which)
    cycle = results.cycle
    run_id = shown_run_id(results)
    status = result_status(results)
    stored = RunAnalysis.objects.filter(run_id=run_id).values("audit", "sensitivity", "run__warnings").first()
    names = {**{d["code"]: d["name"] for d in dimensions_of(cycle.framework_id)},
             **{i["code"]: i["name"] for i in indicators_of(cycle.framework_id)}, INDEX: _("Index")}
    where = Q(run_id=run_id) if regions is None else Q(run_id=run_id, region__in=regions)
    name = localised("region__name_zh", "region__name_en")
    rows = named_on(values_frame(RegionScore.objects.filter(where), ["region_id", "region__code", name])
                    .rename(columns={name: "name"}), cycle)
    shown = dict(zip(rows["region__code"], rows["name"], strict=True))
    visible = None if regions is None else frozenset(shown)
    audit, sensitivity = (None, None) if stored is None else restricted(
        stored["audit"], stored["sensitivity"], visible, ranks_shown=status.ranks_shown)
    warnings: list[dict[str, Any]] = [] if stored is None else stored["run__warnings"] or []
    own = [w for w in warnings if w.get("code") == SINGLE_REGION]
    return RunAnalysisReport(status=status, period=cycle.period, is_demo=cycle.is_demo, audit=audit,
                             sensitivity=sensitivity, names={**names, **shown}, visible=visible,
                             run_warnings=tuple({**w, "subject": w["subject"] if w["subject"] in shown else ""}
                                                for w in own),
                             provenance=provenance_spread(provenance_shares(run_id)) if run_id is not None else ())


def restricted(audit: Mapping[str, Any] | None, sensitivity: Mapping[str, Any] | None,
               visible: Collection[str] | None, *, ranks_shown: bool = True
               ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Copies of an audit dict (`Audit.as_dict()` or one of its periods) and a sensitivity dict without the details
    of the regions outside `visible` (codes; None: every region): the points winsorisation moved (each treatment
    gets `moved`, the number of points it moved in all) and the regions' rank intervals and Sobol indices (the
    sensitivity gets `hidden_regions`, the number left out). Without `ranks_shown`, no region's rank interval is
    kept. What stays is about the whole set of regions. Applying it twice changes nothing more."""
    keep = None if visible is None else set(visible)
    audit_copy = None if audit is None else copy.deepcopy(dict(audit))
    if audit_copy is not None:
        periods = audit_copy.get("periods", [audit_copy])
        for period in periods:
            for treatment in period.get("treatments") or ():
                points = treatment.get("points") or []
                treatment.setdefault("moved", len(points))
                treatment["points"] = [p for p in points if keep is None or p.get("region") in keep]
    sensitivity_copy = None if sensitivity is None else copy.deepcopy(dict(sensitivity))
    if sensitivity_copy is not None:
        regions = sensitivity_copy.get("regions") or []
        kept = [r for r in regions if ranks_shown and (keep is None or r.get("region") in keep)]
        sensitivity_copy["hidden_regions"] = sensitivity_copy.get("hidden_regions", 0) + len(regions) - len(kept)
        sensitivity_copy["regions"] = kept
    return audit_copy, sensitivity_copy
