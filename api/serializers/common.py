from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import Region


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


class PeriodQuerySerializer(serializers.Serializer):
    """Which cycle: `cycle` (the year) and, when several frameworks have cycles that year, `framework`."""

    cycle = serializers.IntegerField(min_value=2000, max_value=2100, required=False,
                                     help_text="The cycle's period (year). Default: the latest with published "
                                               "results.")
    framework = serializers.SlugField(max_length=60, required=False,
                                      help_text="Framework code. Default: smartgov-maturity when it has a cycle "
                                                "that year, else the latest version of any.")
