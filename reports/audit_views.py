"""The statistical audit page of the results shown: the audit and sensitivity analysis stored with the score run
(`reports.selectors.run_analysis`), told by `reports.audit_context` in templates/reports/audit/_audit.html.

Like every dashboard (`reports.views`): the cycle of ?cycle=, the published version of ?version= or, before
publication, the latest computation (provisional). Statistics of the whole set of regions are shown to every
reader who sees a region of the run; what names a region (its rank interval, the raw values winsorisation moved)
only for the regions the reader may see — a city's officer sees their own city's only.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from assessments.permissions import is_platform_admin, visible_regions

from .audit_context import audit_context
from .selectors import run_analysis
from .views import shown_results


@login_required
def audit(request):
    """The statistical audit and sensitivity analysis of the run shown, or why there is none."""
    shown = shown_results(request)
    context = {**shown.context(), "page": "audit"}
    if shown.results is not None:
        analysis = run_analysis(shown.results, None if is_platform_admin(request.user) else visible_regions(
            request.user))
        context["analysis"] = analysis
        if analysis.available and analysis.visible != frozenset():
            context |= audit_context(analysis.audit, analysis.sensitivity, analysis.names, analysis.visible,
                                     ranks_shown=analysis.status.ranks_shown, run_warnings=analysis.run_warnings)
    return render(request, "reports/dashboards/audit.html", context)
