"""The annex of a province's or the nation's PDF report: the statistical audit and sensitivity analysis of the run
it shows (templates/reports/pdf/_audit_annex.html), with the rank intervals of the province's regions only (none in
the national report)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

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
    return _annex(results, Region.objects.filter(province_id=province.pk))


def national_annex(results: CycleResults) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The annex of the national report: as `province_annex`, without what is listed region by region (rank
    intervals, values moved by the outlier treatment) — thousands of lines at the nation's scale, on the
    statistical audit page instead."""
    return _annex(results, Region.objects.none())


def _annex(results: CycleResults, regions: QuerySet[Region]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    analysis = run_analysis(results, regions)
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
