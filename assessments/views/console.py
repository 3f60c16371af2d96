"""The campaign console of the national and provincial coordinators: how a cycle's campaign is going (counts by
status, by province and city, overdue participants, last activity, evidence missing), its reminders, and the
progress as an Excel file."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from smartgov.errors import DomainError, NotFound, PermissionRefused

from ..history_export import XLSX, attachment
from ..models import Cycle, Region, ReminderSchedule, Submission
from ..progress import (
    CampaignProgress,
    campaign_progress,
    may_open_console,
    progress_workbook,
    province_of,
    with_details,
)
from ..services.reminders import EVERY_DAYS, NEAR_DAYS, reminders_schedule

SHOWN = 20
"""Participants listed in the overdue and missing-evidence lists of the overview (the export has them all)."""


class ReminderForm(forms.Form):
    province = forms.CharField(required=False)
    every_days = forms.IntegerField(label=gettext_lazy("Every (days)"), min_value=EVERY_DAYS[0],
                                    max_value=EVERY_DAYS[1], initial=7)
    hour = forms.IntegerField(label=gettext_lazy("At (hour, Beijing time)"), min_value=0, max_value=23, initial=9)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


@login_required
def console(request):
    _check_coordinator(request.user)
    cycles = _cycles()
    if not cycles:
        return render(request, "assessments/console/console.html", {"cycle": None})
    progress, province = _progress(request, cycles)
    schedules = [s for s in ReminderSchedule.objects.filter(cycle=progress.cycle).select_related("province")
                 .order_by("province__code")
                 if (s.province_id is None and progress.national)
                 or any(p.pk == s.province_id for p in progress.provinces)]
    participants, overdue, missing_evidence = with_details(
        progress.in_province(province.code) if province else [],
        [] if province else progress.overdue[:SHOWN], [] if province else progress.missing_evidence[:SHOWN])
    return render(request, "assessments/console/console.html", {
        "progress": progress, "cycle": progress.cycle, "cycles": cycles, "province": province,
        "participants": participants, "cities": progress.by_city(province.code) if province else None,
        "overdue": overdue, "missing_evidence": missing_evidence,
        "shown": SHOWN, "schedules": schedules, "form": _reminder_form(schedules, province), "near_days": NEAR_DAYS,
        "statuses": Submission.Status.choices,
    })


@login_required
def console_export(request):
    _check_coordinator(request.user)
    progress, province = _progress(request, _cycles())
    participants, = with_details(progress.in_province(province.code) if province else progress.participants)
    response = HttpResponse(progress_workbook(progress, participants), content_type=XLSX)
    name = f"{progress.cycle.period}-{province.name if province else _('All')}-{_('Progress')}.xlsx"
    fallback = f"progress-{progress.cycle.period}-{province.code if province else 'all'}.xlsx"
    response["Content-Disposition"] = attachment(name, fallback)
    return response


@login_required
@require_POST
def console_reminders(request, cycle_pk):
    """Set (or stop) the reminders of a cycle for a province, or for all of them (the national coordinator)."""
    _check_coordinator(request.user)
    cycle = get_object_or_404(Cycle.objects.select_related("framework"), pk=cycle_pk)
    form = ReminderForm(request.POST)
    code = request.POST.get("province", "")
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(_console_url(cycle, code))
    try:
        reminders_schedule(actor=request.user, cycle=cycle,
                           province=province_of(campaign_progress(cycle, request.user), code),
                           every_days=form.cleaned_data["every_days"], hour=form.cleaned_data["hour"],
                           active=form.cleaned_data["active"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Reminders saved."))
    return redirect(_console_url(cycle, code))


def _reminder_form(schedules: list[ReminderSchedule], province: Region | None) -> ReminderForm:
    """The form, filled in with the reminders already set for the province shown (for all, on the overview)."""
    current = next((s for s in schedules if s.province_id == (province.pk if province else None)), None)
    if current is None:
        return ReminderForm()
    return ReminderForm(initial={"every_days": current.every_days, "hour": current.hour, "active": current.active})


def _check_coordinator(user) -> None:
    if not may_open_console(user):
        raise PermissionRefused(_("Only the national and provincial coordinators run campaigns."))


def _progress(request, cycles: list[Cycle]) -> tuple[CampaignProgress, Region | None]:
    """The campaign asked for (`cycle`, by default the latest open one) and the province drilled into
    (`province`, by code; the reader's only province when they coordinate just one)."""
    cycle = _chosen(request.GET.get("cycle"), cycles)
    progress = campaign_progress(cycle, request.user)
    code = request.GET.get("province")
    if code is None and not progress.national and len(progress.provinces) == 1:
        code = progress.provinces[0].code
    return progress, province_of(progress, code)


def _cycles() -> list[Cycle]:
    return list(Cycle.objects.select_related("framework").order_by("-period", "framework__code"))


def _chosen(value, cycles: list[Cycle]) -> Cycle:
    if value:
        found = next((c for c in cycles if str(c.pk) == value), None)
        if found is None:
            raise NotFound(_("There is no such assessment cycle."))
        return found
    found = next((c for c in cycles if c.status == Cycle.Status.OPEN), None) or next(iter(cycles), None)
    if found is None:
        raise NotFound(_("There is no assessment cycle yet."))
    return found


def _console_url(cycle, province_code=""):
    query = {"cycle": cycle.pk, **({"province": province_code} if province_code else {})}
    return f"{reverse('console')}?{urlencode(query)}"
