"""Score runs and their results: written by the pipeline only, shown here."""

from django.contrib import admin

from smartgov.admin_base import ShownOnly

from ..models import DimensionScore, IndicatorScore, RegionScore, ScoreRun


@admin.register(ScoreRun)
class ScoreRunAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["id", "cycle", "status", "progress", "stage", "regions", "requested_by", "requested_at",
                    "finished_at", "error"]
    list_filter = ["status", "cycle__period"]
    search_fields = ["reason", "error"]
    list_select_related = ["cycle__framework", "requested_by"]
    readonly_fields = [f.name for f in ScoreRun._meta.fields]


class ResultAdmin(ShownOnly, admin.ModelAdmin):
    """Results are written by score runs only."""

    list_filter = ["run__cycle__period", "run__status", "region__province"]
    search_fields = ["region__name_zh", "region__name_en", "region__code"]


@admin.register(RegionScore)
class RegionScoreAdmin(ResultAdmin):
    list_display = ["region", "run", "index", "level", "rank", "parent_rank", "change", "rank_low", "rank_high",
                    "complete"]
    list_select_related = ["region", "run__cycle__framework"]


@admin.register(DimensionScore)
class DimensionScoreAdmin(ResultAdmin):
    list_display = ["region", "dimension", "run", "score", "rank", "coverage"]
    list_select_related = ["region", "dimension", "run__cycle__framework"]


@admin.register(IndicatorScore)
class IndicatorScoreAdmin(ResultAdmin):
    list_display = ["region", "indicator", "run", "value", "score", "weight", "contribution", "gap"]
    list_select_related = ["region", "indicator", "run__cycle__framework"]
