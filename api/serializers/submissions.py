import math
import re
from typing import Any, cast

from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.checks import VALUE_MAGNITUDE_MAX, Finding
from assessments.models import IndicatorValue, Submission
from assessments.permissions import FOUR_EYES_ACTIONS, submission_actions
from assessments.workflow import TRANSITIONS
from audit.selectors import submissions_round_actors
from indicators.models import Indicator
from smartgov.limits import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH

from ..schema import NO_NUL
from .common import RegionBriefSerializer
from .strict import ClosedSerializer, ExactChoice, TextOnly, WholeNumber

INDICATOR_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")
"""An indicator's code as the schema states it; matched whole (`fullmatch`: `$` alone lets a final newline by)."""
INDICATOR_COMMENTS_MAX = 500


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


DECIMAL_TEXT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]+)?")
"""A number sent as text: ASCII digits, an optional minus sign and decimal point; nothing else, and at most 15
digits before the point (VALUE_MAGNITUDE_MAX), so that the schema's pattern refuses what the server does."""
LONG_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
DECIMAL_TEXT_MAX_LENGTH = 40
LEVELS = {"missing": "error", "evidence_missing": "error", "rule_error": "error", "rule_warning": "warning",
          "anomaly": "warning"}
"""A finding's level by its kind (`assessments.checks.Finding`): an error stops `submit/` whatever the notes say;
a warning stops it until a note on one of its indicators explains it."""


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "boolean"}],
                      "description": "true or false for a yes/no indicator, a number otherwise."})
class StoredValueField(serializers.Field):
    """A value as stored (a float), read back in the type it is written in: a yes/no indicator's as a boolean."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: IndicatorValue) -> bool | float:
        if value.indicator.data_type == Indicator.DataType.BOOLEAN:
            return bool(value.value)
        return value.value


class ValueSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    value = StoredValueField()

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "value", "note", "source", "updated_at"]


class FindingSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text="The indicator's code.")
    level = serializers.ChoiceField(["error", "warning"],
                                    help_text="`error`: stops `submit/` until corrected; `warning`: stops it until "
                                              "a note explains it.")
    code = serializers.ChoiceField(list(LEVELS), help_text="What kind of finding, stable for programs.")
    message = serializers.CharField(help_text="For people, in the request's language.")
    blocking = serializers.BooleanField(help_text="Whether it stops `submit/` now (a warning explained in a note "
                                                  "does not).")


def indicator_findings(findings: list[Finding]) -> list[dict[str, Any]]:
    """The submission's findings one per indicator they concern, in the order of `submission_findings`."""
    own = {"missing": _("No value yet."), "evidence_missing": _("Evidence required but no file attached.")}
    return [{"indicator": code, "level": LEVELS[finding.kind], "code": finding.kind,
             "message": str(own.get(finding.kind, finding.message)), "blocking": finding.blocking}
            for finding in findings for code in finding.indicators]


def readiness_fields(findings: list[Finding]) -> dict[str, list[str]]:
    """What stops `submit/`, as the error format's `fields`: {"values.RS05": ["…"]}."""
    fields: dict[str, list[str]] = {}
    for item in indicator_findings([f for f in findings if f.blocking]):
        fields.setdefault(f"values.{item['indicator']}", []).append(item["message"])
    return fields


class ValuesSerializer(serializers.Serializer):
    submission = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Send it back with your changes (optimistic locking). After a "
                                                 "dry run: still the current version.")
    status = serializers.ChoiceField(Submission.Status.choices)
    editable = serializers.BooleanField(help_text="Whether you may change the values now.")
    lock_reason = serializers.CharField(allow_null=True, help_text="Why the values are locked, if they are.")
    values = ValueSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField(), help_text="Indicators without a value.")
    findings = FindingSerializer(many=True, help_text="What `submit/` would refuse or ask to explain now, one item "
                                                      "per indicator (after a dry run: once the values are saved).")
    changed = serializers.ListField(child=serializers.CharField(), required=False,
                                    help_text="After a PUT: the indicators whose value or note changed (would "
                                              "change, after a dry run).")
    dry_run = serializers.BooleanField(required=False, help_text="After a PUT: true when nothing was written.")


@extend_schema_field({
    "oneOf": [{"type": "number", "minimum": -VALUE_MAGNITUDE_MAX, "maximum": VALUE_MAGNITUDE_MAX},
              {"type": "string", "pattern": f"^{DECIMAL_TEXT.pattern}$", "maxLength": DECIMAL_TEXT_MAX_LENGTH},
              {"type": "boolean"}],
    "nullable": True,
    "description": "For a yes/no indicator true or false; for any other a number, as a JSON number or as a text of "
                   "ASCII digits (\"85.5\"), within the indicator's `valid_range`. null clears the value."})
class IndicatorValueField(serializers.Field):
    """A value as JSON types it: a boolean, a finite number (a decimal text becomes one) or null; which of them
    its indicator takes is checked by ValueInSerializer."""

    default_error_messages = {
        "invalid": _lazy("Give a number, true or false for a yes/no indicator, or null to clear the value."),
        "text": _lazy("A number sent as text is written with ASCII digits, an optional minus sign and decimal point, "
                  "e.g. “85.5” (no “%”, thousands separators, exponent or spaces); or send a JSON number."),
        "too_large": _lazy("The number is too large."),
        "text_too_large": _lazy("A number sent as text has at most 15 digits before the decimal point."),
    }

    def to_internal_value(self, data: object) -> bool | float:
        if isinstance(data, bool):
            return data
        if isinstance(data, str):
            if len(data) > DECIMAL_TEXT_MAX_LENGTH or not DECIMAL_TEXT.fullmatch(data):
                self.fail("text_too_large" if LONG_DECIMAL_TEXT.fullmatch(data) else "text")
            data = float(data)
        if not isinstance(data, int | float):
            self.fail("invalid")
        try:
            number = float(data)
        except OverflowError:
            self.fail("too_large")
        if not math.isfinite(number):
            self.fail("too_large")
        return number

    def to_representation(self, value: object) -> object:
        return value


