from collections.abc import Sequence
from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.models import Cycle, RegionScore
from smartgov.errors import NotFound

from ..filters import ResultFilter
from ..renderers import CSVRenderer
from ..schema import errors
from ..selectors import (
    band_labels,
    dimension_scores,
    indicator_scores,
    province_aggregates,
    regions_visible,
    results_visible,
)
from ..serializers.common import PeriodQuerySerializer
from ..serializers.scores import AggregateSerializer, ResultDetailSerializer, ResultSerializer
from .base import ApiView, Conditional, published_cycle

RESULT_EXAMPLE = {
    "region": {"code": "330100", "name_zh": "杭州市", "name_en": "Hangzhou"}, "parent": "330000", "cycle": 2025,
    "run": 17, "index": 78.4, "level": 4, "level_label": "优化级", "rank": 2, "parent_rank": 1, "change": 3.1,
    "complete": True, "coverage": 1.0, "rank_interval": {"low": 1.0, "median": 2.0, "high": 4.0},
    "dimensions": {"RS": {"score": 81.2, "rank": 3}, "MP": {"score": 74.0, "rank": 5},
                   "SC": {"score": 80.3, "rank": 2}, "PS": {"score": 77.9, "rank": 4}}}
CONDITIONAL = [
    OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                     description="The ETag of your copy: 304 while it is current."),
    OpenApiParameter("If-Modified-Since", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                     description="An HTTP date: 304 unless results were published after it."),
]
NOT_MODIFIED = OpenApiResponse(description="Not modified: your copy (ETag / date) is current. No body.")
CSV = OpenApiResponse(OpenApiTypes.STR, description="`?format=csv`: every matching row (not paginated), UTF-8 "
                                                    "with a byte-order mark; nested fields as `dimensions.RS.score`.")


