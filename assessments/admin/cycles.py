"""Cycles: created and changed through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from ..models import Cycle
from ..services import cycle_create, cycle_scores_request, cycle_update
from ..services.cycles import EDITABLE as CYCLE_EDITABLE
from ..services.cycles import cycle_check
from .forms import ServiceForm


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
