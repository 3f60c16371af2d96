from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.models import Cycle, Publication
from smartgov.errors import NotFound

from ..filters import CycleFilter
from ..schema import errors
from ..selectors import cycle_find, cycles_all, publications_of, with_versions_and_groups
from ..serializers.common import PERIOD_MAX, PERIOD_MIN, framework_code
from ..serializers.cycles import CycleSerializer
from ..serializers.scores import PublicationSerializer
from .base import ApiView

PUBLICATION_EXAMPLE = {"version": 2, "published_at": "2026-01-20T10:00:00+08:00",
                       "reason": "宁波市 RS03 数据更正（复核后）"}
GROUP_EXAMPLE = {"code": "fu-sheng-ji", "name_zh": "副省级城市", "name_en": "Sub-provincial cities",
                 "members": ["330100", "330200"]}


class FrameworkQuerySerializer(serializers.Serializer):
    framework = framework_code(required=False, help_text="Framework code. Default: smartgov-maturity when it has a "
                                                         "cycle that year, else the latest version of any.")


@extend_schema(tags=["cycles"])
class CycleList(ApiView, generics.ListAPIView):
    queryset = Cycle.objects.none()
    serializer_class = CycleSerializer
    filterset_class = CycleFilter

    def get_queryset(self) -> QuerySet[Cycle]:
        return with_versions_and_groups(cycles_all())

    @extend_schema(
        summary="List assessment cycles",
        description="One cycle per framework and year: its entry window, status, the least share of participants "
                    "approved for ranks (`min_participation`), its four-eyes rule (`separation_of_duties`), its "
                    "latest computation (`current_run`, provisional "
                    "until published), its latest published version (`publication`, `published_run`, "
                    "`published_at`; all null and `provisional` true before publication) and its comparison "
                    "groups with their members.",
        responses={200: CycleSerializer(many=True), **errors(400, 403, 404)},
        examples=[OpenApiExample("A cycle", response_only=True, value={
            "id": 3, "period": 2025, "framework": "smartgov-maturity", "framework_version": 1,
            "opens": "2025-09-01", "closes": "2025-11-30", "status": "published", "status_label": "已发布",
            "entry_open": False, "min_participation": 0.6, "separation_of_duties": True, "current_run": 19,
            "provisional": False,
            "publication": PUBLICATION_EXAMPLE, "published_run": 19,
            "published_at": "2026-01-20T10:00:00+08:00", "groups": [GROUP_EXAMPLE]})],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["cycles"])
class PublicationList(ApiView, generics.ListAPIView):
    queryset = Publication.objects.none()
    serializer_class = PublicationSerializer
    query_serializers = (FrameworkQuerySerializer,)

    def get_queryset(self) -> QuerySet[Publication]:
        period: int = self.kwargs["period"]
        which = self.query(FrameworkQuerySerializer)
        in_range = PERIOD_MIN <= period <= PERIOD_MAX
        cycle = cycle_find(period=period, framework=which.get("framework")) if in_range else None
        if cycle is None:
            raise NotFound(_("There is no cycle of %(period)s.") % {"period": period})
        return publications_of(cycle)

    @extend_schema(
        summary="List the published versions of a cycle's results",
        description="Version 1 is the publication, each later version a revision with its `reason`; every "
                    "version stays readable with `results/?cycle=<year>&version=<n>` (and `aggregates/`). Each "
                    "names the score run it froze, the participation it rests on and the fingerprint of its "
                    "inputs. Empty while the results are provisional. `framework` chooses among the frameworks "
                    "with a cycle that year.",
        parameters=[FrameworkQuerySerializer],
        responses={200: PublicationSerializer(many=True), **errors(400, 403, 404)},
        examples=[OpenApiExample("A revision", response_only=True, value={
            **PUBLICATION_EXAMPLE, "run": 19, "participants": 11, "approved": 11,
            "inputs_fingerprint": "9f2c…", "engine_version": "smartgov-scoring 1.4.0"})],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
