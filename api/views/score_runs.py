from typing import Any

from django.db.models import Manager, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from assessments.models import ScoreRun
from assessments.services import cycle_scores_request
from smartgov.errors import NotFound

from ..filters import ScoreRunFilter
from ..permissions import StartsScoreRuns
from ..schema import errors
from ..selectors import cycle_find, score_runs_visible
from ..serializers.scores import ScoreRunInSerializer, ScoreRunSerializer
from .base import ApiView

RUN_EXAMPLE = {"id": 17, "cycle": 2025, "framework": "smartgov-maturity", "status": "running",
               "status_label": "计算中", "progress": 50, "stage": "uncertainty", "reason": "api",
               "requested_at": "2025-12-02T09:28:00+08:00", "started_at": "2025-12-02T09:29:00+08:00",
               "finished_at": None, "regions": 0, "error": "", "current": False}


class ScoreRunScoped(ApiView):
    queryset: QuerySet[ScoreRun] | Manager[ScoreRun] | None = ScoreRun.objects.none()
    serializer_class: type[BaseSerializer[ScoreRun]] | None = ScoreRunSerializer

    def get_queryset(self) -> QuerySet[ScoreRun]:
        return score_runs_visible(self.request.user)


@extend_schema(tags=["score runs"])
class ScoreRunList(ScoreRunScoped, generics.ListAPIView):
    filterset_class = ScoreRunFilter
    permission_classes = [*ApiView.permission_classes, StartsScoreRuns]

    @extend_schema(
        summary="List score runs",
        description="Each computation of a cycle that has a participant in your regions, newest first, with its "
                    "status and progress; `current` marks the cycle's latest computation (provisional until the "
                    "cycle's results are published). `reason` (which may name the city whose approval asked for "
                    "the run) is given only when your regions hold every participant of the cycle; otherwise it "
                    "is empty.",
        responses={200: ScoreRunSerializer(many=True), **errors(400, 403, 404)},
        examples=[OpenApiExample("A run", value=RUN_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Start a score run for a cycle",
        description="Queues a recompute of the cycle's scores from its approved submissions: platform "
                    "administrators, and provincial analysts whose province holds every participant of the cycle "
                    "(403 otherwise). A request while a run of the cycle is still queued joins that run. Poll "
                    "`score-runs/{id}/` for its progress. Its results are provisional: they become the cycle's "
                    "official results only when the national coordinator publishes them (a recompute sends no "
                    "webhook; a publication sends `results.published` or `results.revised`).",
        request=ScoreRunInSerializer,
        responses={202: ScoreRunSerializer, **errors(400, 403, 404)},
        examples=[OpenApiExample("Recompute 2025", request_only=True, value={"cycle": 2025, "reason": "省级复核"}),
                  OpenApiExample("Queued", response_only=True, status_codes=[202],
                                 value={**RUN_EXAMPLE, "status": "queued", "status_label": "排队中", "progress": 0,
                                        "stage": "", "started_at": None})],
    )
    def post(self, request: Request) -> Response:
        data = self.body(ScoreRunInSerializer)
        cycle = cycle_find(period=data["cycle"], framework=data.get("framework"))
        if cycle is None:
            raise NotFound(_no_cycle(data["cycle"]))
        # Refused (403) outside the caller's scope: the service applies permissions.may_recompute.
        run = cycle_scores_request(cycle=cycle, actor=request.user, reason=data["reason"] or "api")
        run = get_object_or_404(score_runs_visible(request.user), pk=run.pk)
        return Response(ScoreRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


def _no_cycle(period: int) -> str:
    return _("There is no cycle of %(period)s.") % {"period": period}


@extend_schema(tags=["score runs"])
class ScoreRunDetail(ScoreRunScoped, generics.RetrieveAPIView):
    @extend_schema(summary="Read a score run", description="Its status and progress (0–100).",
                   responses={200: ScoreRunSerializer, **errors(403, 404)},
                   examples=[OpenApiExample("A run", value=RUN_EXAMPLE, response_only=True)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
