"""Evidence files of a submission over the API: list, upload, download, remove.

Scoped as the submissions are (a submission outside the caller's regions is a 404); uploads and removals go
through `assessments.services.evidence` — the page's checks (type from the content, size limit, safe name), its
permissions and locks, its audit — and files are served by the page's download view, the one way out of storage.
"""

from typing import Any

from django.db.models import Manager, QuerySet
from django.http import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from assessments.evidence import ACCEPTED, EvidenceInvalid, max_megabytes
from assessments.models import Evidence, Submission
from assessments.selectors import submissions_visible
from assessments.services import evidence_add, evidence_remove
from assessments.views.evidence import evidence_download
from smartgov.errors import NotFound

from ..renderers import PDFRenderer
from ..schema import errors
from ..serializers.evidence import EvidenceInSerializer, EvidenceSerializer
from .base import ApiView

EVIDENCE_EXAMPLE = {
    "id": 311, "indicator": "RS05", "file_name": "电子证照免提交统计.pdf", "content_type": "application/pdf",
    "size": 183204, "sha256": "9f2c1e0b7d8a4c3e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a",
    "uploaded_by": "王芳", "uploaded_at": "2026-09-21T15:04:00+08:00",
    "download": "/api/v1/submissions/42/evidence/311/download/"}
LOCKED_EXAMPLE = OpenApiExample("Locked", response_only=True, status_codes=[409], value={
    "code": "locked", "message": "Submitted for the city reviewer's sign-off: the values are locked until the "
                                 "reviewer sends it back.", "fields": {}})


class FileRenderer(PDFRenderer):
    """Lets a client ask for the file's own type (`Accept: application/pdf`, `image/*`): the download answers
    the file itself, never through a renderer; errors stay JSON (`ApiView.finalize_response`)."""

    media_type = "*/*"
    format = "file"


class EvidenceScoped(ApiView):
    queryset: QuerySet[Evidence] | Manager[Evidence] | None = Evidence.objects.none()
    serializer_class: type[BaseSerializer[Evidence]] | None = EvidenceSerializer

    def submission(self) -> Submission:
        """The submission of the path if it is in the caller's regions; a 404 otherwise."""
        return get_object_or_404(submissions_visible(self.request.user), pk=self.kwargs["pk"])

    def get_queryset(self) -> QuerySet[Evidence]:
        return (self.submission().evidence.select_related("indicator", "uploaded_by")
                .order_by("uploaded_at", "pk"))

    def evidence(self) -> Evidence:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["evidence_id"])


@extend_schema(tags=["evidence"])
class EvidenceList(EvidenceScoped, generics.ListAPIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="List a submission's evidence files",
        description="The files attached to a submission in your regions, oldest first: on one indicator "
                    "(`indicator`, its code) or on the submission as a whole (`indicator` null), with their "
                    "checked type, size and SHA-256, who uploaded them and when, and where to download them.",
        responses={200: EvidenceSerializer(many=True), **errors(400, 403, 404)},
        examples=[OpenApiExample("A file", value=EVIDENCE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Upload an evidence file",
        description="Multipart form data: `file` and, optionally, `indicator` (a code; omitted, empty or "
                    "`general`: the submission as a whole). The checks are the web page's: the type is read from "
                    "the content (PDF, JPG, PNG, XLSX — an executable renamed `.pdf` is refused), the size is "
                    f"at most {max_megabytes()} MB on this server, the name is reduced to a safe base name, "
                    "and the same file cannot be attached twice to the same indicator; a refused file is 400 "
                    "`file_refused` with the reason, and nothing is stored. Evidence can be added while the values "
                    "can be changed (a draft or returned submission, the cycle open; otherwise 409 `locked` with "
                    "the reason), by those who may enter the values (otherwise 403). An indicator marked "
                    "“evidence required” needs a file before the submission can be submitted.",
        request={"multipart/form-data": EvidenceInSerializer},
        responses={201: EvidenceSerializer, **errors(400, 403, 404, 409)},
        examples=[
            OpenApiExample("Stored", response_only=True, status_codes=[201], value=EVIDENCE_EXAMPLE),
            OpenApiExample("Refused file", response_only=True, status_codes=[400], value={
                "code": "file_refused",
                "message": "“report.pdf” is refused: its content is not one of the accepted types (PDF, JPG, PNG, "
                           "XLSX). The type is read from the file itself, not from its name.",
                "fields": {"file": ["“report.pdf” is refused: its content is not one of the accepted types (PDF, "
                                    "JPG, PNG, XLSX). The type is read from the file itself, not from its name."]}}),
            LOCKED_EXAMPLE,
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        submission = self.submission()
        serializer = EvidenceInSerializer(data=request.data, context={"submission": submission})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            evidence = evidence_add(submission=submission, indicator_code=data["indicator"], upload=data["file"],
                                    actor=request.user)
        except EvidenceInvalid as error:
            error.fields = error.fields or {"file": [str(error)]}
            raise
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["evidence"])
class EvidenceDetail(EvidenceScoped, APIView):
    @extend_schema(
        summary="Remove an evidence file",
        description="Removes the file from the submission (and from storage once done), audited. As for an "
                    "upload: while the values can be changed (409 `locked` otherwise), by those who may enter "
                    "them (403 otherwise).",
        responses={204: OpenApiResponse(description="Removed."), **errors(403, 404, 409)},
        examples=[LOCKED_EXAMPLE],
    )
    def delete(self, request: Request, pk: int, evidence_id: int) -> Response:
        try:
            evidence_remove(evidence=self.evidence(), actor=request.user)
        except Evidence.DoesNotExist:  # removed by someone else in the meantime
            raise NotFound(_("Not found, or not in your regions.")) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["evidence"])
class EvidenceDownload(EvidenceScoped, APIView):
    renderer_classes = [JSONRenderer, FileRenderer]

    @extend_schema(
        summary="Download an evidence file",
        description="The file itself, as an attachment with its original name (`Content-Disposition`), its checked "
                    "type (`Content-Type`, with `X-Content-Type-Options: nosniff`) and `Cache-Control: private, "
                    "no-store`.",
        responses={**{(200, kind.content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
                      for kind in ACCEPTED},
                   **errors(403, 404)},
    )
    def get(self, request: Request, pk: int, evidence_id: int) -> HttpResponseBase:
        """The file of this submission, served by the one download the pages use too (same checks, same
        headers); a file missing from storage is a 404."""
        response: HttpResponseBase = evidence_download(request._request, self.evidence().pk)
        return response
