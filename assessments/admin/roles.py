"""Roles: granted and revoked through the services."""

from django.contrib import admin
from django.db import transaction

from ..models import RoleAssignment
from ..services import role_grant, role_revoke
from ..services.roles import role_check
from .forms import ServiceForm


class RoleAssignmentForm(ServiceForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "region"]

    def check(self, data):
        role_check(role=data.get("role"), region=data.get("region"))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    """Roles are granted and revoked through the services, which audit them; a role is not edited in place."""

    form = RoleAssignmentForm
    list_display = ["user", "role", "region"]
    list_filter = ["role"]
    search_fields = ["user__username", "region__name_zh", "region__code"]
    list_select_related = ["user", "region"]
    autocomplete_fields = ["user", "region"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        granted = role_grant(user=obj.user, role=obj.role, region=obj.region, actor=request.user)
        obj.pk, obj._state.adding, obj._state.db = granted.pk, False, granted._state.db

    def delete_model(self, request, obj):
        role_revoke(assignment=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for assignment in queryset.select_related("user", "region"):
                role_revoke(assignment=assignment, actor=request.user)
