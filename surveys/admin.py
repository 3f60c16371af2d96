"""Public satisfaction in the admin: shown only. Questionnaires, imports and estimates are written on the
satisfaction pages, through the services, which check and audit every change."""

from django.contrib import admin

from smartgov.admin_base import ShownOnly

from .models import (
    HotlineStatistic,
    Question,
    Questionnaire,
    RecordsImportRequest,
    SatisfactionEstimate,
    SatisfactionImport,
    SatisfactionImportRequest,
    ServiceRating,
    SurveyResponse,
)


class QuestionInline(ShownOnly, admin.TabularInline):
    model = Question
    extra = 0
    fields = ["order", "kind", "text_zh", "text_en", "indicator", "options", "required", "weighting"]
    readonly_fields = fields


@admin.register(Questionnaire)
class QuestionnaireAdmin(ShownOnly, admin.ModelAdmin):
    """Questionnaires are written on the satisfaction pages, where every change is checked and audited."""

    list_display = ["title_zh", "region", "cycle", "status", "created_at"]
    list_filter = ["status", "cycle"]
    search_fields = ["title_zh", "title_en", "region__name_zh", "region__code"]
    list_select_related = ["region", "cycle__framework"]
    inlines = [QuestionInline]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["submitted_at", "questionnaire", "region", "comment"]
    list_filter = ["questionnaire"]
    list_select_related = ["questionnaire__region", "region"]
    exclude = ["client_hash"]


@admin.register(SatisfactionImport)
class SatisfactionImportAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["imported_at", "kind", "region", "cycle", "file_name", "rows", "imported_by"]
    list_filter = ["kind", "cycle"]
    list_select_related = ["region", "cycle__framework", "imported_by"]


@admin.register(SatisfactionImportRequest)
class SatisfactionImportRequestAdmin(ShownOnly, admin.ModelAdmin):
    """Files checked or imported in the background; the stored file itself is never offered here."""

    list_display = ["requested_at", "kind", "submission", "file_name", "dry_run", "status", "progress", "rows",
                    "requested_by"]
    list_filter = ["status", "kind", "dry_run"]
    list_select_related = ["submission__region", "submission__cycle", "requested_by"]
    exclude = ["file"]


@admin.register(RecordsImportRequest)
class RecordsImportRequestAdmin(ShownOnly, admin.ModelAdmin):
    """Files of system records checked or imported in the background; the stored file is never offered here."""

    list_display = ["requested_at", "kind", "province", "cycle", "file_name", "dry_run", "status", "progress", "rows",
                    "requested_by"]
    list_filter = ["status", "kind", "dry_run"]
    list_select_related = ["province", "cycle__framework", "requested_by"]
    exclude = ["file"]


@admin.register(ServiceRating)
class ServiceRatingAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["date", "service", "channel", "rating", "rectified", "batch"]
    list_filter = ["rating", "rectified"]
    list_select_related = ["batch"]


@admin.register(HotlineStatistic)
class HotlineStatisticAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["month", "region", "cycle", "calls", "on_time", "resolved", "satisfied", "rated"]
    list_select_related = ["region", "cycle__framework"]


@admin.register(SatisfactionEstimate)
class SatisfactionEstimateAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["value", "method", "n", "n_effective", "low", "high", "weighted", "too_few", "computed_at"]
    list_select_related = ["value__indicator"]
