"""Submissions, values, evidence, review comments and notifications: written by the services, shown here."""

from django.contrib import admin

from smartgov.admin_base import ShownOnly

from ..models import Evidence, IndicatorValue, Notification, ReviewComment, Submission


class IndicatorValueInline(ShownOnly, admin.TabularInline):
    model = IndicatorValue
    fields = ["indicator", "value", "note", "source", "updated_by", "updated_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Submission)
class SubmissionAdmin(ShownOnly, admin.ModelAdmin):
    """Read-only here: values and status change only through the services, which audit them."""

    list_display = ["region", "cycle", "status", "version", "updated_at"]
    list_filter = ["status", "cycle__period", "region__province"]
    search_fields = ["region__name_zh", "region__name_en", "region__code"]
    list_select_related = ["region", "cycle__framework"]
    readonly_fields = ["region", "cycle", "status", "version", "created_at", "updated_at"]
    inlines = [IndicatorValueInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["submission", "indicator", "value", "source", "updated_by", "updated_at"]
    list_filter = ["source", "submission__cycle__period", "indicator__dimension__code"]
    search_fields = ["submission__region__name_zh", "submission__region__code", "indicator__code"]
    list_select_related = ["submission__region", "submission__cycle__framework", "indicator", "updated_by"]
    readonly_fields = ["submission", "indicator", "value", "note", "source", "updated_by", "updated_at"]


@admin.register(Evidence)
class EvidenceAdmin(ShownOnly, admin.ModelAdmin):
    """Evidence is added and removed on the entry form, where it is checked and audited."""

    list_display = ["original_name", "submission", "indicator", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "submission__region__name_zh", "sha256"]
    list_select_related = ["submission__region", "submission__cycle__framework", "indicator", "uploaded_by"]
    readonly_fields = ["submission", "indicator", "file", "original_name", "content_type", "size", "sha256",
                       "uploaded_by", "uploaded_at"]


@admin.register(ReviewComment)
class ReviewCommentAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["submission", "indicator", "text", "author", "created_at"]
    list_filter = ["submission__cycle__period"]
    search_fields = ["text", "submission__region__name_zh"]
    list_select_related = ["submission__region", "submission__cycle__framework", "indicator", "author"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "message", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username"]
    list_select_related = ["user", "submission__region", "submission__cycle__framework", "cycle__framework"]

    def has_add_permission(self, request):
        return False
