"""The region register in the admin."""

from django.contrib import admin

from ..models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent"]
    list_filter = ["level", "parent"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
