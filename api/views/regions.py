from typing import Any

from django.db.models import Manager, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from assessments.models import Region

from ..filters import RegionFilter
from ..schema import errors
from ..selectors import regions_visible
from ..serializers.common import RegionSerializer
from .base import ApiView

EXAMPLE = {"code": "330100", "name_zh": "杭州市", "name_en": "Hangzhou", "level": "prefecture",
           "level_label": "地级行政区", "parent": "330000"}


class RegionScoped(ApiView):
    queryset: QuerySet[Region] | Manager[Region] | None = Region.objects.none()
    serializer_class: type[BaseSerializer[Region]] | None = RegionSerializer

    def get_queryset(self) -> QuerySet[Region]:
        return regions_visible(self.request.user)


@extend_schema(tags=["regions"])
class RegionList(RegionScoped, generics.ListAPIView):
    filterset_class = RegionFilter

    @extend_schema(
        summary="List your regions",
        description="The regions you may see (GB/T 2260 codes): your province and its cities for a provincial "
                    "analyst, your city for a city role. `?parent=330000` lists the children of a region, "
                    "`?level=prefecture` one level of the tree.",
        responses={200: RegionSerializer(many=True), **errors(400, 403, 404)},
        examples=[OpenApiExample("A city", value=EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["regions"])
class RegionDetail(RegionScoped, generics.RetrieveAPIView):
    lookup_field = "code"

    @extend_schema(summary="Read a region", description="One of your regions, by its code.",
                   responses={200: RegionSerializer, **errors(403, 404)},
                   examples=[OpenApiExample("A city", value=EXAMPLE, response_only=True)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
