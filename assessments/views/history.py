"""The history of a submission: every audited change, newest first, on a page and as an Excel file."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from ..history_export import (
    XLSX,
    attachment,
    history_events,
    history_filename,
    history_kind,
    history_kinds,
    history_rows,
    history_workbook,
)
from .access import visible_submission

PER_PAGE = 100


@login_required
def submission_history(request, pk):
    submission = visible_submission(request, pk)
    kind = history_kind(request.GET.get("kind"))
    page = Paginator(history_events(submission, kind), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "assessments/history.html", {
        "submission": submission, "page": page, "rows": history_rows(submission, page.object_list),
        "kind": kind, "kinds": history_kinds(),
    })


@login_required
def submission_history_excel(request, pk):
    submission = visible_submission(request, pk)
    rows = history_rows(submission, history_events(submission, history_kind(request.GET.get("kind"))))
    response = HttpResponse(history_workbook(submission, rows), content_type=XLSX)
    response["Content-Disposition"] = attachment(*history_filename(submission))
    return response
