"""Evidence files of a submission: the list and upload page, removal, and the permission-checked download.

Files live under MEDIA_ROOT, which nothing serves; the download view is the only way out, and only for users
who may see the submission's region (anyone else gets a 404, as for the submission itself).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartgov.errors import DomainError

from ..evidence import ACCEPT_ATTRIBUTE, ACCEPTED_LABEL, max_megabytes
from ..models import Evidence
from ..permissions import edit_access
from ..selectors import submission_contents
from ..services import evidence_add, evidence_remove
from ..services.evidence import GENERAL
from .access import visible_submission


@login_required
def evidence_upload(request, pk):
    submission = visible_submission(request, pk)
    if request.method != "POST":
        return _render(request, submission, selected=request.GET.get("indicator", GENERAL))
    selected = request.POST.get("indicator", GENERAL)
    upload = request.FILES.get("file")
    if upload is None:
        return _render(request, submission, selected=selected, error=_("Choose a file to upload."), status=400)
    try:
        evidence = evidence_add(submission=submission, indicator_code=selected, upload=upload, actor=request.user)
    except DomainError as error:
        return _render(request, submission, selected=selected, error=str(error), status=error.status)
    messages.success(request, _("“%(name)s” added as evidence.") % {"name": evidence.original_name})
    return redirect(reverse("submission", args=[submission.pk]))


@login_required
@require_POST
def evidence_remove_view(request, pk):
    evidence = get_object_or_404(Evidence.objects.only("pk", "submission_id", "original_name"), pk=pk)
    submission = visible_submission(request, evidence.submission_id)
    try:
        evidence_remove(evidence=evidence, actor=request.user)
    except Evidence.DoesNotExist:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(name)s” removed.") % {"name": evidence.original_name})
    return redirect(reverse("evidence-upload", args=[submission.pk]))


@login_required
def evidence_download(request, pk):
    evidence = get_object_or_404(Evidence, pk=pk)
    visible_submission(request, evidence.submission_id)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _render(request, submission, *, selected, error=None, status=200):
    access = edit_access(request.user, submission)
    indicators = submission_contents(submission).indicators
    by_indicator = {}
    for item in submission.evidence.select_related("uploaded_by").order_by("uploaded_at", "pk"):
        by_indicator.setdefault(item.indicator_id, []).append(item)
    rows = [{"code": GENERAL, "label": _("The submission as a whole"), "evidence": by_indicator.get(None, []),
             "required": False}]
    rows += [{"code": i.code, "label": f"{i.code} {i.name}", "evidence": by_indicator.get(i.pk, []),
              "required": i.evidence_required} for i in indicators]
    if selected not in {row["code"] for row in rows}:
        selected = GENERAL
    context = {
        "submission": submission, "rows": rows, "selected": selected, "error": error,
        "editable": access.editable, "lock_reason": access.lock if access.role else None,
        "accept": ACCEPT_ATTRIBUTE, "accepted_label": ACCEPTED_LABEL, "max_mb": max_megabytes(),
    }
    return render(request, "assessments/evidence_upload.html", context, status=status)
