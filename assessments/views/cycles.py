"""The coordinators' pages of cycles: the list, a new cycle, a cycle's page (its lifecycle, participants by
province, publications) with its actions, and a province's participants with their deadlines.

The national coordinator (a platform administrator) does everything; a provincial coordinator sees the cycles
and acts on their province's participants and deadlines only. Everyone else gets a 403; a province the user
does not coordinate, a 404. A refused action shows its reason on the page, with what the user typed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from smartgov.errors import DomainError

from ..lifecycle import STEPS, TRANSITIONS, available
from ..models import Cycle, Region, Submission
from ..participation import (
    cycle_participation,
    cycles_participation,
    latest_versions,
    not_approved,
    participants_of,
    publications_of,
)
from ..permissions import coordinated_provinces, is_platform_admin
from ..services.cycles import cycle_close, cycle_create, cycle_open, cycle_update
from ..services.participants import deadline_extend, participants_add
from ..services.publication import cycle_publish, cycle_revise, publication_refusal
from .cycle_forms import CycleChangeForm, CycleForm, ExtensionForm, ParticipantsForm, ReasonForm

NOT_APPROVED_SHOWN = 100
"""The participants not approved listed on a cycle's page (each province's page lists all of its own)."""
NO_PROVINCE = "-"
"""The code in the URL of the participants outside any province-level division (countries, groups' members)."""


def _scope(user):
    """None for the national coordinator (everything), else the ids of the provinces the user coordinates; a
    user who coordinates nothing may not see these pages."""
    if is_platform_admin(user):
        return None
    provinces = list(coordinated_provinces(user).values_list("pk", flat=True))
    if not provinces:
        raise PermissionDenied(_("These pages are for the national and provincial coordinators."))
    return provinces


def _national(user):
    if not is_platform_admin(user):
        raise PermissionDenied(_("Only the national coordinator (a platform administrator) may do this."))


def _cycle(pk):
    return get_object_or_404(Cycle.objects.select_related("framework", "current_run"), pk=pk)


@login_required
def cycle_list(request):
    provinces = _scope(request.user)
    cycles = list(Cycle.objects.select_related("framework").order_by("-period", "framework__code"))
    participation = cycles_participation(cycles, provinces=provinces)
    versions = latest_versions(cycles)
    return render(request, "assessments/cycles/list.html", {
        "rows": [(c, participation.get(c.pk), versions.get(c.pk)) for c in cycles],
        "national": provinces is None})


@login_required
def cycle_create_view(request):
    _national(request.user)
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = cycle_create(actor=request.user, framework=data["framework"], period=data["period"],
                                 opens=data["opens"], closes=data["closes"], min_participation=form.share(),
                                 separation_of_duties=data["separation_of_duties"])
        except DomainError as error:
            form.refused(error)
        else:
            messages.success(request, _("Cycle %(cycle)s created: open it with its participants.") % {"cycle": cycle})
            return redirect("cycle-detail", pk=cycle.pk)
    status = 400 if form.errors else 200
    return render(request, "assessments/cycles/create.html", {"form": form}, status=status)


@login_required
def cycle_detail(request, pk):
    return _detail(request, _cycle(pk))


def _detail(request, cycle, *, status=200, **forms):
    provinces = _scope(request.user)
    national = provinces is None
    province_choices = _province_choices(request.user)
    steps = {step.action for step in available(cycle, request.user)}
    participation = cycle_participation(cycle, provinces=provinces)
    context = {
        "cycle": cycle, "national": national, "steps": steps, "participation": participation,
        "publications": list(publications_of(cycle)),
        "not_approved": (list(not_approved(cycle, provinces=provinces)[:NOT_APPROVED_SHOWN])
                         if cycle.status in (Cycle.Status.CLOSED, Cycle.Status.PUBLISHED) else []),
        "not_approved_total": participation.total.participants - participation.total.approved,
        "publication_refusal": (publication_refusal(cycle)
                                if cycle.status in (Cycle.Status.CLOSED, Cycle.Status.PUBLISHED) else None),
        "labels": {**{a: t.label for a, t in TRANSITIONS.items()}, **{a: s.label for a, s in STEPS.items()}},
        "lifecycle": Cycle.Status.choices, "statuses": Submission.Status.choices, "no_province": NO_PROVINCE,
        "change_form": forms.get("change_form") or CycleChangeForm(initial={
            "opens": cycle.opens, "closes": cycle.closes,
            "min_participation": round(cycle.min_participation * 100, 1),
            "separation_of_duties": cycle.separation_of_duties}),
        "open_form": forms.get("open_form") or ParticipantsForm(provinces=province_choices, prefix="open"),
        "add_form": forms.get("add_form") or ParticipantsForm(provinces=province_choices, prefix="add"),
        "revise_form": forms.get("revise_form") or ReasonForm(),
    }
    return render(request, "assessments/cycles/detail.html", context, status=status)


def _submit(request, cycle, name, form, act):
    """Run `act` on the form's data when it is valid and go back to the cycle's page with the message `act`
    returns; else show the page again with the form's errors or the service's refusal, and what was typed."""
    if not form.is_valid():
        return _detail(request, cycle, status=400, **{name: form})
    try:
        message = act(form.cleaned_data)
    except DomainError as error:
        form.refused(error)
        return _detail(request, cycle, status=error.status, **{name: form})
    messages.success(request, message)
    return redirect("cycle-detail", pk=cycle.pk)


def _press(request, pk, act):
    """A button's action (no form): back to the cycle's page with `act`'s message, or the refusal's."""
    cycle = _cycle(pk)
    _scope(request.user)
    try:
        messages.success(request, act(cycle))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("cycle-detail", pk=cycle.pk)


def _province_choices(user):
    return coordinated_provinces(user).order_by("code")


def _participants_form(request, prefix):
    return ParticipantsForm(request.POST, request.FILES, provinces=_province_choices(request.user), prefix=prefix)


@login_required
@require_POST
def cycle_change(request, pk):
    cycle = _cycle(pk)
    _national(request.user)
    form = CycleChangeForm(request.POST)

    def change(data):
        cycle_update(cycle=cycle, actor=request.user, opens=data["opens"], closes=data["closes"],
                     min_participation=form.share(), separation_of_duties=data["separation_of_duties"])
        return _("Saved.")

    return _submit(request, cycle, "change_form", form, change)


def _participants_view(service, prefix, message, *, national):
    """The view that takes a participant set for `service` (opening: the national coordinator's; late
    participants: a coordinator's, in their provinces)."""

    @login_required
    @require_POST
    def view(request, pk):
        cycle = _cycle(pk)
        (_national if national else _scope)(request.user)

        def act(data):
            result = service(cycle=cycle, participants=data["selection"], actor=request.user)
            return message % {"added": len(result.added), "already": result.already}

        return _submit(request, cycle, f"{prefix}_form", _participants_form(request, prefix), act)

    return view


cycle_open_view = _participants_view(cycle_open, "open", gettext_lazy(
    "The cycle is open for entry: %(added)d participants added, %(already)d took part already."), national=True)
cycle_participants_add = _participants_view(participants_add, "add", gettext_lazy(
    "%(added)d participants added; %(already)d took part already."), national=False)


def _button_view(act):
    """The view of a button (no form) that runs `act(cycle, actor)`, which returns the message of success."""

    @login_required
    @require_POST
    def view(request, pk):
        return _press(request, pk, lambda cycle: act(cycle, request.user))

    return view


def _close(cycle, actor):
    closing = cycle_close(cycle=cycle, actor=actor)
    return _("Entry is closed. %(count)d of %(total)d participants were not approved: they are listed below.") % {
        "count": len(closing.not_approved), "total": closing.participants}


def _publish(cycle, actor):
    publication = cycle_publish(cycle=cycle, actor=actor)
    return _("The results are published (version %(version)d, score run #%(run)d).") % {
        "version": publication.version, "run": publication.run_id}


cycle_close_view = _button_view(_close)
cycle_publish_view = _button_view(_publish)


@login_required
@require_POST
def cycle_revise_view(request, pk):
    cycle = _cycle(pk)
    _national(request.user)

    def revise(data):
        publication = cycle_revise(cycle=cycle, reason=data["reason"], actor=request.user)
        return _("The revision is published as version %(version)d.") % {"version": publication.version}

    return _submit(request, cycle, "revise_form", ReasonForm(request.POST), revise)


@login_required
def cycle_province(request, pk, code):
    """A province's participants with their statuses and deadlines; extending one's deadline."""
    cycle = _cycle(pk)
    provinces = _scope(request.user)
    province = None if code == NO_PROVINCE else get_object_or_404(Region, code=code, level=Region.Level.PROVINCE)
    if provinces is not None and (province is None or province.pk not in provinces):
        raise Http404
    submissions = list(participants_of(cycle, province))
    form = ExtensionForm(request.POST or None, submissions=submissions)
    status = 400 if form.is_bound and not form.is_valid() else 200
    if form.is_bound and status == 200:
        chosen = next(s for s in submissions if s.pk == form.cleaned_data["participant"])
        try:
            deadline_extend(submission=chosen, until=form.cleaned_data["until"], reason=form.cleaned_data["reason"],
                            actor=request.user)
        except DomainError as error:
            form.refused(error)
            status = error.status
        else:
            messages.success(request, _("%(region)s may enter until %(until)s.")
                             % {"region": chosen.region.name, "until": form.cleaned_data["until"].isoformat()})
            return HttpResponseRedirect(reverse("cycle-province", args=[cycle.pk, code]))
    return render(request, "assessments/cycles/province.html", {
        "cycle": cycle, "province": province, "submissions": submissions, "form": form,
        "may_extend": STEPS["extend_deadline"].action in {s.action for s in available(cycle, request.user)},
    }, status=status)
