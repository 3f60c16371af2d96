from typing import Any

from django.db.models import Manager, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer, Serializer
from rest_framework.views import APIView

from assessments.models import IndicatorValue, Submission
from assessments.permissions import edit_access, roles_for_region
from assessments.selectors import submission_findings_of, submissions_visible
from assessments.services import Entry, ValuesInvalid, submission_transition, values_save
from assessments.workflow import TRANSITIONS, WorkflowRefused, state_refusal

from ..filters import SubmissionFilter
from ..schema import ApiAutoSchema, errors
from ..selectors import submission_values
from ..serializers.submissions import (
    ReasonedTransitionInSerializer,
    SubmissionSerializer,
    TransitionInSerializer,
    ValuesInSerializer,
    ValuesQuerySerializer,
    ValuesSerializer,
    indicator_findings,
    readiness_fields,
)
from ..services import undone
from .base import ApiView

SUBMISSION_EXAMPLE = {
    "id": 42, "region": {"code": "330100", "name_zh": "杭州市", "name_en": "Hangzhou"},
    "province": {"code": "330000", "name_zh": "浙江省", "name_en": "Zhejiang"}, "cycle": 2026,
    "framework": "smartgov-maturity", "status": "signed_off", "status_label": "已签核，待省级审核", "version": 7,
    "filled": 60, "expected": 60, "actions": ["return", "approve"], "created_at": "2026-09-02T10:00:00+08:00",
    "updated_at": "2026-10-20T16:12:00+08:00"}
VALUES_EXAMPLE = {
    "submission": 42, "version": 3, "status": "draft", "editable": True, "lock_reason": None,
    "values": [{"indicator": "RS01", "value": 85.5, "note": "来自共享平台统计", "source": "api",
                "updated_at": "2026-09-20T11:00:00+08:00"}],
    "missing": ["RS02", "RS03"],
    "findings": [
        {"indicator": "RS02", "level": "error", "code": "missing", "message": "No value yet.", "blocking": True},
        {"indicator": "RS03", "level": "error", "code": "missing", "message": "No value yet.", "blocking": True},
        {"indicator": "RS05", "level": "warning", "code": "rule_warning", "blocking": True,
         "message": "V01: The licence submission waiver rate is far above the licence aggregation rate: waivers "
                    "rely on licences being in the library; check both figures and explain."}]}
NOT_READY_EXAMPLE = {
    "code": "workflow_refused",
    "message": "Not ready to submit: 1 indicators have no value yet. Evidence required but no file attached: RS05 "
               "电子证照免提交率.",
    "fields": {"values.RS02": ["No value yet."], "values.RS05": ["Evidence required but no file attached."]}}


class SubmissionScoped(ApiView):
    queryset: QuerySet[Submission] | Manager[Submission] | None = Submission.objects.none()
    serializer_class: type[BaseSerializer[Submission]] | None = SubmissionSerializer

    def get_queryset(self) -> QuerySet[Submission]:
        return submissions_visible(self.request.user)

    def submission(self, pk: int) -> Submission:
        """The submission if it is in the caller's regions; a 404 otherwise (its existence is not revealed)."""
        return get_object_or_404(submissions_visible(self.request.user), pk=pk)

    def write_query(self, serializer_class: type[Serializer[Any]] | None = None) -> dict[str, Any]:
        """The query string of a write, parsed by `serializer_class`: a parameter it does not have (a typo such as
        `?dryrun=true`) is a 400 naming it, never ignored."""
        known = [*(serializer_class().fields if serializer_class else ()), "format"]
        unknown = [name for name in self.request.query_params if name not in known]
        if unknown:
            reason = _("Unknown parameter here; this request accepts: %(names)s.") % {"names": ", ".join(known)}
            raise exceptions.ValidationError({name: [reason] for name in unknown})
        return self.query(serializer_class) if serializer_class else {}


