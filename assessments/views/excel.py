"""The Excel round trip: download a pre-filled template (one submission or a whole province), upload it back for
a dry run, apply it, download the row-level errors. The rules are in `assessments.services.imports`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from smartgov.limits import VALUES_WORKBOOK_MAX_BYTES, VALUES_WORKBOOK_MAX_ROWS

from ..excel.layout import CONTENT_TYPE
from ..excel.report import error_report_workbook
from ..excel.template import content_disposition, download_name, values_workbook
from ..models import Cycle, Region, RoleAssignment
from ..permissions import edit_access, roles_for_region
from ..services.imports import (
    ImportRefused,
    edit_refusal,
    import_apply,
    import_preview,
    import_scope_province,
    import_scope_submission,
    import_upload_discard,
    import_upload_load,
    import_upload_store,
)
from .access import visible_submission

Role = RoleAssignment.Role


@login_required
@require_GET
def submission_excel(request, pk):
    scope = import_scope_submission(visible_submission(request, pk))
    return _template(request, scope)


@login_required
@require_GET
def province_excel(request, cycle_pk, code):
    return _template(request, _province_scope(request, cycle_pk, code))


@login_required
def submission_import(request, pk):
    submission = visible_submission(request, pk)
    if not edit_access(request.user, submission).role:
        raise PermissionDenied
    scope = import_scope_submission(submission)
    return _import(request, scope, lock=edit_refusal(submission, request.user),
                   urls=_urls("submission", pk=pk), done=reverse("submission", args=[pk]))


@login_required
def province_import(request, cycle_pk, code):
    scope = _province_scope(request, cycle_pk, code)
    urls = _urls("province", cycle_pk=cycle_pk, code=code)
    return _import(request, scope, lock=None, urls=urls, done=urls["import"])


@login_required
@require_GET
def submission_import_errors(request, pk, token):
    return _errors(request, import_scope_submission(visible_submission(request, pk)), token)


@login_required
@require_GET
def province_import_errors(request, cycle_pk, code, token):
    return _errors(request, _province_scope(request, cycle_pk, code), token)


def _province_scope(request, cycle_pk, code):
    """The province's scope, for its analysts and platform administrators; a 404 for anyone else."""
    cycle = get_object_or_404(Cycle.objects.select_related("framework"), pk=cycle_pk)
    province = get_object_or_404(Region, code=code, level=Region.Level.PROVINCE)
    if not roles_for_region(request.user, province) & {Role.PROVINCE_ANALYST, Role.PLATFORM_ADMIN}:
        raise Http404
    return import_scope_province(cycle, province)


def _urls(kind, **kwargs):
    return {"kind": kind, "kwargs": kwargs, "template": reverse(f"{kind}-excel", kwargs=kwargs),
            "import": reverse(f"{kind}-import", kwargs=kwargs)}


def _template(request, scope):
    locked = {s.pk: reason for s in scope.submissions.values() if (reason := edit_refusal(s, request.user))}
    data = values_workbook(cycle=scope.cycle, submissions=list(scope.submissions.values()), kind=scope.kind,
                           region=scope.region, locked=locked)
    return _xlsx(data, *download_name(scope.region, scope.cycle))


def _xlsx(data, name, fallback):
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _import(request, scope, *, lock, urls, done):
    page = {"scope": scope, "lock": lock, "urls": urls}
    if request.method != "POST":
        return _render(request, page)
    if lock:
        return _render(request, page, error=lock, status=403)
    if request.POST.get("action") == "apply":
        return _apply(request, scope, page, done)
    upload = request.FILES.get("file")
    if upload is None:
        return _render(request, page, error=_("Choose an Excel file (.xlsx) to upload."), status=400)
    if upload.size > VALUES_WORKBOOK_MAX_BYTES:
        return _render(request, page, error=_("The file is larger than %(limit)d MB.")
                       % {"limit": VALUES_WORKBOOK_MAX_BYTES // (1024 * 1024)}, status=400)
    data = upload.read(VALUES_WORKBOOK_MAX_BYTES + 1)
    try:
        preview = import_preview(data=data, scope=scope, actor=request.user)
    except ImportRefused as refused:
        return _render(request, page, error=str(refused), status=400)
    token = import_upload_store(data=data, scope=scope, actor=request.user, name=upload.name)
    return _render(request, page, preview=preview, token=token)


def _apply(request, scope, page, done):
    token = request.POST.get("token", "")
    try:
        data, name = import_upload_load(token=token, scope=scope, actor=request.user)
        result = import_apply(data=data, scope=scope, actor=request.user, name=name,
                              fingerprint=request.POST.get("fingerprint", ""))
    except ImportRefused as refused:
        return _render(request, page, error=str(refused), preview=refused.preview,
                       token=token if refused.preview else None, status=409)
    import_upload_discard(token)
    if result.values:
        messages.success(request, _("%(values)d values imported from Excel into %(submissions)d submissions.")
                         % {"values": result.values, "submissions": result.submissions})
    else:
        messages.info(request, _("The file changes no value; nothing was imported."))
    return redirect(done)


def _errors(request, scope, token):
    try:
        data, _name = import_upload_load(token=token, scope=scope, actor=request.user)
        preview = import_preview(data=data, scope=scope, actor=request.user)
    except ImportRefused:
        raise Http404 from None
    title = _("Import errors")
    name, fallback = download_name(scope.region, scope.cycle, title=title)
    return _xlsx(error_report_workbook(preview.errors, title=title), name,
                 fallback.replace("smartgov_", "smartgov_errors_"))


def _render(request, page, *, preview=None, token=None, error=None, status=200):
    urls = page["urls"]
    context = {
        **page, "preview": preview, "token": token, "error": error,
        "errors_url": reverse(f"{urls['kind']}-import-errors", kwargs={**urls["kwargs"], "token": token})
        if token and preview and preview.errors else None,
        "max_megabytes": VALUES_WORKBOOK_MAX_BYTES // (1024 * 1024), "max_rows": VALUES_WORKBOOK_MAX_ROWS,
    }
    return render(request, "assessments/excel/import.html", context, status=status)
