from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from indicators.models import Framework
from indicators.selectors import framework_document

from ..filters import FrameworkFilter
from ..schema import errors
from ..selectors import frameworks_visible
from ..serializers.frameworks import FrameworkDocumentSerializer, FrameworkSummarySerializer
from .base import ApiView

SUMMARY_EXAMPLE = {"code": "smartgov-maturity", "version": 1, "name_zh": "智慧政府成熟度评估指标体系",
                   "name_en": "Smart Government Maturity Framework", "status": "published",
                   "aggregation": "arithmetic", "weighting": "expert", "published_at": "2026-01-15T10:00:00+08:00"}


@extend_schema(tags=["frameworks"])
class FrameworkList(ApiView, generics.ListAPIView):
    queryset = Framework.objects.none()
    serializer_class = FrameworkSummarySerializer
    filterset_class = FrameworkFilter

    def get_queryset(self) -> QuerySet[Framework]:
        return frameworks_visible(self.request.user)

    @extend_schema(
        summary="List assessment frameworks",
        description="The versioned frameworks (the method: dimensions, indicators, weights, maturity bands). "
                    "Published and retired ones; drafts only for platform administrators.",
        responses={200: FrameworkSummarySerializer(many=True), **errors(400, 403, 404)},
        examples=[OpenApiExample("A framework", value=SUMMARY_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["frameworks"])
class FrameworkDetail(ApiView, generics.GenericAPIView):
    queryset = Framework.objects.none()
    serializer_class = FrameworkDocumentSerializer

    @extend_schema(
        summary="Read a framework with its dimensions, indicators and bands",
        description="The framework in its file format (docs/framework-format.md): method, dimensions with their "
                    "indicators (definitions, units, direction, normalisation, weights, valid ranges), "
                    "cross-indicator rules and maturity bands, in Chinese and English.",
        responses={200: FrameworkDocumentSerializer, **errors(403, 404)},
        examples=[OpenApiExample("Excerpt", response_only=True, value={
            "format": "smartgov-framework/1", "code": "smartgov-maturity", "version": 1, "status": "published",
            "published_at": "2026-01-15T10:00:00+08:00", "name": {"zh": "智慧政府成熟度评估指标体系",
                                                                  "en": "Smart Government Maturity Framework"},
            "description": {"zh": "", "en": ""},
            "method": {"aggregation": "arithmetic", "weighting": "expert", "entropy_standardise": True,
                       "combine_alpha": 0.5, "min_share": 0.75, "anomaly_threshold": 0.5, "rank_decimals": None,
                       "dimension_pairwise": None, "geometric_floor": 1.0,
                       "outlier_rule": {"skew": 2.0, "kurtosis": 3.5}, "sensitivity": None},
            "dimensions": [], "rules": [],
            "bands": [{"level": 1, "min_score": 0, "label": {"zh": "起步级", "en": "Initial"},
                       "description": {"zh": "", "en": ""}}]})],
    )
    def get(self, request: Request, code: str, version: int) -> Response:
        framework = get_object_or_404(frameworks_visible(request.user), code=code, version=version)
        document = framework_document(framework)
        published = framework.published_at
        document.update(status=framework.status,
                        published_at=serializers.DateTimeField().to_representation(published) if published else None)
        return Response(document)