@extend_schema(tags=["submissions"])
class SubmissionList(SubmissionScoped, generics.ListAPIView):
    filterset_class = SubmissionFilter

    @extend_schema(
        summary="List submissions in your regions",
        description="Each city's submission per cycle, with its workflow status, version, how many indicators "
                    "have a value, and the workflow actions you may take now. Filter by `cycle` (year), `status`, "
                    "`province`, `region`, `framework`.",
        responses={200: SubmissionSerializer(many=True), **errors(400, 403, 404)},
        examples=[OpenApiExample("A submission", value=SUBMISSION_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["submissions"])
class SubmissionDetail(SubmissionScoped, generics.RetrieveAPIView):
    @extend_schema(summary="Read a submission", description="A submission in your regions.",
                   responses={200: SubmissionSerializer, **errors(403, 404)},
                   examples=[OpenApiExample("A submission", value=SUBMISSION_EXAMPLE, response_only=True)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ValuesSchema(ApiAutoSchema):
    """`dry_run` sent empty is not read as left out (ApiAutoSchema's rule for optional parameters): `?dry_run`
    alone, as a flag, must not write, so it is a 400 like any value but `true` and `false`."""

    def _get_parameters(self) -> list[dict[str, Any]]:
        return [{**parameter, "allowEmptyValue": False}
                if parameter["in"] == "query" and parameter["name"] == "dry_run" else parameter
                for parameter in super()._get_parameters()]


@extend_schema(tags=["submissions"])
class SubmissionValues(SubmissionScoped, APIView):
    serializer_class = ValuesSerializer
    schema = ValuesSchema()

    @extend_schema(
        summary="Read a submission's values",
        description="Every entered value with its note and source (a yes/no indicator's as true or false), the "
                    "indicators still missing, the `findings` that `submit/` would refuse or ask to explain (one "
                    "per indicator: `level`, `code`, `message`, `blocking`), the version to send back with "
                    "changes, and whether (or why not) you may change them now.",
        responses={200: ValuesSerializer, **errors(403, 404)},
        examples=[OpenApiExample("Values", value=VALUES_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.represent(self.submission(pk)))

    @extend_schema(
        summary="Save many values at once (all or nothing), or a dry run of it",
        description="Bulk upsert: each item sets one indicator's value and note; `null` clears a value. A value "
                    "is true or false for a yes/no indicator and a number for any other (a JSON number, or a "
                    "text of ASCII digits such as \"85.5\"); a wrong type, a field the body does not have (at "
                    "the top or in an item) or a number beyond 10^15 where the indicator sets no bound is a 400 "
                    "`invalid` naming its path (`values[2].note`). The items are then checked against their "
                    "indicators (unknown indicator, valid range, whole levels); if one is refused, nothing is "
                    "written and the 400 `values_invalid` names it: `values[<position>].value` (or "
                    "`.indicator`) with the reason. `version` must be the submission's current version: "
                    "otherwise 409 `stale_version` lists what others changed since (a version ahead of it is a "
                    "400 `invalid` naming `version`). Values can be changed while "
                    "the submission is a draft or returned and the cycle is open (409 `locked` says why not); who "
                    "may enter them: the city's officer and reviewer, the province's analyst. The answer is the "
                    "values as saved, with `changed` and the `findings` now. `?dry_run=true` makes every check "
                    "and answers what would be saved and the findings then, with `dry_run: true` and the current "
                    "`version`, writing nothing (no value, no audit event, no new version). Any other query "
                    "parameter is a 400 naming it.",
        parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL, description=str(
            ValuesQuerySerializer().fields["dry_run"].help_text))],
        request=ValuesInSerializer,
        responses={200: ValuesSerializer, **errors(400, 403, 404, 409, conflict=True)},
        examples=[
            OpenApiExample("Two values", request_only=True, value={"version": 3, "values": [
                {"indicator": "RS01", "value": 85.5, "note": "来自共享平台统计"},
                {"indicator": "RS08", "value": True}]}),
            OpenApiExample("Saved", response_only=True, status_codes=[200],
                           value={**VALUES_EXAMPLE, "version": 4, "changed": ["RS01", "RS08"]}),
            OpenApiExample("Dry run", response_only=True, status_codes=[200],
                           value={**VALUES_EXAMPLE, "changed": ["RS01", "RS08"], "dry_run": True}),
            OpenApiExample("One item refused", response_only=True, status_codes=[400], value={
                "code": "values_invalid", "message": "Some values were refused; nothing was saved.",
                "fields": {"values[1].value": ["RS02: Must lie between 0 and 100 %."]}}),
            OpenApiExample("A wrong type", response_only=True, status_codes=[400], value={
                "code": "invalid", "message": "The request is not valid: see the reasons given per field.",
                "fields": {"values[0].value": ["RS01 takes a number, not true or false."],
                           "values[1].note": ["Not a valid string."]}}),
            OpenApiExample("Stale version", response_only=True, status_codes=[409], value={
                "code": "stale_version",
                "message": "The submission is at version 5, not at the version you sent; `changes` lists what "
                           "changed since yours. GET the submission again for its current version, then send your "
                           "request with it.",
                "fields": {"version": ["The submission is at version 5."]}, "current_version": 5,
                "changes": [{"by": "王审核", "at": "2026-09-20T11:00:00+08:00", "subject": "RS01",
                             "old": None, "new": {"value": 70.0, "note": ""}, "version": 5}]}),
        ],
    )
    def put(self, request: Request, pk: int) -> Response:
        submission = self.submission(pk)
        dry_run = self.write_query(ValuesQuerySerializer)["dry_run"] == "true"
        indicators = {i.code: i for i in submission.cycle.framework.indicators.all()}
        body = ValuesInSerializer(data=request.data, context={"indicators": indicators})
        body.is_valid(raise_exception=True)
        items = body.validated_data["values"]
        entries = {item["indicator"]: Entry(item["value"], item["note"]) for item in items}
        with undone(dry_run=dry_run):
            try:
                result = values_save(submission=submission, entries=entries, actor=request.user,
                                     expected_version=body.validated_data["version"], source=IndicatorValue.Source.API)
            except ValuesInvalid as error:
                positions = {item["indicator"]: index for index, item in enumerate(items)}
                raise error.located({code: f"values[{positions[code]}]."
                                           f"{'indicator' if code in error.unknown else 'value'}"
                                     for code in error.errors}) from error
            answer = {**self.represent(result.submission), "changed": [code for code, _o, _n in result.changes]}
        if dry_run:
            answer.update(version=body.validated_data["version"], dry_run=True)
        return Response(answer)

    def represent(self, submission: Submission) -> dict[str, Any]:
        values, missing = submission_values(submission)
        access = edit_access(self.request.user, submission)
        return dict(ValuesSerializer({
            "submission": submission.pk, "version": submission.version, "status": submission.status,
            "editable": access.editable,
            "lock_reason": (str(access.lock) if access.lock else None) if access.role
            else _("You may not edit this region's values."),
            "values": values, "missing": missing,
            "findings": indicator_findings(submission_findings_of(submission))}).data)


class SubmissionTransition(SubmissionScoped, APIView):
    """POST submissions/{id}/<action>/: one workflow step (assessments.workflow), as on the web page."""

    action_name = ""

    def post(self, request: Request, pk: int) -> Response:
        submission = self.submission(pk)
        self.write_query()
        data = self.body(TransitionInSerializer)
        try:
            submission_transition(submission=submission, action=self.action_name, actor=request.user,
                                  comment=data["comment"], indicator_comments=data["indicator_comments"],
                                  expected_version=data["version"])
        except WorkflowRefused as refused:
            raise self.naming_the_indicators(refused, pk) from refused
        return Response(SubmissionSerializer(self.submission(pk), context={"request": request}).data)

    def naming_the_indicators(self, refused: WorkflowRefused, pk: int) -> WorkflowRefused:
        """A refused submit with what stops it per indicator in `fields` (`values.RS05`), when the state allowed
        the step and it was the values that were not ready (the service's last check, `_not_ready`)."""
        if self.action_name != "submit" or refused.fields:
            return refused
        submission = self.submission(pk)
        roles = roles_for_region(self.request.user, submission.region)
        if state_refusal(TRANSITIONS["submit"], submission.status, roles, entry_open=submission.entry_open):
            return refused
        fields = readiness_fields(submission_findings_of(submission))
        return WorkflowRefused(refused.message, fields=fields) if fields else refused


DESCRIPTIONS = {
    "submit": "The city's data-entry officer (or reviewer) submits a complete draft for the city reviewer's "
              "sign-off. Refused while values are missing, an indicator that requires evidence has no file, a "
              "cross-indicator rule is broken or an anomaly is unexplained: 409 `workflow_refused` lists them in "
              "`message`, and in `fields` per indicator under `values.<code>` (the blocking `findings` of "
              "`GET values/`); and outside the participant's entry window (the cycle's, or its extended "
              "deadline).",
    "send_back": "The city reviewer sends a submitted draft back to the officer, with a reason (`comment`).",
    "sign_off": "The city reviewer signs the submission off and sends it to the province. While the cycle's "
                "four-eyes rule (`separation_of_duties`) is on, whoever entered values or evidence in the submission "
                "since it was last returned or reopened, or submitted it, gets 403 naming the rule.",
    "return": "The province returns a signed-off submission to the city, with a reason overall (`comment`) and/or "
              "per indicator (`indicator_comments`).",
    "approve": "The province approves a signed-off submission; its values are then locked and the cycle's scores "
               "are recomputed (provisional results: only publishing the cycle makes them official). While the "
               "cycle's four-eyes rule is on, whoever signed it off, entered values or evidence in it or submitted "
               "it gets 403 naming the rule.",
    "reopen": "A platform administrator reopens an approved submission, with a reason. Published results do not "
              "change: a correction is published as a revision.",
}


def transition_view(action: str) -> type[SubmissionTransition]:
    step = TRANSITIONS[action]
    with translation.override("zh-hans"):  # the examples are in Chinese, as the API answers by default
        label = str(Submission.Status(step.target).label)

    class View(SubmissionTransition):
        action_name = action

        @extend_schema(
            tags=["submissions"], operation_id=f"submissions_{action}",
            summary=f"Workflow: {step.label}",
            description=DESCRIPTIONS[action] + " Roles: " + ", ".join(step.roles) + ". From: "
            + ", ".join(step.sources) + f"; to: {step.target}. A role that may not take this step gets 403 "
            "with the reason; a state that does not allow it 409 `workflow_refused`; a stale `version` 409 "
            "`stale_version` (one ahead of the current version: 400 `invalid`).",
            request=ReasonedTransitionInSerializer if step.needs_comment else TransitionInSerializer,
            responses={200: SubmissionSerializer, **errors(400, 403, 404, 409, conflict=True)},
            examples=[
                OpenApiExample("Step", request_only=True,
                               value={"version": 7, "comment": "RS03 数据来源请补充说明",
                                      "indicator_comments": {"RS03": "请上传统计年鉴截图"}}
                               if step.needs_comment else {"version": 7}),
                OpenApiExample("Done", response_only=True, status_codes=[200],
                               value={**SUBMISSION_EXAMPLE, "status": step.target, "status_label": label,
                                      "version": 8, "actions": []}),
                OpenApiExample("Role refused", response_only=True, status_codes=[403], value={
                    "code": "permission_denied",
                    "message": "“Approve” needs one of these roles for this region: Provincial reviewer and "
                               "analyst、Platform administrator.", "fields": {}}),
                *([OpenApiExample("Not ready", response_only=True, status_codes=[409], value=NOT_READY_EXAMPLE)]
                  if action == "submit" else []),
            ],
        )
        def post(self, request: Request, pk: int) -> Response:
            return super().post(request, pk)

    View.__name__ = View.__qualname__ = f"Submission{action.title().replace('_', '')}"
    return View
