"""The region register in the admin: shown, and changed only by loading a register file (upload → dry run → apply),
as `manage.py load_regions` does. Roles are granted on current regions only."""

import hashlib
import re
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from smartgov.admin_base import ShownOnly
from smartgov.errors import DomainError
from smartgov.limits import IMPORT_UPLOAD_LIFETIME, REGIONS_FILE_MAX_BYTES

from ..models import Region, RegionName
from ..permissions import is_platform_admin
from ..regions_file import RegionsFileError, read_regions_bytes
from ..services.regions import regions_diff, regions_load

TOKEN = re.compile(r"^[0-9]+-[0-9a-f]{64}$")


class RegionNameInline(ShownOnly, admin.TabularInline):
    model = RegionName
    fields = ["name_zh", "name_en", "valid_until", "edition"]
    extra = 0


class RegionsFileForm(forms.Form):
    file = forms.FileField(label=_("Register file (smartgov-regions/1, YAML or JSON)"))


class RegionsApplyForm(forms.Form):
    token = forms.RegexField(regex=TOKEN, widget=forms.HiddenInput)
    key = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)


@admin.register(Region)
class RegionAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent", "tree", "edition", "valid_from", "valid_to",
                    "successor"]
    list_filter = ["tree", "level", ("valid_to", admin.EmptyFieldListFilter), "edition"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent", "successor"]
    inlines = [RegionNameInline]
    change_list_template = "admin/assessments/region/change_list.html"

    def get_search_results(self, request, queryset, search_term):
        """Choosing a region for a role (the autocomplete): current regions only."""
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(valid_to__isnull=True)
        return queryset, duplicates

    def get_urls(self):
        return [
            path("load/", self.admin_site.admin_view(self.load_view), name="assessments_region_load"),
            *super().get_urls(),
        ]

    def load_view(self, request):
        if not is_platform_admin(request.user):
            raise PermissionDenied
        if request.method == "POST" and "token" in request.POST:
            return self._apply(request)
        form = RegionsFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > REGIONS_FILE_MAX_BYTES:
                form.add_error("file", _("The file is larger than %(mb)s MB.")
                               % {"mb": REGIONS_FILE_MAX_BYTES // (1024 * 1024)})
            else:
                content = upload.read()
                try:
                    diff = regions_diff(document=read_regions_bytes(content))
                except RegionsFileError as error:
                    for where, reason in error.errors:
                        form.add_error("file", f"{where}: {reason}")
                except DomainError as error:
                    form.add_error("file", str(error))
                else:
                    token = _store(content, request.user.pk)
                    return self._render(request, "preview", diff=diff,
                                        apply=RegionsApplyForm(initial={"token": token, "key": diff.key}))
        return self._render(request, "upload", form=form)

    def _apply(self, request):
        form = RegionsApplyForm(request.POST)
        content = _stored(form.cleaned_data["token"], request.user.pk) if form.is_valid() else None
        if content is None:
            self.message_user(request, _("This upload is no longer available: upload the file again."),
                              messages.ERROR)
            return redirect("admin:assessments_region_load")
        try:
            diff = regions_load(document=read_regions_bytes(content), actor=request.user,
                                expected=form.cleaned_data["key"])
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:assessments_region_load")
        _discard(form.cleaned_data["token"])
        self.message_user(request, _("Register %(tree)s %(edition)s loaded: %(changes)s changes.")
                          % {"tree": diff.tree, "edition": diff.edition, "changes": diff.changes}, messages.SUCCESS)
        return redirect("admin:assessments_region_changelist")

    def _render(self, request, step, **context):
        title = _("Load a region register") if step == "upload" else _("Changes the register file makes")
        return render(request, "admin/assessments/region/load.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": title, "step": step,
            **context})


# The uploaded file between the dry run and the apply, under MEDIA_ROOT/regions/ (outside the web root) -----------


def _directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "regions"


def _store(content: bytes, user_id: int) -> str:
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    limit = time.time() - IMPORT_UPLOAD_LIFETIME
    for old in directory.glob("*.yaml"):
        if old.stat().st_mtime < limit:
            old.unlink(missing_ok=True)
    token = f"{user_id}-{hashlib.sha256(content).hexdigest()}"
    (directory / f"{token}.yaml").write_bytes(content)
    return token


def _stored(token: str, user_id: int) -> bytes | None:
    """The upload behind `token`, only for the user who uploaded it, unchanged and not expired."""
    owner, _sep, digest = token.partition("-")
    path = _directory() / f"{token}.yaml"
    try:
        if owner != str(user_id) or time.time() - path.stat().st_mtime > IMPORT_UPLOAD_LIFETIME:
            return None
        content = path.read_bytes()
    except OSError:
        return None
    return content if hashlib.sha256(content).hexdigest() == digest else None


def _discard(token: str) -> None:
    (_directory() / f"{token}.yaml").unlink(missing_ok=True)
