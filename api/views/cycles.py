from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.models import Cycle

from ..filters import CycleFilter
from ..schema import errors
from ..selectors import cycles_all
from ..serializers.cycles import CycleSerializer
from .base import ApiView


@extend_schema(tags=["cycles"])
class CycleList(ApiView, generics.ListAPIView):
    queryset = Cycle.objects.none()
    serializer_class = CycleSerializer
    filterset_class = CycleFilter

    def get_queryset(self) -> QuerySet[Cycle]:
        return cycles_all()

    @extend_schema(
        summary="List assessment cycles",
        description="One cycle per framework and year: its entry window, status and the score run whose results "
                    "are published (`current_run`, `published_at`).",
        responses={200: CycleSerializer(many=True), **errors(400, 403, 404)},
        examples=[OpenApiExample("A cycle", response_only=True, value={
            "id": 3, "period": 2025, "framework": "smartgov-maturity", "framework_version": 1,
            "opens": "2025-09-01", "closes": "2025-11-30", "status": "closed", "status_label": "已关闭",
            "entry_open": False, "current_run": 17, "published_at": "2025-12-02T09:30:00+08:00"})],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
