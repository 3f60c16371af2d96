from django.contrib import admin

from smartgov.admin_base import ShownOnly

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ShownOnly, admin.ModelAdmin):
    """Read only: the trail is written by the services and can be neither changed nor deleted."""

    list_display = ["at", "actor", "action", "region", "target_label", "subject", "old", "new"]
    list_filter = ["action", ("target_type", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["target_label", "subject", "comment", "actor__username", "region__code", "region__name_zh"]
    list_select_related = ["actor", "region"]
    date_hierarchy = "at"
    exclude = ["target_type", "target_id"]
