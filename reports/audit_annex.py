"""The annex of a province's PDF report: the statistical audit and sensitivity analysis of the run it shows
(templates/reports/pdf/_audit_annex.html), with the rank intervals of the province's regions only."""

from __future__ import annotations

from typing import Any

from assessments.models import Region
from assessments.selectors import CycleResults

from . import audit_figures
from .audit_context import audit_context
from .charts import Chart, svg_uris
from .selectors import run_analysis

SOBOL_SIZE = (660, 300)
"""Width and height (CSS px) of the Sobol chart in the PDF."""


def province_annex(results: CycleResults, province: Region) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The annex's context (`audit_context`'s ``audit``, None when the run has no stored analysis) and its
    charts as SVG data: URIs by name ("sobol", "intervals"), for the regions of `province`."""
    analysis = run_analysis(results, Region.objects.filter(province_id=province.pk))
    if not analysis.available:
        return None, {}
    context = audit_context(analysis.audit, analysis.sensitivity, analysis.names, analysis.visible,
                            ranks_shown=analysis.status.ranks_shown, charts=False,
                            run_warnings=analysis.run_warnings)["audit"]
    sensitivity = analysis.sensitivity or {}
    wanted = {}
    if sensitivity.get("rank_shift"):
        wanted["sobol"] = Chart(audit_figures.sobol_bars(sensitivity["rank_shift"]), *SOBOL_SIZE)
    regions = sensitivity.get("regions") or ()
    if regions:
        wanted["intervals"] = Chart(audit_figures.rank_intervals(regions, analysis.names), 660,
                                    max(220, 90 + 24 * len(regions)))
    return context, svg_uris(wanted)
