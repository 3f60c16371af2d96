"""The page from which a province's analyst (or a platform administrator, who chooses the province) imports
indicator values computed from system records for all the province's regions: the upload of a file of one kind
for an open cycle of the default framework version 2 or later (checked or imported in the background, as the
satisfaction imports are: `city`), the page of the request with its progress and then each region's values or the
row errors, and the latest requests. Layouts: docs/records.md; rules: `surveys.services.records_requests`."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Region
from assessments.permissions import visible_regions
from smartgov.errors import DomainError
from smartgov.limits import SATISFACTION_FILE_MAX_BYTES

from .. import selectors
from ..models import RecordsImportRequest
from ..records import LAYOUTS
from ..services.records_requests import may_import_records, records_import_apply, records_import_request
from .request_pages import csv_response, errors_response, request_context, status_response

Kind = RecordsImportRequest.Kind
ABOUT = {
    Kind.CASES: gettext_lazy("One row per case of an on-application item accepted in the assessment year, from the "
                             "case log (办件库) of the integrated government service platform."),
    Kind.HOTLINE: gettext_lazy("One row per 12345 work order: those received in the assessment year, and earlier "
                               "ones that fall due in it or that a later request may repeat."),
    Kind.CALLS: gettext_lazy("One row per region and month of the assessment year: the call centre's ACD counts "
                             "of calls queued for an agent, answered, and abandoned within 5 seconds."),
    Kind.RATINGS: gettext_lazy("One row per good/bad rating (好差评) given in the assessment year, all channels; "
                               "system defaults marked in the column 默认评价."),
}


def _province(request, code) -> Region:
    """The province if the user may see it (else 404) and import its records (else 403)."""
    province = get_object_or_404(Region, code=code, level=Region.Level.PROVINCE)
    if not visible_regions(request.user).filter(pk=province.pk).exists():
        raise Http404
    if not may_import_records(request.user, province):
        raise PermissionDenied
    return province


@login_required
@require_GET
def records_index(request):
    """The province's page for its analyst; the choice of a province for an administrator."""
    provinces = list(selectors.records_provinces(request.user))
    if not provinces:
        raise PermissionDenied
    if len(provinces) == 1:
        return redirect("records-province", code=provinces[0].code)
    return render(request, "surveys/records_index.html", {"provinces": provinces})


def _kinds():
    return [{"kind": kind, "label": kind.label, "about": ABOUT[kind], "indicators": LAYOUTS[kind].indicators,
             "columns": LAYOUTS[kind].columns} for kind in Kind]


@login_required
def records_province(request, code):
    """The upload: the file is stored and checked or imported in the background; the answer is the page of that
    request."""
    province = _province(request, code)
    cycles = list(selectors.records_cycles())
    page = {"province": province, "cycles": cycles, "kinds": _kinds(),
            "max_megabytes": SATISFACTION_FILE_MAX_BYTES // (1024 * 1024),
            "import_requests": selectors.records_import_requests_of(province),
            "chosen": {"cycle": request.POST.get("cycle", ""), "kind": request.POST.get("kind", ""),
                       "dry_run": request.method != "POST" or bool(request.POST.get("dry_run"))}}
    if request.method != "POST":
        return render(request, "surveys/records.html", page)
    cycle = next((c for c in cycles if str(c.pk) == request.POST.get("cycle")), None)
    if cycle is None:
        return _records_page(request, page, _("Choose an open cycle."))
    kind = request.POST.get("kind", "")
    if kind not in Kind.values:
        return _records_page(request, page, _("Choose the kind of records."))
    upload = request.FILES.get("file")
    if upload is None:
        return _records_page(request, page, _("Choose a CSV or Excel (.xlsx) file to upload."))
    if upload.size > SATISFACTION_FILE_MAX_BYTES:
        return _records_page(request, page, _("The file is larger than %(limit)d MB.")
                             % {"limit": page["max_megabytes"]})
    try:
        made = records_import_request(cycle=cycle, province=province, kind=kind,
                                      data=upload.read(SATISFACTION_FILE_MAX_BYTES + 1), name=upload.name,
                                      actor=request.user, dry_run=bool(request.POST.get("dry_run")))
    except DomainError as refused:
        return _records_page(request, page, str(refused), status=refused.status)
    return redirect("records-request", code=code, request_pk=made.pk)


def _records_page(request, page, error, status=400):
    return render(request, "surveys/records.html", {**page, "error": error}, status=status)


@login_required
@require_GET
def records_template(request, code, kind):
    """A CSV of the layout's column headers (Chinese), to fill in."""
    _province(request, code)
    if kind not in Kind.values:
        raise Http404
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([column.zh for column in LAYOUTS[kind].columns])
    return csv_response(buffer.getvalue(), f"{kind}-template.csv")


def _request_scope(request, code, request_pk) -> RecordsImportRequest:
    province = _province(request, code)
    found = get_object_or_404(RecordsImportRequest.objects.select_related("requested_by", "cycle__framework"),
                              pk=request_pk, province=province)
    found.province = province
    return found


@login_required
@require_GET
def records_request_view(request, code, request_pk):
    made = _request_scope(request, code, request_pk)
    names = {i.code: i.name for i in made.cycle.framework.indicators.all()}
    outcome = made.outcome or {}
    regions = [{**region, "values": [{**v, "name": names.get(v["code"], "")} for v in region["values"]],
                "missing": [{**m, "name": names.get(m["code"], "")} for m in region["missing"]]}
               for region in outcome.get("regions", [])]
    return render(request, "surveys/records_request.html", {
        **request_context(made), "province": made.province, "regions": regions,
        "not_in_framework": outcome.get("not_in_framework", [])})


@login_required
@require_GET
def records_request_status(request, code, request_pk):
    return status_response(_request_scope(request, code, request_pk))


@login_required
@require_POST
def records_request_apply(request, code, request_pk):
    """Import the values of a successful dry run, without uploading the file again."""
    checked = _request_scope(request, code, request_pk)
    try:
        made = records_import_apply(checked=checked, actor=request.user)
    except DomainError as refused:
        messages.error(request, str(refused))
        return redirect("records-request", code=code, request_pk=checked.pk)
    return redirect("records-request", code=code, request_pk=made.pk)


@login_required
@require_GET
def records_request_errors(request, code, request_pk):
    made = _request_scope(request, code, request_pk)
    return errors_response(made, f"records-errors-{made.province.code}-{made.kind}-{made.pk}.csv")
