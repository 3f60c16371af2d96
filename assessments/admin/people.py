"""People: accounts created and changed through the services, which audit them; people imports, shown only."""

from contextvars import ContextVar

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from smartgov.admin_base import ShownOnly

from ..models import PeopleImportRequest
from ..services import person_password_set, person_save

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


@admin.register(PeopleImportRequest)
class PeopleImportRequestAdmin(ShownOnly, admin.ModelAdmin):
    """People sheets applied in the background; the stored file itself is never offered here."""

    list_display = ["requested_at", "file_name", "status", "progress", "created", "granted", "requested_by"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]
    exclude = ["file"]
