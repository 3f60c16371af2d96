"""PDF reports over the API: request one, poll it, download it (reports.services does the work)."""

from typing import Any

from django.db.models import Manager, QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from assessments.permissions import visible_regions
from audit.services import Actor
from reports.models import Report
from reports.services import report_request
from smartgov.errors import DomainError, ErrorCode, NotFound

from ..renderers import PDFRenderer
from ..schema import errors
from ..selectors import cycle_find, regions_visible
from ..serializers.reports import ReportInSerializer, ReportSerializer
from .base import ApiView

REPORT_EXAMPLE = {
    "id": 8, "kind": "city", "region": {"code": "330100", "name_zh": "杭州市", "name_en": "Hangzhou"},
    "cycle": 2025, "framework": "smartgov-maturity", "language": "zh-hans", "status": "succeeded",
    "status_label": "已完成", "progress": 100, "stage": "", "error": "", "run": 17, "pages": 6, "size": 412345,
    "requested_at": "2025-12-02T10:00:00+08:00", "started_at": "2025-12-02T10:00:01+08:00",
    "finished_at": "2025-12-02T10:00:09+08:00", "download": "/api/v1/reports/8/download/"}


def reports_visible(user: Actor) -> QuerySet[Report]:
    return (Report.objects.filter(region__in=visible_regions(user), batch__isnull=True)
            .select_related("region", "cycle__framework").order_by("-requested_at", "-id"))


class ReportScoped(ApiView):
    queryset: QuerySet[Report] | Manager[Report] | None = Report.objects.none()
    serializer_class: type[BaseSerializer[Report]] | None = ReportSerializer

    def get_queryset(self) -> QuerySet[Report]:
        return reports_visible(self.request.user)


@extend_schema(tags=["reports"])
class ReportList(ReportScoped, generics.ListAPIView):
    filterset_fields = ["status", "language", "kind"]

    @extend_schema(summary="List PDF reports of your regions",
                   description="Reports requested on your regions (not those of province-wide batches), newest "
                               "first, with their status and progress.",
                   responses={200: ReportSerializer(many=True), **errors(400, 403, 404)},
                   examples=[OpenApiExample("A report", value=REPORT_EXAMPLE, response_only=True)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Request a PDF report",
        description="Queues the PDF report of a city (or the summary of a province) on the cycle's published "
                    "results, in Chinese or English. The same request while one is being built, or after one was "
                    "built on the current results, returns that report. Poll `reports/{id}/`; download from "
                    "`reports/{id}/download/` once it succeeded.",
        request=ReportInSerializer,
        responses={202: ReportSerializer, **errors(400, 403, 404, 409)},
        examples=[OpenApiExample("Hangzhou 2025", request_only=True,
                                 value={"cycle": 2025, "region": "330100", "language": "zh-hans"}),
                  OpenApiExample("Queued", response_only=True, status_codes=[202], value={
                      **REPORT_EXAMPLE, "status": "queued", "status_label": "排队中", "progress": 0, "pages": None,
                      "size": None, "started_at": None, "finished_at": None, "download": None})],
    )
    def post(self, request: Request) -> Response:
        data = self.body(ReportInSerializer)
        region = get_object_or_404(regions_visible(request.user), code=data["region"])
        cycle = cycle_find(period=data["cycle"], framework=data.get("framework"))
        if cycle is None:
            raise NotFound(_("There is no cycle of %(period)s.") % {"period": data["cycle"]})
        report = report_request(cycle=cycle, region=region, language=data["language"], actor=request.user)
        report = get_object_or_404(reports_visible(request.user), pk=report.pk)
        return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["reports"])
class ReportDetail(ReportScoped, generics.RetrieveAPIView):
    @extend_schema(summary="Read a report's status", description="Its status, progress (0–100) and, once it "
                                                                 "succeeded, where to download it.",
                   responses={200: ReportSerializer, **errors(403, 404)},
                   examples=[OpenApiExample("A report", value=REPORT_EXAMPLE, response_only=True)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["reports"])
class ReportDownload(ReportScoped, APIView):
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(summary="Download a report's PDF",
                   description="The PDF of a report that succeeded (409 `not_ready` before).",
                   responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
                              **errors(403, 404, 409)})
    def get(self, request: Request, pk: int) -> FileResponse:
        report = get_object_or_404(self.get_queryset(), pk=pk)
        if report.status != Report.Status.SUCCEEDED:
            raise DomainError(_("The report is not ready: %(status)s.") % {"status": report.get_status_display()},
                              code=ErrorCode.NOT_READY)
        try:
            handle = report.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise NotFound(_("The report's file is missing.")) from None
        response = FileResponse(handle, as_attachment=True, filename=report.filename(),
                                content_type="application/pdf")
        response["Cache-Control"] = "private, no-store"
        return response