def is_indicator_code(text: str) -> bool:
    return INDICATOR_CODE.fullmatch(text) is not None


def indicator_code_validator(text: str) -> None:
    if not is_indicator_code(text):
        raise serializers.ValidationError(RegexValidator.message, code="invalid")


@extend_schema_field({"type": "string", "pattern": INDICATOR_CODE.pattern, "maxLength": 20})
class IndicatorCodeField(TextOnly):
    """An indicator's code, a JSON string taken as sent (" RS01" is refused, as the pattern says, not trimmed)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=20, trim_whitespace=False, validators=[indicator_code_validator], **kwargs)


@extend_schema_field({
    "type": "object", "maxProperties": INDICATOR_COMMENTS_MAX,
    "additionalProperties": {"type": "string", "maxLength": COMMENT_MAX_LENGTH, "pattern": NO_NUL},
    "description": f"Reasons per indicator code (returning a submission): each key an indicator code (pattern "
                   f"`{INDICATOR_CODE.pattern}`), at most {INDICATOR_COMMENTS_MAX} of them."})
class IndicatorCommentsField(serializers.DictField):
    """Comments per indicator code; the keys' pattern is in the description (OpenAPI 3.0 has no propertyNames)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=TextOnly(max_length=COMMENT_MAX_LENGTH, allow_blank=True), **kwargs)


class ValueInSerializer(ClosedSerializer):
    indicator = IndicatorCodeField(help_text="Indicator code, e.g. RS01.")
    value = IndicatorValueField(allow_null=True)
    note = TextOnly(max_length=NOTE_MAX_LENGTH, allow_blank=True, required=False, default="",
                    help_text="Source or explanation (needed for large changes since last period).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The value in a type its indicator takes (`context["indicators"]`: code → Indicator); an unknown code is
        the service's to refuse. The indicator's own range is the service's too; here only what no range bounds."""
        indicator: Indicator | None = self.context.get("indicators", {}).get(attrs["indicator"])
        value = attrs["value"]
        if indicator is None or value is None:
            return attrs
        if indicator.data_type == Indicator.DataType.BOOLEAN:
            if not isinstance(value, bool):
                raise serializers.ValidationError({"value": [_("%(code)s is a yes/no indicator: give true or false "
                                                               "(or null to clear it).") % {"code": indicator.code}]})
        elif isinstance(value, bool):
            raise serializers.ValidationError({"value": [_("%(code)s takes a number, not true or false.")
                                                         % {"code": indicator.code}]})
        elif ((indicator.max_value is None and value > VALUE_MAGNITUDE_MAX)
              or (indicator.min_value is None and value < -VALUE_MAGNITUDE_MAX)):
            raise serializers.ValidationError({"value": [
                _("%(code)s: beyond any plausible value (at most %(limit)s in absolute value where the indicator "
                  "sets no bound).") % {"code": indicator.code, "limit": "10^15"}]})
        return attrs


class ValuesInSerializer(ClosedSerializer):
    hints = {"dry_run": _lazy("Not a field of the body: ask for a dry run with the query parameter "
                              "?dry_run=true.")}

    version = WholeNumber(min_value=1, max_value=2**31 - 1,
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


class ValuesQuerySerializer(serializers.Serializer):
    dry_run = ExactChoice(["true", "false"], required=False, default="false",
                                      help_text="`true`: check the values and answer what would be saved, with the "
                                                "findings, writing nothing (no value, no audit, no new version).")


class TransitionInSerializer(ClosedSerializer):
    version = WholeNumber(min_value=1, max_value=2**31 - 1, help_text="The submission's version you act on.")
    comment = TextOnly(max_length=5000, allow_blank=True, required=False, default="",
                       help_text="The reason (needed to send back, return and reopen).")
    indicator_comments = IndicatorCommentsField(required=False, default=dict)

    def validate_indicator_comments(self, comments: dict[str, str]) -> dict[str, str]:
        if len(comments) > INDICATOR_COMMENTS_MAX:
            raise serializers.ValidationError(_("At most %(count)s comments.") % {"count": INDICATOR_COMMENTS_MAX})
        bad = [code for code in comments if not is_indicator_code(code)]
        if bad:
            raise serializers.ValidationError(_("Not indicator codes: %(codes)s") % {"codes": ", ".join(bad[:10])})
        return comments


class ReasonedTransitionInSerializer(TransitionInSerializer):
    """A step that needs a reason: a `comment`, or comments per indicator (`indicator_comments`), not blank. The
    service refuses a step without one (400 naming `comment`); this states it in the schema."""

    schema_extra = {"anyOf": [
        {"required": ["comment"], "properties": {"comment": {"type": "string", "pattern": r"\S"}}},
        {"required": ["indicator_comments"], "properties": {"indicator_comments": {
            "type": "object", "minProperties": 1, "additionalProperties": {"type": "string", "pattern": r"\S"}}}},
    ]}
