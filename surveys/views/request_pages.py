"""What the pages of the background imports share — of ratings and hotline figures (`city`) and of system records
(`records`): the request page's context, its status endpoint, its errors as CSV, and a CSV download."""

import csv
import io
from typing import Any

from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from smartgov.limits import IMPORT_UPLOAD_LIFETIME
from smartgov.workbooks import csv_rows

from .. import selectors
from ..services.request_jobs import ImportRequest

SHOWN_ERRORS = 200
POLL_MILLISECONDS = 2000


def request_context(made: ImportRequest) -> dict[str, Any]:
    """The request's row errors shown (those of a failed request), whether its dry run was applied or can be."""
    errors = made.row_errors[:SHOWN_ERRORS] if made.status == made.Status.FAILED else []
    return {
        "made": made,
        "errors": [dict(zip(("row", "column", "value", "reason"), e, strict=False)) for e in errors],
        "applied": getattr(made, "applied_by", None) if made.dry_run else None,
        "can_apply": made.dry_run and made.status == made.Status.SUCCEEDED and selectors.import_file_kept(made),
        "kept_hours": IMPORT_UPLOAD_LIFETIME // 3600, "poll_interval": POLL_MILLISECONDS,
    }


def status_response(made: ImportRequest) -> JsonResponse:
    response = JsonResponse(selectors.import_request_status(made))
    response["Cache-Control"] = "private, no-store"
    return response


def errors_response(made: ImportRequest, name: str) -> HttpResponse:
    """Every row error of the request, as CSV."""
    if not made.row_errors:
        raise Http404
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_("Row"), _("Column"), _("Value"), _("Reason")])
    writer.writerows(csv_rows(made.row_errors))
    return csv_response(buffer.getvalue(), name)


def csv_response(text: str, name: str) -> HttpResponse:
    response = HttpResponse(("\ufeff" + text).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
