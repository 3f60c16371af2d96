from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from smartgov.admin_base import ShownOnly
from smartgov.errors import DomainError

from .models import ApiToken, WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldGroups
from .services import (
    WEBHOOK_FIELDS,
    token_create,
    token_rename,
    token_revoke,
    webhook_check,
    webhook_register,
    webhook_update,
)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "key_prefix", "user__username"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at", "revoked_at", "revoked_by"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> _FieldGroups:
        return ["user", "name"] if obj is None else ["user", "name", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str] | tuple[str, ...]:
        return self.readonly_fields if obj is None else ["user", *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: forms.ModelForm[ApiToken], change: bool) -> None:
        if change:
            token_rename(token=obj, name=obj.name, actor=request.user)
            return
        token, secret = token_create(user=obj.user, name=obj.name, actor=request.user)
        obj.pk, obj.key_prefix, obj.key_hash = token.pk, token.key_prefix, token.key_hash
        obj.created_at = token.created_at
        obj._state.adding, obj._state.db = False, token._state.db
        messages.warning(request, _("The token's secret, shown only this once — copy it now: %(secret)s")
                         % {"secret": secret})

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token_revoke(token=token, actor=request.user)
        self.message_user(request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
                          % {"count": len(tokens)})

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False


class WebhookEndpointForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()  # ModelForm's: returns `cleaned_data`
        data = self.cleaned_data
        if all(data.get(name) for name in ("owner", "url", "region")):
            try:
                webhook_check(owner=data["owner"], url=data["url"], region=data["region"],
                              secret=data.get("secret") or "")
            except DomainError as error:
                raise forms.ValidationError(str(error)) from error
        return data


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Endpoints are registered and changed through the services, which check and audit them."""

    form = WebhookEndpointForm
    list_display = ["url", "region", "owner", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "owner__username", "region__code", "region__name_zh"]
    autocomplete_fields = ["owner"]
    raw_id_fields = ["region"]
    fields = ["url", "region", "owner", "secret", "active", "created_at"]
    readonly_fields = ["created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_form(self, request: HttpRequest, obj: WebhookEndpoint | None = None, change: bool = False, **kwargs: Any
                 ) -> type[forms.ModelForm[WebhookEndpoint]]:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.base_fields["secret"].required = False
        form.base_fields["secret"].help_text = _("Leave empty to have one generated.")
        return form

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: forms.ModelForm[WebhookEndpoint],
                   change: bool) -> None:
        if change:
            webhook_update(endpoint=obj, actor=request.user,
                           secret=obj.secret if "secret" in form.changed_data else "",
                           **{name: getattr(obj, name) for name in WEBHOOK_FIELDS})
            return
        endpoint = webhook_register(owner=obj.owner, url=obj.url, region=obj.region, secret=obj.secret,
                                    actor=request.user)
        obj.pk, obj.secret, obj.created_at = endpoint.pk, endpoint.secret, endpoint.created_at
        obj._state.adding, obj._state.db = False, endpoint._state.db

    def has_delete_permission(self, request: HttpRequest, obj: WebhookEndpoint | None = None) -> bool:
        """Deactivate an endpoint instead: its deliveries stay on record."""
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["created_at", "event", "endpoint", "status", "attempts", "last_status_code", "next_attempt_at",
                    "delivered_at"]
    list_filter = ["status", "event"]
    search_fields = ["endpoint__url", "key"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
