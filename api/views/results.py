import hashlib
from collections.abc import Sequence
from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.models import Cycle, RegionScore, ScoreRun
from assessments.selectors import CycleResults, cycle_results
from smartgov.errors import NotFound

from ..filters import ResultFilter
from ..renderers import CSVRenderer
from ..schema import errors
from ..selectors import (
    band_labels,
    dimension_scores,
    former_names,
    indicator_scores,
    province_aggregates,
    regions_visible,
    results_visible,
)
from ..serializers.common import PeriodQuerySerializer, QueryInteger, region_code
from ..serializers.scores import AggregateSerializer, ResultDetailSerializer, ResultSerializer
from .base import ApiView, Conditional, published_cycle

PUBLISHED = {"provisional": False, "publication": {
    "version": 2, "published_at": "2026-01-20T10:00:00+08:00", "reason": "宁波市 RS03 数据更正（复核后）"},
    "participants": 11, "approved": 11}
RESULT_EXAMPLE = {
    "region": {"code": "330100", "name_zh": "杭州市", "name_en": "Hangzhou"}, "parent": "330000", "cycle": 2025,
    "run": 17, **PUBLISHED, "ranks_shown": True, "index": 78.4, "level": 4, "level_label": "优化级", "rank": 2,
    "parent_rank": 1, "group_ranks": {"fu-sheng-ji": 1}, "change": 3.1, "complete": True, "coverage": 1.0,
    "rank_interval": {"low": 1.0, "median": 2.0, "high": 4.0},
    "dimensions": {"RS": {"score": 81.2, "rank": 3}, "MP": {"score": 74.0, "rank": 5},
                   "SC": {"score": 80.3, "rank": 2}, "PS": {"score": 77.9, "rank": 4}}}
PROVISIONAL_EXAMPLE = {
    **RESULT_EXAMPLE, "cycle": 2026, "run": 23, "provisional": True, "publication": None, "participants": 11,
    "approved": 4, "ranks_shown": False, "rank": None, "parent_rank": None, "group_ranks": {"fu-sheng-ji": None},
    "rank_interval": {"low": None, "median": None, "high": None},
    "dimensions": {"RS": {"score": 80.5, "rank": None}, "MP": {"score": 73.1, "rank": None},
                   "SC": {"score": 81.0, "rank": None}, "PS": {"score": 77.2, "rank": None}}}
CONDITIONAL = [
    OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                     description="The ETag of your copy: 304 while it is current."),
    OpenApiParameter("If-Modified-Since", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                     description="An HTTP date: 304 unless the results shown changed after it."),
]
WHICH = ("Until the cycle's results are published they are **provisional** (`provisional`: true, `publication`: "
         "null) and may still change; once published, the latest version is served (`?version=<n>` an earlier "
         "one, 404 when there is none; a newer computation, after a correction, is not served until it is "
         "published as a revision). Every row carries the participation it rests on (`participants`, "
         "`approved`); below the cycle's minimum share of participants approved, `ranks_shown` is false and "
         "every rank is null: only scores are given. Without `cycle`, the latest cycle with published results "
         "(before any is published, the latest with provisional ones).")


class ResultQuerySerializer(PeriodQuerySerializer):
    """Which results: the cycle (`PeriodQuerySerializer`) and, once published, which version."""

    version = QueryInteger(
        min_value=1, max_value=32767, required=False,
        help_text="A published version of the cycle's results (1 = the first publication). Default: the latest; "
                  "before publication, the provisional results.")


class ShownConditional(Conditional):
    """`Conditional` of the results shown: the ETag changes with the published version (or with the
    participation, while provisional) as well as with the run; Last-Modified is the publication's time."""

    def __init__(self, request: Request, results: CycleResults, run: ScoreRun) -> None:
        super().__init__(request, run)
        publication = results.publication
        shown = (f"{self.etag}|{publication.pk if publication else 'provisional'}|{results.approved}/"
                 f"{results.participants}|{results.ranks_shown}")
        self.etag = f'"{hashlib.sha256(shown.encode()).hexdigest()[:32]}"'
        if publication is not None:
            self.last_modified = max(self.last_modified or 0, int(publication.published_at.timestamp()))
