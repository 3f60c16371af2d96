from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import ReturnList

from assessments.models import Cycle, Publication, RegionScore, ScoreRun
from assessments.selectors import CycleResults

from .common import PERIOD_MAX, PERIOD_MIN, RegionBriefSerializer, framework_code
from .strict import ClosedSerializer, TextOnly, WholeNumber

RANKS = ("rank", "parent_rank")
"""The ranks of a result, null below the cycle's minimum participation (with the rank interval, the dimensions'
ranks and the group ranks)."""


class RunWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    subject = serializers.CharField(allow_blank=True)
    facts = serializers.DictField(help_text="The numbers and codes the warning names, e.g. count and value (ceiling: "
                                            "share, count and n, the regions with a value).")


class ScoreRunSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="cycle.period", help_text="The cycle's period (year).")
    framework = serializers.CharField(source="cycle.framework.code")
    status_label = serializers.CharField(source="get_status_display")
    current = serializers.SerializerMethodField()
    warnings = RunWarningSerializer(many=True, read_only=True, help_text=(
        "What the run's statistical audit found that weakens its results: `code` (constant, no_values, "
        "too_few_values, ceiling, too_few_regions, outliers_remain, no_complete_region, single_indicator, "
        "too_few_complete_cases, no_variance, left_out_of_pca, single_region), `subject` (the indicator or "
        "dimension code, or the region of single_region; empty for the whole period) and `facts`."))

    class Meta:
        model = ScoreRun
        fields = ["id", "cycle", "framework", "status", "status_label", "progress", "stage", "reason",
                  "requested_at", "started_at", "finished_at", "regions", "error", "current", "warnings"]

    def get_current(self, run: ScoreRun) -> bool:
        """Whether it is the cycle's latest computation (whose results are provisional until published)."""
        return run.cycle.current_run_id == run.pk

    def to_representation(self, instance: ScoreRun) -> dict[str, Any]:
        """The reason only for a caller whose regions hold the whole cycle (`api.selectors.score_runs_visible`):
        it may name a city of another province."""
        data: dict[str, Any] = super().to_representation(instance)
        if not getattr(instance, "whole_cycle", False):
            data["reason"] = ""
            data["warnings"] = [{**w, "subject": ""} if w["code"] == "single_region" else w
                                for w in data["warnings"]]
        return data


class ScoreRunInSerializer(ClosedSerializer):
    cycle = WholeNumber(min_value=PERIOD_MIN, max_value=PERIOD_MAX, help_text="The cycle's period (year).")
    framework = framework_code(required=False, help_text="Framework code, when several have a cycle that year.")
    reason = TextOnly(max_length=200, required=False, allow_blank=True, default="",
                      help_text="Why the scores are recomputed (shown with the run).")


class DimensionResultSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)


class RankIntervalSerializer(serializers.Serializer):
    low = serializers.FloatField(allow_null=True, source="rank_low", help_text="5th percentile.")
    median = serializers.FloatField(allow_null=True, source="rank_median")
    high = serializers.FloatField(allow_null=True, source="rank_high", help_text="95th percentile.")


class PublicationBriefSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(allow_blank=True, help_text="Why the results were revised (\"\" for version 1).")

    class Meta:
        model = Publication
        fields = ["version", "published_at", "reason"]


class PublicationSerializer(PublicationBriefSerializer):
    run = serializers.IntegerField(source="run_id", help_text="The score run the version froze.")
    participants = serializers.IntegerField(help_text="The cycle's participants when it was published.")
    approved = serializers.IntegerField(help_text="Participants whose submission was approved then.")
    inputs_fingerprint = serializers.CharField(help_text="SHA-256 of the approved values the run scored.")
    engine_version = serializers.CharField(help_text="The scoring engine that computed the run.")

    class Meta(PublicationBriefSerializer.Meta):
        fields = [*PublicationBriefSerializer.Meta.fields, "run", "participants", "approved",
                  "inputs_fingerprint", "engine_version"]


class ShownResultsSerializer(serializers.Serializer):
    """Which results an answer holds (`context["results"]`: `assessments.selectors.cycle_results`): provisional
    or a published version, and the participation they rest on."""

    provisional = serializers.SerializerMethodField(
        help_text="True until the cycle's results are published: they may still change.")
    publication = serializers.SerializerMethodField()
    participants = serializers.SerializerMethodField(help_text="The cycle's participants (frozen when published).")
    approved = serializers.SerializerMethodField(
        help_text="Participants whose submission is approved (frozen when published).")

    def _results(self) -> CycleResults:
        results: CycleResults = self.context["results"]
        return results

    def get_provisional(self, row: object) -> bool:
        return self._results().provisional

    @extend_schema_field(PublicationBriefSerializer(allow_null=True, help_text=(
        "The published version these results are; null while they are provisional.")))
    def get_publication(self, row: object) -> dict[str, Any] | None:
        publication = self._results().publication
        return None if publication is None else PublicationBriefSerializer(publication).data

    def get_participants(self, row: object) -> int:
        return self._results().participants

    def get_approved(self, row: object) -> int:
        return self._results().approved


class ResultSerializer(ShownResultsSerializer, serializers.ModelSerializer):
    """One region's result in the score run the cycle shows: its published version (`?version=` an earlier
    one), or before publication its latest computation, provisional. Ranks are null when too few participants
    are approved (`ranks_shown`: false)."""

    region = RegionBriefSerializer()
    # A declared field, not Field.parent: DRF's metaclass takes it off the class (the stubs cannot tell).
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]
    cycle = serializers.SerializerMethodField()
    run = serializers.IntegerField(source="run_id")
    ranks_shown = serializers.SerializerMethodField(
        help_text="False when fewer participants are approved than the cycle's minimum: every rank is null.")
    level_label = serializers.SerializerMethodField()
    group_ranks = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Comparison group code → the region's rank among the group's members (see `cycles/`).")
    rank_interval = RankIntervalSerializer(source="*")
    dimensions = serializers.SerializerMethodField()

    class Meta:
        model = RegionScore
        fields = ["region", "parent", "cycle", "run", "provisional", "publication", "participants", "approved",
                  "ranks_shown", "index", "level", "level_label", "rank", "parent_rank", "group_ranks", "change",
                  "complete", "coverage", "rank_interval", "dimensions"]

    def to_representation(self, instance: RegionScore) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        former = self.context.get("names", {}).get(instance.region_id)
        if former is not None:  # renamed since: the name it was assessed under
            data["region"] = {**data["region"], "name_zh": former[0], "name_en": former[1]}
        if not self._results().ranks_shown:
            data.update(dict.fromkeys(RANKS))
            data["group_ranks"] = dict.fromkeys(data["group_ranks"])
            data["rank_interval"] = dict.fromkeys(data["rank_interval"])
            data["dimensions"] = {code: {**result, "rank": None} for code, result in data["dimensions"].items()}
        return data

    def get_ranks_shown(self, score: RegionScore) -> bool:
        return self._results().ranks_shown

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


class AggregateSerializer(ShownResultsSerializer):
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
