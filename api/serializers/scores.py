from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import ReturnList

from assessments.models import Cycle, RegionScore, ScoreRun

from .common import RegionBriefSerializer


class ScoreRunSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="cycle.period", help_text="The cycle's period (year).")
    framework = serializers.CharField(source="cycle.framework.code")
    status_label = serializers.CharField(source="get_status_display")
    current = serializers.SerializerMethodField()

    class Meta:
        model = ScoreRun
        fields = ["id", "cycle", "framework", "status", "status_label", "progress", "stage", "reason",
                  "requested_at", "started_at", "finished_at", "regions", "error", "current"]

    def get_current(self, run: ScoreRun) -> bool:
        """Whether its results are the cycle's published ones."""
        return run.cycle.current_run_id == run.pk


class ScoreRunInSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(min_value=2000, max_value=2100, help_text="The cycle's period (year).")
    framework = serializers.SlugField(max_length=60, required=False,
                                      help_text="Framework code, when several have a cycle that year.")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DimensionResultSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)


class RankIntervalSerializer(serializers.Serializer):
    low = serializers.FloatField(allow_null=True, source="rank_low", help_text="5th percentile.")
    median = serializers.FloatField(allow_null=True, source="rank_median")
    high = serializers.FloatField(allow_null=True, source="rank_high", help_text="95th percentile.")


class ResultSerializer(serializers.ModelSerializer):
    """One region's result in the cycle's published score run."""

    region = RegionBriefSerializer()
    # A declared field, not Field.parent: DRF's metaclass takes it off the class (the stubs cannot tell).
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]
    cycle = serializers.SerializerMethodField()
    run = serializers.IntegerField(source="run_id")
    level_label = serializers.SerializerMethodField()
    rank_interval = RankIntervalSerializer(source="*")
    dimensions = serializers.SerializerMethodField()

    class Meta:
        model = RegionScore
        fields = ["region", "parent", "cycle", "run", "index", "level", "level_label", "rank", "parent_rank",
                  "change", "complete", "coverage", "rank_interval", "dimensions"]

    def get_parent(self, score: RegionScore) -> str | None:
        """Code of the region's province-level division."""
        parent = score.region.province
        return parent.code if parent is not None else None

    def get_cycle(self, score: RegionScore) -> int:
        cycle: Cycle = self.context["cycle"]
        return cycle.period

    def get_level_label(self, score: RegionScore) -> str | None:
        bands: dict[int | None, str] = self.context["bands"]
        return bands.get(score.level)

    @extend_schema_field(serializers.DictField(child=DimensionResultSerializer(),
                                                           help_text="Dimension code → score and rank."))
    def get_dimensions(self, score: RegionScore) -> dict[str, Any]:
        return {code: DimensionResultSerializer(result).data
                for code, result in self.context["dimensions"].get(score.region_id, {}).items()}


class IndicatorResultSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    dimension = serializers.CharField(source="indicator.dimension.code")
    name_zh = serializers.CharField(source="indicator.name_zh")
    name_en = serializers.CharField(source="indicator.name_en")
    value = serializers.FloatField(allow_null=True)
    score = serializers.FloatField(allow_null=True, help_text="Normalised, 0–100.")
    weight = serializers.FloatField(help_text="Effective weight in the index.")
    contribution = serializers.FloatField(allow_null=True)
    gap = serializers.FloatField(allow_null=True, help_text="Contribution to the gap to the best region.")


class ResultDetailSerializer(ResultSerializer):
    indicators = serializers.SerializerMethodField()

    class Meta(ResultSerializer.Meta):
        fields = [*ResultSerializer.Meta.fields, "indicators"]

    @extend_schema_field(IndicatorResultSerializer(many=True))
    def get_indicators(self, score: RegionScore) -> ReturnList[Any]:
        # many=True: the data of a ListSerializer (the stubs type it as the child's).
        return IndicatorResultSerializer(self.context["indicators"], many=True).data  # type: ignore[return-value]


class StatsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    std = serializers.FloatField(allow_null=True, help_text="Population standard deviation.")


class AggregateSerializer(serializers.Serializer):
    province = RegionBriefSerializer()
    cycle = serializers.IntegerField()
    framework = serializers.CharField()
    run = serializers.IntegerField()
    regions = serializers.IntegerField(help_text="Regions of the province in the run.")
    index = StatsSerializer()
    dimensions = serializers.DictField(child=StatsSerializer(), help_text="Dimension code → statistics.")
    levels = serializers.DictField(child=serializers.IntegerField(),
                                   help_text="Maturity level → number of regions.")
    unrated = serializers.IntegerField(help_text="Regions without a level (too little data).")
