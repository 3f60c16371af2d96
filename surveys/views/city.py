"""A city's satisfaction page: its estimates per indicator, the imports of good/bad ratings and 12345 figures
(checked or imported in the background: the upload stores the file and sends the user to the page of the request,
which follows its progress and shows its outcome — the rows checked, the rows imported, or the row errors, also as
CSV), and the aggregation of them into the city's submission."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Region, Submission
from assessments.services.imports import edit_refusal
from assessments.views.access import visible_submission
from smartgov.errors import DomainError
from smartgov.limits import SATISFACTION_FILE_MAX_BYTES

from .. import selectors
from ..models import SatisfactionImport, SatisfactionImportRequest
from ..selectors import may_manage
from ..services import (
    satisfaction_aggregate,
    satisfaction_import_apply,
    satisfaction_import_remove,
    satisfaction_import_request,
)
from ..tables import HOTLINE_COLUMNS, RATING_COLUMNS, template_csv
from .request_pages import csv_response, errors_response, request_context, status_response

COLUMNS = {SatisfactionImport.Kind.RATINGS: RATING_COLUMNS, SatisfactionImport.Kind.HOTLINE: HOTLINE_COLUMNS}


def _city_submission(request, pk) -> Submission:
    submission = visible_submission(request, pk)
    if submission.region.level != Region.Level.PREFECTURE:
        raise Http404
    return submission


@login_required
@require_GET
def satisfaction_city(request, pk):
    submission = _city_submission(request, pk)
    questionnaire = selectors.covering_questionnaire(submission.cycle, submission.region)
    values = {v.indicator.code: v for v in submission.values.select_related("indicator", "satisfaction_estimate")
              .filter(indicator__dimension__code=selectors.sources.DIMENSION)}
    manage = may_manage(request.user, submission.region)
    estimates = selectors.city_estimates(submission, questionnaire)
    for item in estimates:
        item.current = values.get(item.indicator.code)
    return render(request, "surveys/city.html", {
        "submission": submission, "questionnaire": questionnaire, "manage": manage, "estimates": estimates,
        "too_few": any(item.too_few for item in estimates),
        "overview": questionnaire and selectors.response_overview(questionnaire, submission.region),
        "comments": questionnaire and selectors.comments_page(questionnaire, submission.region,
                                                            request.GET.get("page")),
        "imports": selectors.imports_of(submission.region, submission.cycle),
        "import_requests": selectors.import_requests_of(submission) if manage else [],
        "lock": edit_refusal(submission, request.user) if manage else None,
        "min_responses": selectors.min_responses(), "kinds": SatisfactionImport.Kind,
    })


@login_required
@require_POST
def satisfaction_aggregate_view(request, pk):
    submission = _city_submission(request, pk)
    try:
        outcome = satisfaction_aggregate(submission=submission, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(count)d satisfaction values written into the submission.")
                         % {"count": len(outcome.changes)})
    return redirect("satisfaction-city", pk=pk)


def _import_scope(request, pk, kind):
    submission = _city_submission(request, pk)
    if kind not in SatisfactionImport.Kind.values:
        raise Http404
    if not may_manage(request.user, submission.region):
        raise PermissionDenied
    return submission


@login_required
def satisfaction_import_view(request, pk, kind):
    """The upload: the file is stored and checked or imported in the background; the answer is the page of that
    request."""
    submission = _import_scope(request, pk, kind)
    page = {"submission": submission, "kind": kind, "kind_label": SatisfactionImport.Kind(kind).label,
            "columns": COLUMNS[kind], "max_megabytes": SATISFACTION_FILE_MAX_BYTES // (1024 * 1024),
            "import_requests": selectors.import_requests_of(submission, kind=kind, limit=5)}
    if request.method != "POST":
        return render(request, "surveys/import.html", page)
    upload = request.FILES.get("file")
    if upload is None:
        return _import_page(request, page, _("Choose a CSV or Excel (.xlsx) file to upload."))
    if upload.size > SATISFACTION_FILE_MAX_BYTES:
        return _import_page(request, page, _("The file is larger than %(limit)d MB.")
                            % {"limit": page["max_megabytes"]})
    try:
        made = satisfaction_import_request(submission=submission, kind=kind,
                                           data=upload.read(SATISFACTION_FILE_MAX_BYTES + 1), name=upload.name,
                                           actor=request.user, dry_run=bool(request.POST.get("dry_run")))
    except DomainError as refused:
        return _import_page(request, page, str(refused), status=refused.status)
    return redirect("satisfaction-import-request", pk=pk, request_pk=made.pk)


def _import_page(request, page, error, status=400):
    return render(request, "surveys/import.html", {**page, "error": error}, status=status)


def _request_scope(request, pk, request_pk) -> SatisfactionImportRequest:
    """A request of the city's submission, for who may manage the city's satisfaction data (404 elsewhere)."""
    submission = _city_submission(request, pk)
    found = get_object_or_404(SatisfactionImportRequest.objects.select_related("requested_by", "batch"),
                              pk=request_pk, submission=submission)
    if not may_manage(request.user, submission.region):
        raise PermissionDenied
    found.submission = submission
    return found


@login_required
@require_GET
def satisfaction_import_request_view(request, pk, request_pk):
    made = _request_scope(request, pk, request_pk)
    return render(request, "surveys/import_request.html", {
        **request_context(made), "submission": made.submission, "kind_label": made.get_kind_display()})


@login_required
@require_GET
def satisfaction_import_request_status(request, pk, request_pk):
    return status_response(_request_scope(request, pk, request_pk))


@login_required
@require_POST
def satisfaction_import_request_apply(request, pk, request_pk):
    """Import the file of a successful dry run, without uploading it again."""
    checked = _request_scope(request, pk, request_pk)
    try:
        made = satisfaction_import_apply(checked=checked, actor=request.user)
    except DomainError as refused:
        messages.error(request, str(refused))
        return redirect("satisfaction-import-request", pk=pk, request_pk=checked.pk)
    return redirect("satisfaction-import-request", pk=pk, request_pk=made.pk)


@login_required
@require_GET
def satisfaction_import_request_errors(request, pk, request_pk):
    made = _request_scope(request, pk, request_pk)
    return errors_response(made, f"import-errors-{made.submission.region.code}-{made.kind}-{made.pk}.csv")


@login_required
@require_GET
def satisfaction_import_template(request, pk, kind):
    submission = _import_scope(request, pk, kind)
    return csv_response(template_csv(COLUMNS[kind], submission.cycle.period)[1:], f"{kind}-template.csv")


@login_required
@require_POST
def satisfaction_import_remove_view(request, pk, batch_pk):
    submission = _city_submission(request, pk)
    batch = get_object_or_404(SatisfactionImport, pk=batch_pk, region=submission.region, cycle=submission.cycle)
    try:
        satisfaction_import_remove(batch=batch, submission=submission, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(name)s” removed. Recompute the indicators to take it out of them.")
                         % {"name": batch.file_name})
    return redirect("satisfaction-city", pk=pk)