class PublishedResults(ApiView, generics.GenericAPIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def published(self) -> Cycle:
        which = self.query(PeriodQuerySerializer)
        self.cycle = published_cycle(period=which.get("cycle"), framework=which.get("framework"))
        return self.cycle

    def paginate_queryset(self, queryset: QuerySet[Any] | Sequence[Any]) -> list[Any] | None:
        if getattr(self.request, "accepted_renderer", None) and self.request.accepted_renderer.format == "csv":
            return None
        return super().paginate_queryset(queryset)


class ProvinceQuerySerializer(PeriodQuerySerializer):
    province = serializers.CharField(max_length=6, required=False, help_text="Province code, e.g. 330000.")


@extend_schema(tags=["results"])
class ResultList(PublishedResults, generics.ListAPIView):
    queryset = RegionScore.objects.none()
    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    csv_filename = "results"

    @extend_schema(
        summary="List published results",
        description="One row per region in your regions, from the cycle's published score run: index (0–100), "
                    "maturity level and its label, rank (all regions) and rank within the province, change "
                    "since the last cycle, the 5–95 % rank interval under weight uncertainty, and each "
                    "dimension's score and rank. Filter by `province` and maturity `level`; order by `rank`, "
                    "`index`, `change`, `parent_rank` or `region` (`-index` for descending). Answers carry an "
                    "ETag and Last-Modified: send them back as If-None-Match / If-Modified-Since to get 304 "
                    "until new results are published. `?format=csv` gives all rows as CSV.",
        parameters=[PeriodQuerySerializer, *CONDITIONAL],
        responses={(200, "application/json"): ResultSerializer(many=True), (200, "text/csv"): CSV,
                   304: NOT_MODIFIED, **errors(400, 403, 404)},
        examples=[OpenApiExample("A region", value=RESULT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        conditional = Conditional(request, self.published().current_run)
        if (response := conditional.not_modified()) is not None:
            return response
        return conditional.stamp(self.list(request))

    def get_queryset(self) -> QuerySet[RegionScore]:
        return (results_visible(run=self.cycle.current_run, user=self.request.user)
                .order_by(F("rank").asc(nulls_last=True), "region__code"))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(queryset) if page is None else page
        context = {**self.get_serializer_context(), "cycle": self.cycle,
                   "bands": band_labels(self.cycle.framework),
                   "dimensions": dimension_scores(run=self.cycle.current_run, region_ids=[r.region_id for r in rows])}
        data = ResultSerializer(rows, many=True, context=context).data
        return Response(data) if page is None else self.get_paginated_response(data)


@extend_schema(tags=["results"])
class ResultDetail(PublishedResults, generics.GenericAPIView):
    queryset = RegionScore.objects.none()
    serializer_class = ResultDetailSerializer
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(
        summary="Read one region's published result with its indicators",
        description="As a row of the list, plus each indicator's value, normalised score (0–100), effective "
                    "weight, contribution to the index and to the gap to the best region.",
        parameters=[PeriodQuerySerializer, *CONDITIONAL],
        responses={200: ResultDetailSerializer, 304: NOT_MODIFIED, **errors(400, 403, 404)},
        examples=[OpenApiExample("A region", response_only=True, value={**RESULT_EXAMPLE, "indicators": [
            {"indicator": "RS01", "dimension": "RS", "name_zh": "政务数据共享率", "name_en": "Data sharing rate",
             "value": 85.5, "score": 85.5, "weight": 0.03, "contribution": 2.57, "gap": 0.4}]})],
    )
    def get(self, request: Request, region_code: str) -> HttpResponseBase:
        cycle = self.published()
        conditional = Conditional(request, cycle.current_run)
        if (response := conditional.not_modified()) is not None:
            return response
        region = get_object_or_404(regions_visible(request.user), code=region_code)
        score = results_visible(run=cycle.current_run, user=request.user).filter(region=region).first()
        if score is None:
            raise NotFound(_(
                "%(region)s has no result in the %(period)s cycle.") % {"region": region.name, "period": cycle.period})
        context = {**self.get_serializer_context(), "cycle": cycle, "bands": band_labels(cycle.framework),
                   "dimensions": dimension_scores(run=cycle.current_run, region_ids=[region.pk]),
                   "indicators": indicator_scores(run=cycle.current_run, region=region)}
        return conditional.stamp(Response(ResultDetailSerializer(score, context=context).data))


@extend_schema(tags=["results"])
class AggregateList(PublishedResults, generics.GenericAPIView):
    queryset = RegionScore.objects.none()
    serializer_class = AggregateSerializer
    csv_filename = "aggregates"

    @extend_schema(
        summary="Statistics per province",
        description="For each province whose results you may see (your province as its analyst; all for a "
                    "platform administrator), in the cycle's published run: count, mean, median, min, max and "
                    "population standard deviation of the index and of each dimension's score, and the number "
                    "of regions per maturity level. ETag / Last-Modified and 304 as for results; "
                    "`?format=csv` for CSV.",
        parameters=[ProvinceQuerySerializer, *CONDITIONAL],
        responses={(200, "application/json"): AggregateSerializer(many=True), (200, "text/csv"): CSV,
                   304: NOT_MODIFIED, **errors(400, 403, 404)},
        examples=[OpenApiExample("Zhejiang", response_only=True, value={
            "province": {"code": "330000", "name_zh": "浙江省", "name_en": "Zhejiang"}, "cycle": 2025,
            "framework": "smartgov-maturity", "run": 17, "regions": 11,
            "index": {"count": 11, "mean": 68.2, "median": 67.5, "min": 55.1, "max": 82.0, "std": 7.9},
            "dimensions": {"RS": {"count": 11, "mean": 70.1, "median": 69.0, "min": 52.3, "max": 88.8,
                                  "std": 9.4}},
            "levels": {"1": 0, "2": 1, "3": 6, "4": 3, "5": 1}, "unrated": 0})],
    )
    def get(self, request: Request) -> HttpResponseBase:
        which = self.query(ProvinceQuerySerializer)
        cycle = self.published()
        conditional = Conditional(request, cycle.current_run)
        if (response := conditional.not_modified()) is not None:
            return response
        rows = province_aggregates(cycle=cycle, user=request.user, province=which.get("province"))
        page = self.paginate_queryset(rows)
        data = AggregateSerializer(rows if page is None else page, many=True).data
        return conditional.stamp(Response(data) if page is None else self.get_paginated_response(data))
