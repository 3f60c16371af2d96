"""/api/v1/: mounted by smartgov/urls.py."""

from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from .views import (
    cycles,
    evidence,
    framework_schema,
    frameworks,
    regions,
    reports,
    results,
    score_runs,
    submissions,
)
from .views.base import no_such_endpoint


class IdConverter:
    """A database id: at most 18 digits, so that no id overflows the column (a longer one is a 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class SmallIntConverter(IdConverter):
    regex = "[0-9]{1,9}"


class CodeConverter:
    """A framework code (a slug)."""

    regex = "[-a-zA-Z0-9_]{1,60}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class RegionCodeConverter(CodeConverter):
    """A region code as the register writes it (assessments.models.REGION_CODE)."""

    regex = "[A-Z0-9][A-Z0-9-]{1,19}"


register_converter(IdConverter, "id")
register_converter(SmallIntConverter, "smallint")
register_converter(CodeConverter, "code")
register_converter(RegionCodeConverter, "region")

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    # The split view serves its script as a file (?script), not inline: the Content-Security-Policy allows it.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[AllowAny],
                                                      template_name="api/swagger_ui.html"), name="docs"),
    path("frameworks/", frameworks.FrameworkList.as_view(), name="frameworks"),
    path("frameworks/schema/", framework_schema.FrameworkFileSchema.as_view(), name="framework-schema"),
    path("frameworks/<code:code>/<smallint:version>/", frameworks.FrameworkDetail.as_view(), name="framework"),
    path("regions/", regions.RegionList.as_view(), name="regions"),
    path("regions/<region:code>/", regions.RegionDetail.as_view(), name="region"),
    path("cycles/", cycles.CycleList.as_view(), name="cycles"),
    path("cycles/<smallint:period>/publications/", cycles.PublicationList.as_view(), name="cycle-publications"),
    path("submissions/", submissions.SubmissionList.as_view(), name="submissions"),
    path("submissions/<id:pk>/", submissions.SubmissionDetail.as_view(), name="submission"),
    path("submissions/<id:pk>/values/", submissions.SubmissionValues.as_view(), name="submission-values"),
    path("submissions/<id:pk>/evidence/", evidence.EvidenceList.as_view(), name="submission-evidence"),
    path("submissions/<id:pk>/evidence/<id:evidence_id>/", evidence.EvidenceDetail.as_view(),
         name="submission-evidence-item"),
    path("submissions/<id:pk>/evidence/<id:evidence_id>/download/", evidence.EvidenceDownload.as_view(),
         name="submission-evidence-download"),
    *[path(f"submissions/<id:pk>/{action}/", submissions.transition_view(action).as_view(),
           name=f"submission-{action}")
      for action in ("submit", "send_back", "sign_off", "return", "approve", "reopen")],
    path("score-runs/", score_runs.ScoreRunList.as_view(), name="score-runs"),
    path("score-runs/<id:pk>/", score_runs.ScoreRunDetail.as_view(), name="score-run"),
    path("results/", results.ResultList.as_view(), name="results"),
    path("results/<region:region_code>/", results.ResultDetail.as_view(), name="result"),
    path("aggregates/", results.AggregateList.as_view(), name="aggregates"),
    path("reports/", reports.ReportList.as_view(), name="reports"),
    path("reports/<id:pk>/", reports.ReportDetail.as_view(), name="report"),
    path("reports/<id:pk>/download/", reports.ReportDownload.as_view(), name="report-download"),
    # Every other path under /api/v1/, control characters (`%0A`) included: 404 in the error format.
    re_path(r"^(?P<rest>[\s\S]*)\Z", no_such_endpoint),
]
