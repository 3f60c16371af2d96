from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from smartgov.admin_base import ShownOnly
from smartgov.errors import DomainError

from .models import (
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
from .services import (
    cycle_create,
    cycle_scores_request,
    cycle_update,
    person_password_set,
    person_save,
    role_grant,
    role_revoke,
)
from .services.cycles import EDITABLE as CYCLE_EDITABLE
from .services.cycles import cycle_check
from .services.roles import role_check


class ServiceForm(forms.ModelForm):
    """A model form whose refusals come from a service: `check` runs the service's rules on the cleaned data,
    and a refusal is shown on the form (on its field, when it names one) instead of failing the save."""

    def check(self, data):
        """Raise DomainError when the service would refuse `data`."""

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.check(data)
            except DomainError as error:
                for name, reasons in error.fields.items():
                    if name in self.fields:
                        self.add_error(name, [str(r) for r in reasons])
                if not any(name in self.fields for name in error.fields):
                    raise forms.ValidationError(str(error)) from error
        return data


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent"]
    list_filter = ["level", "parent"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


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


class CycleForm(ServiceForm):
    class Meta:
        model = Cycle
        fields = ["framework", "period", "opens", "closes", "status", "is_demo"]

    def check(self, data):
        cycle_check(Cycle(opens=data.get("opens"), closes=data.get("closes")))


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    """Cycles are created and changed through the services, which audit them; a cycle is never deleted."""

    form = CycleForm
    list_display = ["period", "framework", "opens", "closes", "status", "is_demo", "current_run"]
    list_filter = ["status", "is_demo", "framework"]
    search_fields = ["framework__name_zh", "framework__code"]
    list_select_related = ["framework", "current_run__cycle__framework"]
    readonly_fields = ["current_run"]
    actions = ["recompute_scores"]

    def get_readonly_fields(self, request, obj=None):
        return ["current_run"] if obj is None else ["framework", "period", "current_run"]

    def save_model(self, request, obj, form, change):
        if change:
            cycle_update(cycle=obj, actor=request.user, **{name: getattr(obj, name) for name in CYCLE_EDITABLE})
            return
        created = cycle_create(actor=request.user, framework=obj.framework, period=obj.period, opens=obj.opens,
                               closes=obj.closes, status=obj.status, is_demo=obj.is_demo)
        obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Recompute the scores"))
    def recompute_scores(self, request, queryset):
        for cycle in queryset:
            run = cycle_scores_request(cycle=cycle, actor=request.user, reason="admin")
            self.message_user(request, _("%(cycle)s: score run #%(run)s is %(status)s.")
                              % {"cycle": cycle, "run": run.pk, "status": run.get_status_display()}, messages.INFO)


@admin.register(ScoreRun)
class ScoreRunAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["id", "cycle", "status", "progress", "stage", "regions", "requested_by", "requested_at",
                    "finished_at", "error"]
    list_filter = ["status", "cycle__period"]
    search_fields = ["reason", "error"]
    list_select_related = ["cycle__framework", "requested_by"]
    readonly_fields = [f.name for f in ScoreRun._meta.fields]


class IndicatorValueInline(ShownOnly, admin.TabularInline):
    model = IndicatorValue
    fields = ["indicator", "value", "note", "source", "updated_by", "updated_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Submission)
class SubmissionAdmin(ShownOnly, admin.ModelAdmin):
    """Read-only here: values and status change only through the services, which audit them."""

    list_display = ["region", "cycle", "status", "version", "updated_at"]
    list_filter = ["status", "cycle__period", "region__parent"]
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


class ResultAdmin(ShownOnly, admin.ModelAdmin):
    """Results are written by score runs only."""

    list_filter = ["run__cycle__period", "run__status", "region__parent"]
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


@admin.register(ReviewComment)
class ReviewCommentAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["submission", "indicator", "text", "author", "created_at"]
    list_filter = ["submission__cycle__period"]
    search_fields = ["text", "submission__region__name_zh"]
    list_select_related = ["submission__region", "submission__cycle__framework", "indicator", "author"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "message", "created_at", "read_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["message", "user__username"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False


# --- People: accounts are created and changed through the services, which audit them. ----------------------
_password_actor: ContextVar = ContextVar("password_actor")
"""Who is setting a password in the admin (the password form is built without the request)."""


class AuditedPasswordForm(UserAdmin.change_password_form):
    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data.get("set_usable_password", True) else None
        return person_password_set(person=self.user, password=password, actor=_password_actor.get())


class PersonAdmin(UserAdmin):
    change_password_form = AuditedPasswordForm

    def save_model(self, request, obj, form, change):
        person_save(person=obj, actor=request.user, password_set=not change)

    def user_change_password(self, request, id, form_url=""):
        token = _password_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)

    def has_delete_permission(self, request, obj=None):
        """Deactivate an account instead: who did what stays attributed."""
        return False


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), PersonAdmin)
