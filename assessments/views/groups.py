"""A cycle's comparison groups: the list with their members, a form to add, edit or remove one, and a CSV/.xlsx
upload checked in a dry run before it replaces them. The national coordinator's page; the rules are in
`assessments.services.groups`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from smartgov.errors import DomainError
from smartgov.limits import GROUPS_FILE_MAX_BYTES

from ..lifecycle import state_refusal
from ..models import Cycle, Submission
from ..permissions import is_platform_admin
from ..services.groups import (
    SET_GROUPS,
    GroupInput,
    cycle_groups,
    groups_csv,
    groups_from_token,
    groups_preview,
    groups_set,
    groups_with,
    members_from_text,
)

NAMES = (("name_zh", gettext_lazy("Name (Chinese)")), ("name_en", gettext_lazy("Name (English)")))


@login_required
def cycle_groups_page(request, pk):
    cycle = _cycle(request, pk)
    if request.method != "POST":
        return _render(request, cycle, form=_form_of(cycle, request.GET.get("edit", "")))
    action = request.POST.get("action")
    if action == "check":
        return _check(request, cycle)
    try:
        if action == "apply":
            groups = groups_from_token(request.POST.get("token", ""))
            groups_set(cycle=cycle, groups=groups, actor=request.user, expected=request.POST.get("fingerprint", ""))
            messages.success(request, _("The comparison groups were replaced by the %(count)d groups of the file.")
                             % {"count": len(groups)})
        elif action == "remove":
            code = request.POST.get("code", "")
            groups_set(cycle=cycle, groups=groups_with(cycle_groups(cycle), replace=code), actor=request.user)
            messages.success(request, _("The group “%(code)s” was removed.") % {"code": code})
        else:
            group = _posted_group(request)
            current = cycle_groups(cycle)
            groups_set(cycle=cycle, groups=groups_with(current, replace=request.POST.get("original", ""),
                                                       group=group), actor=request.user)
            messages.success(request, _("The group “%(code)s” was saved.") % {"code": group.code})
    except DomainError as error:
        form = request.POST if action not in ("apply", "remove") else _form_of(cycle, "")
        return _render(request, cycle, form=form, error=str(error), fields=error.fields, status=error.status)
    return redirect("cycle-groups", pk=cycle.pk)


@login_required
@require_GET
def cycle_groups_download(request, pk):
    cycle = _cycle(request, pk)
    response = HttpResponse(groups_csv(cycle_groups(cycle)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="groups-{cycle.period}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _cycle(request, pk):
    """The cycle, for the national coordinator only."""
    cycle = get_object_or_404(Cycle.objects.select_related("framework"), pk=pk)
    if not is_platform_admin(request.user):
        raise PermissionDenied
    return cycle


def _check(request, cycle):
    upload = request.FILES.get("file")
    if upload is None:
        return _render(request, cycle, error=_("Choose a CSV or Excel file (.xlsx) to upload."), status=400)
    try:
        preview = groups_preview(cycle=cycle, data=upload.read(GROUPS_FILE_MAX_BYTES + 1), name=upload.name)
    except DomainError as error:
        return _render(request, cycle, error=str(error), status=error.status)
    return _render(request, cycle, preview=preview)


def _posted_group(request):
    post = request.POST
    members = (*members_from_text(post.get("members_text", "")), *post.getlist("members"))
    return GroupInput(post.get("code", ""), post.get("name_zh", ""), post.get("name_en", ""), members)


def _form_of(cycle, code):
    """The form's values: the group being edited, or empty for a new one."""
    group = next((g for g in cycle_groups(cycle) if g.code == code), None) if code else None
    if group is None:
        return {}
    return {"original": group.code, "code": group.code, "name_zh": group.name_zh, "name_en": group.name_en,
            "members_text": "\n".join(group.members)}


def _render(request, cycle, *, form=None, error=None, fields=None, preview=None, status=200):
    participants = {s.region.code: s.region for s in
                    Submission.objects.filter(cycle=cycle).select_related("region").order_by("region__code")}
    groups = [(g, [participants.get(code, code) for code in g.members]) for g in cycle_groups(cycle)]
    chosen = set(form.getlist("members")) if hasattr(form, "getlist") else set()
    form, fields = form or {}, fields or {}
    names = [(key, label, form.get(key, ""), fields.get(key, ())) for key, label in NAMES]
    return render(request, "assessments/cycles/groups.html", {
        "cycle": cycle, "groups": groups, "participants": participants.values(), "chosen": chosen,
        "form": form, "names": names, "error": error, "fields": fields, "preview": preview,
        "lock": state_refusal(SET_GROUPS, cycle.status), "max_megabytes": GROUPS_FILE_MAX_BYTES // (1024 * 1024),
    }, status=status)
