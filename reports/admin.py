from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Report, ReportBatch
from .services import report_retry


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "region", "cycle", "language", "status", "progress", "pages", "size",
                    "requested_by", "requested_at", "finished_at", "batch"]
    list_filter = ["status", "kind", "language", "cycle"]
    search_fields = ["region__name_zh", "region__name_en", "region__code", "requested_by__username"]
    list_select_related = ["region", "cycle__framework", "requested_by", "batch"]
    readonly_fields = ["kind", "cycle", "region", "language", "status", "progress", "stage", "error", "run", "file",
                       "size", "pages", "batch", "requested_by", "requested_at", "started_at", "finished_at"]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry the failed reports"))
    def retry(self, request, queryset):
        retried = sum(report_retry(report=report, actor=request.user).status == Report.Status.QUEUED
                      for report in queryset.filter(status=Report.Status.FAILED))
        self.message_user(request, _("%(count)s report(s) queued again.") % {"count": retried}, messages.INFO)


class ReportInline(admin.TabularInline):
    model = Report
    fields = ["region", "status", "progress", "pages", "size", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReportBatch)
class ReportBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "province", "cycle", "language", "total", "requested_by", "requested_at"]
    list_filter = ["cycle", "language"]
    list_select_related = ["province", "cycle__framework", "requested_by"]
    readonly_fields = ["cycle", "province", "language", "total", "requested_by", "requested_at"]
    inlines = [ReportInline]

    def has_add_permission(self, request):
        return False
