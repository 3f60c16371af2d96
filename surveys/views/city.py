"""A city's satisfaction page: its estimates per indicator, the imports of good/bad ratings and 12345 figures
(with a dry run and the row errors as CSV), and the aggregation of them into the city's submission."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Region, Submission
from assessments.services.imports import edit_refusal
from assessments.views.access import visible_submission
from smartgov.errors import DomainError
from smartgov.limits import SATISFACTION_FILE_MAX_BYTES
from smartgov.workbooks import csv_rows

from .. import selectors
from ..models import SatisfactionImport
from ..selectors import may_manage
from ..services import (
    ImportRejected,
    satisfaction_aggregate,
    satisfaction_import,
    satisfaction_import_remove,
)
from ..tables import HOTLINE_COLUMNS, RATING_COLUMNS, template_csv

COLUMNS = {SatisfactionImport.Kind.RATINGS: RATING_COLUMNS, SatisfactionImport.Kind.HOTLINE: HOTLINE_COLUMNS}
SHOWN_ERRORS = 200
KEPT_ERRORS = 5000


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
    submission = _import_scope(request, pk, kind)
    page = {"submission": submission, "kind": kind, "kind_label": SatisfactionImport.Kind(kind).label,
            "columns": COLUMNS[kind], "max_megabytes": SATISFACTION_FILE_MAX_BYTES // (1024 * 1024)}
    if request.method != "POST":
        return render(request, "surveys/import.html", page)
    upload = request.FILES.get("file")
    if upload is None:
        return _import_page(request, page, _("Choose a CSV or Excel (.xlsx) file to upload."))
    if upload.size > SATISFACTION_FILE_MAX_BYTES:
        return _import_page(request, page, _("The file is larger than %(limit)d MB.")
                            % {"limit": page["max_megabytes"]})
    dry_run = bool(request.POST.get("dry_run"))
    try:
        outcome = satisfaction_import(submission=submission, kind=kind,
                                      data=upload.read(SATISFACTION_FILE_MAX_BYTES + 1), name=upload.name,
                                      actor=request.user, dry_run=dry_run)
    except ImportRejected as rejected:
        request.session[_errors_key(submission, kind)] = [
            [e.row, e.column, e.value, e.reason] for e in rejected.errors[:KEPT_ERRORS]]
        return _import_page(request, page, str(rejected), rejected.errors)
    if dry_run:
        return render(request, "surveys/import.html", {**page, "checked": outcome.rows})
    messages.success(request, _("%(rows)d rows imported from “%(name)s”. Recompute the indicators to use them.")
                     % {"rows": outcome.rows, "name": upload.name})
    return redirect("satisfaction-city", pk=pk)


def _import_page(request, page, error, errors=()):
    return render(request, "surveys/import.html", {
        **page, "error": error, "errors": errors[:SHOWN_ERRORS], "error_count": len(errors),
    }, status=400)


def _errors_key(submission, kind):
    return f"satisfaction-import-errors:{submission.pk}:{kind}"


@login_required
@require_GET
def satisfaction_import_errors(request, pk, kind):
    submission = _import_scope(request, pk, kind)
    rows = request.session.get(_errors_key(submission, kind))
    if not rows:
        raise Http404
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_("Row"), _("Column"), _("Value"), _("Reason")])
    writer.writerows(csv_rows(rows))
    return _csv(buffer.getvalue(), f"import-errors-{submission.region.code}-{kind}.csv")


@login_required
@require_GET
def satisfaction_import_template(request, pk, kind):
    submission = _import_scope(request, pk, kind)
    return _csv(template_csv(COLUMNS[kind], submission.cycle.period)[1:], f"{kind}-template.csv")


def _csv(text, name):
    response = HttpResponse(("\ufeff" + text).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


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
