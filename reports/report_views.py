"""PDF report pages: the user's reports (with live status), requests (a city, a province's batch, the national
batch), retries, the guarded download and a finished batch's ZIP.

Files live under MEDIA_ROOT, which nothing serves: the download view is the only way out, and only for users
who may see the report's region (anyone else gets a 404, as for a region they cannot see anywhere else).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Cycle, Region
from assessments.permissions import visible_regions
from smartgov.errors import PermissionRefused

from .archive import zip_stream
from .models import ACTIVE, LANGUAGE_CHOICES, Report, ReportBatch, safe_file_name
from .selectors import nation_region, scored_cycles
from .services import (
    ReportRefused,
    batch_request,
    may_report_nation,
    report_request,
    report_retry,
    reportable_provinces,
)

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
    reports = batch.reports.select_related("region__province", "cycle").order_by("region__code")
    return _render(request, reports=list(reports), batches=[_batch_row(batch)], batch=batch,
                   by_province=_by_province(batch) if batch.is_national else [])


def _by_province(batch):
    """A national batch's progress per province: (province name, done, total), in code order."""
    rows = {}
    name_field = "region__province__name_en" if _english() else "region__province__name_zh"
    reports = batch.reports.order_by("region__province__code").values_list("region__province__code", name_field,
                                                                            "status")
    for code, name, status in reports:
        row = rows.setdefault(code, {"name": name, "done": 0, "total": 0, "failed": 0})
        row["total"] += 1
        row["done"] += status not in ACTIVE
        row["failed"] += status == Report.Status.FAILED
    return list(rows.values())


def _english():
    return (get_language() or "").startswith("en")


def _render(request, **context):
    user = request.user
    context.update({
        "cycles": list(scored_cycles()),
        "cities": visible_regions(user).filter(level__in=[Region.Level.PREFECTURE, Region.Level.COUNTY])
        .select_related("province").order_by("code"),
        "provinces": reportable_provinces(user).order_by("code"),
        "national": may_report_nation(user),
        "nation": nation_region() if may_report_nation(user) else None,
        "languages": LANGUAGE_CHOICES,
        "language": "en" if _english() else "zh-hans",
        "statuses": Report.Status.choices,
        "file_days": settings.REPORT_FILE_DAYS,
        "poll": {"url": reverse("report-status"), "interval": POLL_MILLISECONDS, "download": _("Download"),
                 "pages": _("%(pages)s pages")},
    })
    return render(request, "reports/report_list.html", context)


def _batch_row(batch):
    counts = batch.counts()
    return {"batch": batch, "counts": counts, "status": ReportBatch.status_of(counts),
            "done": sum(n for status, n in counts.items() if status not in ACTIVE)}


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
def national_batch_request_view(request):
    """The reports of every scored city of every province (the national role only)."""
    cycle = get_object_or_404(Cycle, pk=request.POST.get("cycle") or 0)
    try:
        batch = batch_request(cycle=cycle, province=None, language=request.POST.get("language", "zh-hans"),
                              actor=request.user)
    except PermissionRefused:
        raise Http404 from None
    except ReportRefused as error:
        messages.error(request, str(error))
        return redirect("report-list")
    messages.success(request, _("%(count)s city reports of the whole nation (%(period)s) requested.")
                     % {"count": batch.total, "period": cycle.period})
    return redirect("report-batch", batch.pk)


@login_required
@require_GET
def batch_zip(request, pk):
    """A finished batch's reports as one ZIP, streamed: only the reports built and still stored, on regions the
    reader may see now, named by region name, code and language."""
    batch = get_object_or_404(ReportBatch.objects.select_related("province", "cycle"), pk=pk,
                              requested_by=request.user)
    if ReportBatch.status_of(batch.counts()) in ACTIVE:
        messages.error(request, _("The batch is still being built: its ZIP can be downloaded once it is finished."))
        return redirect("report-batch", batch.pk)
    reports = list(batch.reports.filter(status=Report.Status.SUCCEEDED,
                                        region__in=visible_regions(request.user))
                   .select_related("region").order_by("region__code"))
    if not reports:
        messages.error(request, _("This batch has no report left to download."))
        return redirect("report-batch", batch.pk)
    scope = batch.province.code if batch.province else "national"
    name = safe_file_name(f"{scope}-{batch.cycle.period}-{batch.language}-reports") + ".zip"
    response = StreamingHttpResponse(zip_stream(_stored(reports)), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _stored(reports):
    """(name in the ZIP, open file) of each report whose file is still there (one deleted meanwhile is left out),
    opened one at a time as the ZIP is written."""
    for report in reports:
        try:
            handle = report.file.open("rb")
        except (FileNotFoundError, ValueError):
            continue
        yield report.archive_name(), handle


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
