from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import (
    AuditEvent,
    Cycle,
    DimensionScore,
    Evidence,
    IndicatorScore,
    IndicatorValue,
    Notification,
    Region,
    RegionScore,
    ReviewComment,
    RoleAssignment,
    ScoreRun,
    Submission,
)
from .services import cycle_scores_request


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent"]
    list_filter = ["level", "parent"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region"]
    list_filter = ["role"]
    search_fields = ["user__username", "region__name_zh", "region__code"]
    list_select_related = ["user", "region"]
    autocomplete_fields = ["user", "region"]


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["period", "framework", "opens", "closes", "status", "is_demo", "current_run"]
    list_filter = ["status", "is_demo", "framework"]
    search_fields = ["framework__name_zh", "framework__code"]
    list_select_related = ["framework", "current_run__cycle__framework"]
    readonly_fields = ["current_run"]
    actions = ["recompute_scores"]

    @admin.action(description=_("Recompute the scores"))
    def recompute_scores(self, request, queryset):
        for cycle in queryset:
            run = cycle_scores_request(cycle=cycle, actor=request.user, reason="admin")
            self.message_user(request, _("%(cycle)s: score run #%(run)s is %(status)s.")
                              % {"cycle": cycle, "run": run.pk, "status": run.get_status_display()}, messages.INFO)


@admin.register(ScoreRun)
class ScoreRunAdmin(admin.ModelAdmin):
    list_display = ["id", "cycle", "status", "progress", "stage", "regions", "requested_by", "requested_at",
                    "finished_at", "error"]
    list_filter = ["status", "cycle__period"]
    search_fields = ["reason", "error"]
    list_select_related = ["cycle__framework", "requested_by"]
    readonly_fields = [f.name for f in ScoreRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    fields = ["indicator", "value", "note", "source", "updated_by", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Read-only here: values and status change only through the services, which audit them."""

    list_display = ["region", "cycle", "status", "version", "updated_at"]
    list_filter = ["status", "cycle__period", "region__parent"]
    search_fields = ["region__name_zh", "region__name_en", "region__code"]
    list_select_related = ["region", "cycle__framework"]
    readonly_fields = ["region", "cycle", "status", "version", "created_at", "updated_at"]
    inlines = [IndicatorValueInline]

    def has_add_permission(self, request):
        return False


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ["submission", "indicator", "value", "source", "updated_by", "updated_at"]
    list_filter = ["source", "submission__cycle__period", "indicator__dimension__code"]
    search_fields = ["submission__region__name_zh", "submission__region__code", "indicator__code"]
    list_select_related = ["submission__region", "submission__cycle__framework", "indicator", "updated_by"]
    readonly_fields = ["submission", "indicator", "value", "note", "source", "updated_by", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["original_name", "submission", "indicator", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "submission__region__name_zh", "sha256"]
    list_select_related = ["submission__region", "submission__cycle__framework", "indicator", "uploaded_by"]
    readonly_fields = ["submission", "indicator", "file", "original_name", "content_type", "size", "sha256",
                       "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "submission", "framework", "subject", "old", "new"]
    list_filter = ["action"]
    search_fields = ["subject", "comment", "actor__username"]
    list_select_related = ["actor", "submission__region", "submission__cycle__framework", "framework"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ResultAdmin(admin.ModelAdmin):
    """Results are written by score runs only."""

    list_filter = ["run__cycle__period", "run__status", "region__parent"]
    search_fields = ["region__name_zh", "region__name_en", "region__code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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


@admin.register(ReviewComment)
class ReviewCommentAdmin(admin.ModelAdmin):
    list_display = ["submission", "indicator", "text", "author", "created_at"]
    list_filter = ["submission__cycle__period"]
    search_fields = ["text", "submission__region__name_zh"]
    list_select_related = ["submission__region", "submission__cycle__framework", "indicator", "author"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "message", "created_at", "read_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["message", "user__username"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False


# --- Public satisfaction: mostly read-only here; the rules are in assessments.services.satisfaction. ---------
from .models import (  # noqa: E402
    HotlineStatistic,
    Question,
    Questionnaire,
    SatisfactionEstimate,
    SatisfactionImport,
    ServiceRating,
    SurveyResponse,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["order", "kind", "text_zh", "text_en", "indicator", "options", "required", "weighting"]

    def _answered(self, obj):
        return obj is not None and obj.responses.exists()

    def has_add_permission(self, request, obj=None):
        return not self._answered(obj)

    def has_change_permission(self, request, obj=None):
        return not self._answered(obj)

    def has_delete_permission(self, request, obj=None):
        return not self._answered(obj)


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title_zh", "region", "cycle", "status", "created_at"]
    list_filter = ["status", "cycle"]
    search_fields = ["title_zh", "title_en", "region__name_zh", "region__code"]
    list_select_related = ["region", "cycle__framework"]
    readonly_fields = ["key", "cycle", "region", "created_by", "created_at", "updated_at"]
    inlines = [QuestionInline]

    def has_add_permission(self, request):
        return False


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ["submitted_at", "questionnaire", "region", "comment"]
    list_filter = ["questionnaire"]
    list_select_related = ["questionnaire__region", "region"]
    exclude = ["client_hash"]


@admin.register(SatisfactionImport)
class SatisfactionImportAdmin(ReadOnlyAdmin):
    list_display = ["imported_at", "kind", "region", "cycle", "file_name", "rows", "imported_by"]
    list_filter = ["kind", "cycle"]
    list_select_related = ["region", "cycle__framework", "imported_by"]


@admin.register(ServiceRating)
class ServiceRatingAdmin(ReadOnlyAdmin):
    list_display = ["date", "service", "channel", "rating", "rectified", "batch"]
    list_filter = ["rating", "rectified"]
    list_select_related = ["batch"]


@admin.register(HotlineStatistic)
class HotlineStatisticAdmin(ReadOnlyAdmin):
    list_display = ["month", "region", "cycle", "calls", "on_time", "resolved", "satisfied", "rated"]
    list_select_related = ["region", "cycle__framework"]


@admin.register(SatisfactionEstimate)
class SatisfactionEstimateAdmin(ReadOnlyAdmin):
    list_display = ["value", "method", "n", "n_effective", "low", "high", "weighted", "too_few", "computed_at"]
    list_select_related = ["value__indicator"]
