import re
from typing import Any

from django.core.validators import RegexValidator, validate_slug
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import REGION_CODE, Region

from .strict import TextOnly

PERIOD_MIN, PERIOD_MAX = 2000, 2100
"""The years a cycle may have (the database's constraint `cycle_period_plausible`)."""
FRAMEWORK_CODE_MAX_LENGTH = 60
REGION_CODE_EXACT = RegexValidator(rf"\A{re.compile(REGION_CODE.regex).pattern.strip('^$')}\Z", REGION_CODE.message)
"""A region code as the register writes it, nothing around it (a trailing newline included)."""
WHOLE_NUMBER_TEXT = re.compile(r"-?[0-9]{1,9}")
"""A whole number in a query string: digits, perhaps a minus sign; not "2025.0", " 2025" or "+2025"."""


class BilingualSerializer(serializers.Serializer):
    zh = serializers.CharField(allow_blank=True)
    en = serializers.CharField(allow_blank=True)


class RegionBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class RegionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display")
    # A declared field, not Field.parent: DRF's metaclass takes it off the class (the stubs cannot tell).
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]

    class Meta:
        model = Region
        fields = ["code", "name_zh", "name_en", "level", "level_label", "parent"]

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Code of the parent region."))
    def get_parent(self, region: Region) -> str | None:
        return region.parent.code if region.parent is not None else None


class QueryInteger(serializers.IntegerField):
    """A whole number of a query string, written as one (`?cycle=2025`; `2025.0` and ` 2025` are refused)."""

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str) or not WHOLE_NUMBER_TEXT.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


def framework_code(**kwargs: Any) -> TextOnly:
    """A framework code, as sent (a text, in a body): a slug, nothing trimmed from it."""
    return TextOnly(max_length=FRAMEWORK_CODE_MAX_LENGTH, validators=[validate_slug], trim_whitespace=False,
                    **kwargs)


def region_code(**kwargs: Any) -> TextOnly:
    """A region code, as sent (a text, in a body): as the register writes it (REGION_CODE), nothing trimmed."""
    return TextOnly(max_length=20, validators=[REGION_CODE_EXACT], trim_whitespace=False, **kwargs)


class PeriodQuerySerializer(serializers.Serializer):
    """Which cycle: `cycle` (the year) and, when several frameworks have cycles that year, `framework`."""

    cycle = QueryInteger(min_value=PERIOD_MIN, max_value=PERIOD_MAX, required=False,
                         help_text="The cycle's period (year). Default: the latest with published results.")
    framework = framework_code(required=False, help_text="Framework code. Default: smartgov-maturity when it has a "
                                                         "cycle that year, else the latest version of any.")
