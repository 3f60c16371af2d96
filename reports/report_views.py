"""PDF report pages: the user's reports (with live status), requests, retries and the guarded download.

Files live under MEDIA_ROOT, which nothing serves: the download view is the only way out, and only for users
who may see the report's region (anyone else gets a 404, as for a region they cannot see anywhere else).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Cycle, Region
from assessments.permissions import visible_regions
from smartgov.errors import PermissionRefused

from .models import ACTIVE, LANGUAGE_CHOICES, Report, ReportBatch
from .selectors import scored_cycles
from .services import ReportRefused, batch_request, report_request, report_retry, reportable_provinces

LIST_LIMIT = 50
POLL_MILLISECONDS = 2000


@login_required
@require_GET
def report_list(request):
    reports = (Report.objects.filter(requested_by=request.user, batch__isnull=True)
               .select_related("region", "cycle")[:LIST_LIMIT])
    batches = ReportBatch.objects.filter(requested_by=request.user).select_related("province", "cycle")[:20]
    return _render(request, reports=list(reports), batches=[_batch_row(b) for b in batches])


@login_required
@require_GET
def batch_detail(request, pk):
    batch = get_object_or_404(ReportBatch.objects.select_related("province", "cycle"), pk=pk,
                              requested_by=request.user)
    reports = batch.reports.select_related("region", "cycle").order_by("region__code")
    return _render(request, reports=list(reports), batches=[_batch_row(batch)], batch=batch)


def _render(request, **context):
    user = request.user
    context.update({
        "cycles": list(scored_cycles()),
        "cities": visible_regions(user).filter(level__in=[Region.Level.PREFECTURE, Region.Level.COUNTY])
        .select_related("province").order_by("code"),
        "provinces": reportable_provinces(user).order_by("code"),
        "languages": LANGUAGE_CHOICES,
        "language": "en" if (get_language() or "").startswith("en") else "zh-hans",
        "statuses": Report.Status.choices,
        "poll": {"url": reverse("report-status"), "interval": POLL_MILLISECONDS, "download": _("Download"),
                 "pages": _("%(pages)s pages")},
    })
    return render(request, "reports/report_list.html", context)


def _batch_row(batch):
    counts = batch.counts()
    return {"batch": batch, "counts": counts, "status": ReportBatch.status_of(counts),
            "done": counts[Report.Status.SUCCEEDED] + counts[Report.Status.FAILED]}


def _requested(request):
    """The cycle and region named in the form; a 404 for anything the user may not see."""
    cycle = get_object_or_404(Cycle, pk=request.POST.get("cycle") or 0)
    region = get_object_or_404(Region, code=request.POST.get("region", ""))
    if not visible_regions(request.user).filter(pk=region.pk).exists():
        raise Http404
    return cycle, region, request.POST.get("language", "zh-hans")


@login_required
@require_POST
def report_request_view(request):
    cycle, region, language = _requested(request)
    try:
        report = report_request(cycle=cycle, region=region, language=language, actor=request.user)
    except PermissionRefused:
        raise Http404 from None
    except ReportRefused as error:
        messages.error(request, str(error))
        return redirect("report-list")
    report.refresh_from_db(fields=["status"])  # built already when tasks run in-process
    messages.success(request, _("The report on %(region)s (%(period)s) is %(status)s.")
                     % {"region": region.name, "period": cycle.period, "status": report.get_status_display()})
    return redirect("report-list")


@login_required
@require_POST
def batch_request_view(request):
    cycle, province, language = _requested(request)
    try:
        batch = batch_request(cycle=cycle, province=province, language=language, actor=request.user)
    except PermissionRefused:
        raise Http404 from None
    except ReportRefused as error:
        messages.error(request, str(error))
        return redirect("report-list")
    messages.success(request, _("%(count)s city reports of %(province)s (%(period)s) requested.")
                     % {"count": batch.total, "province": province.name, "period": cycle.period})
    return redirect("report-batch", batch.pk)


@login_required
@require_POST
def report_retry_view(request, pk):
    report = get_object_or_404(Report, pk=pk, requested_by=request.user)
    report_retry(report=report, actor=request.user)
    return redirect(reverse("report-batch", args=[report.batch_id]) if report.batch_id else "report-list")


@login_required
@require_GET
def report_status(request):
    """The status of the user's reports and batches named in `?reports=1,2&batches=3`, for the list's polling."""
    report_ids, batch_ids = _ids(request.GET.get("reports")), _ids(request.GET.get("batches"))
    reports = Report.objects.filter(requested_by=request.user, pk__in=report_ids)
    batches = ReportBatch.objects.filter(requested_by=request.user, pk__in=batch_ids)
    rows = [_report_json(r) for r in reports]
    batch_rows = [_batch_json(_batch_row(b)) for b in batches]
    active = any(r["status"] in ACTIVE for r in rows) or any(b["status"] in ACTIVE for b in batch_rows)
    response = JsonResponse({"reports": rows, "batches": batch_rows, "active": active})
    response["Cache-Control"] = "no-store"
    return response


def _ids(text):
    return [int(part) for part in (text or "").split(",")[:500] if part.strip().isdigit()]


def _report_json(report):
    succeeded = report.status == Report.Status.SUCCEEDED
    return {"id": report.pk, "status": report.status, "status_label": str(report.get_status_display()),
            "progress": report.progress, "error": report.error, "pages": report.pages,
            "size": report.size, "size_label": filesizeformat(report.size) if report.size else "",
            "download_url": reverse("report-download", args=[report.pk]) if succeeded else None}


def _batch_json(row):
    status = row["status"]
    return {"id": row["batch"].pk, "status": status, "status_label": str(Report.Status(status).label),
            "total": row["batch"].total, "done": row["done"], "counts": row["counts"]}


@login_required
def report_download(request, pk):
    report = get_object_or_404(Report.objects.select_related("region", "cycle"), pk=pk,
                               status=Report.Status.SUCCEEDED)
    if not visible_regions(request.user).filter(pk=report.region_id).exists():
        raise Http404
    try:
        handle = report.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=report.filename(), content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
