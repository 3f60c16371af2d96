import math
import re
from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import IndicatorValue, Submission
from assessments.permissions import FOUR_EYES_ACTIONS, submission_actions
from assessments.workflow import TRANSITIONS
from audit.selectors import submissions_round_actors
from smartgov.limits import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH

from .common import RegionBriefSerializer

INDICATOR_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")


FOUR_EYES_SOURCES = {source for action in FOUR_EYES_ACTIONS for source in TRANSITIONS[action].sources}
"""The states from which a step the four-eyes rule limits (sign off, approve) can be taken."""


class SubmissionListSerializer(serializers.ListSerializer):
    """A page of submissions: the audit trail behind their four-eyes rule read once for the page, not once each."""

    def to_representation(self, data: Any) -> list[Any]:
        submissions = list(data.all() if hasattr(data, "all") else data)
        limited = [s.pk for s in submissions if s.status in FOUR_EYES_SOURCES and s.cycle.separation_of_duties]
        context = cast(dict[str, Any], self.context)  # the root's: the one every item's get_actions reads
        context["round_actors"] = submissions_round_actors(limited)  # no query when none is limited
        return super().to_representation(submissions)


class SubmissionSerializer(serializers.ModelSerializer):
    region = RegionBriefSerializer()
    province = serializers.SerializerMethodField()
    cycle = serializers.IntegerField(source="cycle.period", help_text="The cycle's period (year).")
    framework = serializers.CharField(source="cycle.framework.code")
    status_label = serializers.CharField(source="get_status_display")
    filled = serializers.IntegerField(help_text="Indicators with a value.")
    expected = serializers.IntegerField(help_text="Indicators of the framework.")
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        list_serializer_class = SubmissionListSerializer
        fields = ["id", "region", "province", "cycle", "framework", "status", "status_label", "version", "filled",
                  "expected", "actions", "created_at", "updated_at"]

    @extend_schema_field(RegionBriefSerializer(allow_null=True))
    def get_province(self, submission: Submission) -> dict[str, str] | None:
        parent = submission.region.province
        return None if parent is None else {"code": parent.code, "name_zh": parent.name_zh,
                                            "name_en": parent.name_en}

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(list(TRANSITIONS)),
                                               help_text="The workflow actions you may take now (the cycle's "
                                                         "four-eyes rule applied)."))
    def get_actions(self, submission: Submission) -> list[str]:
        page = self.context.get("round_actors")  # read for the whole page by SubmissionListSerializer
        took = None if page is None else page.get(submission.pk, {})
        return [t.action for t, refusal in submission_actions(self.context["request"].user, submission, took=took)
                if refusal is None]


class ValueSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "value", "note", "source", "updated_at"]


class ValuesSerializer(serializers.Serializer):
    submission = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Send it back with your changes (optimistic locking).")
    status = serializers.ChoiceField(Submission.Status.choices)
    editable = serializers.BooleanField(help_text="Whether you may change the values now.")
    lock_reason = serializers.CharField(allow_null=True, help_text="Why the values are locked, if they are.")
    values = ValueSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField(), help_text="Indicators without a value.")
    changed = serializers.ListField(child=serializers.CharField(), required=False,
                                    help_text="After a PUT: the indicators whose value or note changed.")


@extend_schema_field({"anyOf": [{"type": "number"}, {"type": "string", "maxLength": 100}, {"type": "boolean"}],
                      "nullable": True,
                      "description": "A number, a text such as \"85.5\", \"85.5%\" or \"是\", a boolean, or null "
                                     "to clear the value."})
class IndicatorValueField(serializers.Field):
    default_error_messages = {
        "invalid": _("Give a number, a text such as “85.5”, a boolean, or null to clear the value."),
        "too_long": _("At most 100 characters."),
        "too_large": _("The number is too large."),
    }

    def to_internal_value(self, data: object) -> bool | int | float | str:
        if isinstance(data, bool):
            return data
        if isinstance(data, int | float):
            try:
                if not math.isfinite(float(data)):
                    self.fail("too_large")
            except OverflowError:
                self.fail("too_large")
            return data
        if isinstance(data, str):
            if len(data) > 100:
                self.fail("too_long")
            if "\x00" in data:
                self.fail("invalid")
            return data
        self.fail("invalid")

    def to_representation(self, value: object) -> object:
        return value


class ValueInSerializer(serializers.Serializer):
    indicator = serializers.RegexField(INDICATOR_CODE, max_length=20, help_text="Indicator code, e.g. RS01.")
    value = IndicatorValueField(allow_null=True)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, allow_blank=True, required=False, default="",
                                 help_text="Source or explanation (needed for large changes since last period).")


class ValuesInSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1,
                                       help_text="The version your changes are based on (from the GET).")
    # many=True makes a ListSerializer, which takes max_length; the stubs check the child's arguments.
    values = ValueInSerializer(many=True, allow_empty=False, max_length=1000)  # type: ignore[call-arg]

    def validate_values(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen, errors = set(), []
        for item in items:
            code = item["indicator"]
            errors.append({"indicator": [_("%(code)s appears more than once.") % {"code": code}]}
                          if code in seen else {})
            seen.add(code)
        if any(errors):
            raise serializers.ValidationError(errors)
        return items


class TransitionInSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1,
                                       help_text="The submission's version you act on.")
    comment = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="",
                                    help_text="The reason (needed to send back, return and reopen).")
    indicator_comments = serializers.DictField(
        child=serializers.CharField(max_length=COMMENT_MAX_LENGTH, allow_blank=True), required=False, default=dict,
        help_text="Reasons per indicator code (returning a submission).")

    def validate_indicator_comments(self, comments: dict[str, str]) -> dict[str, str]:
        if len(comments) > 500:
            raise serializers.ValidationError(_("At most 500 comments."))
        bad = [code for code in comments if not INDICATOR_CODE.match(code)]
        if bad:
            raise serializers.ValidationError(_("Not indicator codes: %(codes)s") % {"codes": ", ".join(bad[:10])})
        return comments