NOT_MODIFIED = OpenApiResponse(description="Not modified: your copy (ETag / date) is current. No body.")
CSV = OpenApiResponse(OpenApiTypes.STR, description="`?format=csv`: every matching row (not paginated), UTF-8 "
                                                    "with a byte-order mark; nested fields as `dimensions.RS.score`.")


class PublishedResults(ApiView, generics.GenericAPIView):
    """The results a cycle shows (`assessments.selectors.cycle_results`): its published version asked for, or
    before publication its latest computation, provisional."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    cycle: Cycle
    results: CycleResults
    run: ScoreRun

    def published(self, query: type[ResultQuerySerializer] = ResultQuerySerializer) -> ShownConditional:
        """Find the cycle and the results asked for (`self.cycle`, `self.results`, `self.run`) and answer with
        their conditional headers."""
        which = self.query(query)
        self.cycle = published_cycle(period=which.get("cycle"), framework=which.get("framework"))
        self.results = cycle_results(self.cycle, version=which.get("version"))
        if self.results.run is None:  # published_cycle found a computation
            raise NotFound(_("The %(period)s cycle has no results yet.") % {"period": self.cycle.period})
        self.run = self.results.run
        return ShownConditional(self.request, self.results, self.run)

    def context_of(self, **more: Any) -> dict[str, Any]:
        return {**self.get_serializer_context(), "cycle": self.cycle, "results": self.results, **more}

    def paginate_queryset(self, queryset: QuerySet[Any] | Sequence[Any]) -> list[Any] | None:
        if getattr(self.request, "accepted_renderer", None) and self.request.accepted_renderer.format == "csv":
            return None
        return super().paginate_queryset(queryset)


class ProvinceQuerySerializer(ResultQuerySerializer):
    province = region_code(required=False, help_text="Province code, e.g. 330000.")


@extend_schema(tags=["results"])
class ResultList(PublishedResults, generics.ListAPIView):
    queryset = RegionScore.objects.none()
    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    query_serializers = (ResultQuerySerializer,)
    csv_filename = "results"

    @extend_schema(
        summary="List results, provisional or published",
        description="One row per region in your regions, from the score run the cycle shows: index (0–100), "
                    "maturity level and its label, rank (all regions), rank within the province and within each "
                    "comparison group (`group_ranks`), change since the last cycle, the 5–95 % rank interval "
                    "under weight uncertainty, and each dimension's score and rank. " + WHICH + " Filter by "
                    "`province` and maturity `level`; order by `rank` (default; by region while ranks are not "
                    "shown), `index`, `change`, `parent_rank` or `region` (`-index` for descending). Answers "
                    "carry an ETag and Last-Modified: send them back as If-None-Match / If-Modified-Since to get "
                    "304 until the results shown change (a new computation, a publication, a revision). "
                    "`?format=csv` gives all rows as CSV.",
        parameters=[ResultQuerySerializer, *CONDITIONAL],
        responses={(200, "application/json"): ResultSerializer(many=True), (200, "text/csv"): CSV,
                   304: NOT_MODIFIED, **errors(400, 403, 404)},
        examples=[OpenApiExample("A region, published", value=RESULT_EXAMPLE, response_only=True),
                  OpenApiExample("A region, provisional, too few approved for ranks", value=PROVISIONAL_EXAMPLE,
                                 response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        conditional = self.published()
        if (response := conditional.not_modified()) is not None:
            return response
        return conditional.stamp(self.list(request))

    def get_queryset(self) -> QuerySet[RegionScore]:
        rows = results_visible(run=self.run, user=self.request.user)
        if not self.results.ranks_shown:
            return rows.order_by("region__code")
        return rows.order_by(F("rank").asc(nulls_last=True), "region__code")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(queryset) if page is None else page
        ids = [r.region_id for r in rows]
        context = self.context_of(bands=band_labels(self.cycle.framework), names=former_names(self.results, ids),
                                  dimensions=dimension_scores(run=self.run, region_ids=ids))
        data = ResultSerializer(rows, many=True, context=context).data
        return Response(data) if page is None else self.get_paginated_response(data)


@extend_schema(tags=["results"])
class ResultDetail(PublishedResults, generics.GenericAPIView):
    queryset = RegionScore.objects.none()
    serializer_class = ResultDetailSerializer
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(
        summary="Read one region's result with its indicators",
        description="As a row of the list (provisional or published: see `results/`), plus each indicator's "
                    "value, normalised score (0–100), effective weight, contribution to the index and to the "
                    "gap to the best region.",
        parameters=[ResultQuerySerializer, *CONDITIONAL],
        responses={200: ResultDetailSerializer, 304: NOT_MODIFIED, **errors(400, 403, 404)},
        examples=[OpenApiExample("A region", response_only=True, value={**RESULT_EXAMPLE, "indicators": [
            {"indicator": "RS01", "dimension": "RS", "name_zh": "政务数据共享率", "name_en": "Data sharing rate",
             "value": 85.5, "score": 85.5, "weight": 0.03, "contribution": 2.57, "gap": 0.4}]})],
    )
    def get(self, request: Request, region_code: str) -> HttpResponseBase:
        conditional = self.published()
        if (response := conditional.not_modified()) is not None:
            return response
        cycle, run = self.cycle, self.run
        region = get_object_or_404(regions_visible(request.user), code=region_code)
        score = results_visible(run=run, user=request.user).filter(region=region).first()
        if score is None:
            raise NotFound(_(
                "%(region)s has no result in the %(period)s cycle.") % {"region": region.name, "period": cycle.period})
        context = self.context_of(bands=band_labels(cycle.framework), names=former_names(self.results, [region.pk]),
                                  dimensions=dimension_scores(run=run, region_ids=[region.pk]),
                                  indicators=indicator_scores(run=run, region=region))
        return conditional.stamp(Response(ResultDetailSerializer(score, context=context).data))


@extend_schema(tags=["results"])
class AggregateList(PublishedResults, generics.GenericAPIView):
    queryset = RegionScore.objects.none()
    serializer_class = AggregateSerializer
    query_serializers = (ProvinceQuerySerializer,)
    lists = True  # no `ordering`: by province code
    csv_filename = "aggregates"

    @extend_schema(
        summary="Statistics per province",
        description="For each province whose results you may see (your province as its analyst; all for a "
                    "platform administrator), in the score run the cycle shows: count, mean, median, min, max and "
                    "population standard deviation of the index and of each dimension's score, and the number "
                    "of regions per maturity level; `provisional`, `publication`, `participants` and `approved` "
                    "as for results (`?version=<n>` an earlier published version). ETag / Last-Modified and 304 "
                    "as for results; `?format=csv` for CSV.",
        parameters=[ProvinceQuerySerializer, *CONDITIONAL],
        responses={(200, "application/json"): AggregateSerializer(many=True), (200, "text/csv"): CSV,
                   304: NOT_MODIFIED, **errors(400, 403, 404)},
        examples=[OpenApiExample("Zhejiang", response_only=True, value={
            **PUBLISHED, "province": {"code": "330000", "name_zh": "浙江省", "name_en": "Zhejiang"}, "cycle": 2025,
            "framework": "smartgov-maturity", "run": 17, "regions": 11,
            "index": {"count": 11, "mean": 68.2, "median": 67.5, "min": 55.1, "max": 82.0, "std": 7.9},
            "dimensions": {"RS": {"count": 11, "mean": 70.1, "median": 69.0, "min": 52.3, "max": 88.8,
                                  "std": 9.4}},
            "levels": {"1": 0, "2": 1, "3": 6, "4": 3, "5": 1}, "unrated": 0})],
    )
    def get(self, request: Request) -> HttpResponseBase:
        which = self.query(ProvinceQuerySerializer)
        conditional = self.published(ProvinceQuerySerializer)
        if (response := conditional.not_modified()) is not None:
            return response
        rows = province_aggregates(results=self.results, run=self.run, user=request.user,
                                   province=which.get("province"))
        page = self.paginate_queryset(rows)
        data = AggregateSerializer(rows if page is None else page, many=True, context=self.context_of()).data
        return conditional.stamp(Response(data) if page is None else self.get_paginated_response(data))
