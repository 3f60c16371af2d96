from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments.permissions import visible_regions

from .exports import results_workbook
from .selectors import scored_cycles
from .views import results_asked

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def results_export(request):
    """A cycle's results (`?cycle=<id>`, the latest with results by default; `?version=<n>` an earlier published
    version) for the regions the user may see: provisional or published, as the dashboards show them."""
    cycles = scored_cycles()
    asked = request.GET.get("cycle", "")
    cycle = get_object_or_404(cycles, pk=asked) if asked.isdigit() else cycles.first()
    if cycle is None:
        raise Http404(_("No scores have been computed yet."))
    results = results_asked(cycle, request.GET.get("version", ""))
    response = HttpResponse(results_workbook(results, visible_regions(request.user)), content_type=XLSX)
    which = f"v{results.publication.version}" if results.publication else "provisional"
    label = (_("published v%(version)s") % {"version": results.publication.version} if results.publication
             else _("provisional"))
    name = f"{_('Results')}-{cycle.period}-{label}.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"results-{cycle.period}-{which}.xlsx\"; filename*=UTF-8''{quote(name)}")
    return response
