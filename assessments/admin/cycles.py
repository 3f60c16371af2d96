"""Cycles: created and changed through the services. The status is the lifecycle's, changed on the cycle's page
(open, close, publish, revise), never here."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from smartgov.errors import DomainError

from ..lifecycle import STEPS, LifecycleRefused, state_refusal
from ..models import Cycle
from ..services import cycle_create, cycle_scores_request, cycle_update
from ..services.cycles import EDITABLE as CYCLE_EDITABLE
from ..services.cycles import cycle_check
from .forms import ServiceForm


class CycleForm(ServiceForm):
    class Meta:
        model = Cycle
        fields = ["framework", "period", "opens", "closes", "min_participation", "separation_of_duties", "is_demo"]

    def check(self, data):
        cycle_check(Cycle(opens=data.get("opens"), closes=data.get("closes"),
                          min_participation=data.get("min_participation")))
        refusal = self.instance.pk and self.has_changed() and state_refusal(STEPS["change"], self.instance.status)
        if refusal:
            raise LifecycleRefused(refusal)


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    """Cycles are created and changed through the services, which audit them; a cycle is never deleted, and its
    status moves only through its lifecycle."""

    form = CycleForm
    list_display = ["period", "framework", "opens", "closes", "status", "separation_of_duties", "is_demo",
                    "current_run"]
    list_filter = ["status", "separation_of_duties", "is_demo", "framework"]
    search_fields = ["framework__name_zh", "framework__code"]
    list_select_related = ["framework", "current_run__cycle__framework"]
    actions = ["recompute_scores"]

    def get_readonly_fields(self, request, obj=None):
        return ["status", "current_run"] if obj is None else ["framework", "period", "status", "current_run"]

    def save_model(self, request, obj, form, change):
        if change:
            cycle_update(cycle=obj, actor=request.user, **{name: getattr(obj, name) for name in CYCLE_EDITABLE})
            return
        created = cycle_create(actor=request.user, framework=obj.framework, period=obj.period, opens=obj.opens,
                               closes=obj.closes, min_participation=obj.min_participation, is_demo=obj.is_demo,
                               separation_of_duties=obj.separation_of_duties)
        obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Recompute the scores"))
    def recompute_scores(self, request, queryset):
        for cycle in queryset:
            try:
                run = cycle_scores_request(cycle=cycle, actor=request.user, reason="admin")
            except DomainError as error:  # outside the user's scope (permissions.may_recompute)
                self.message_user(request, f"{cycle}: {error}", messages.ERROR)
                continue
            self.message_user(request, _("%(cycle)s: score run #%(run)s is %(status)s (provisional until "
                                         "published).")
                              % {"cycle": cycle, "run": run.pk, "status": run.get_status_display()}, messages.INFO)
