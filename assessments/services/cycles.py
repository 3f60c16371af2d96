"""Writes on assessment cycles: create one, change its dates or minimum participation, open it with its
participants and close it — each audited with old and new, the transitions also notified. A cycle's status
changes only by a transition of its lifecycle (`assessments.lifecycle`); publication is `.publication`'s."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import Actor, audit_record
from indicators.models import Framework
from smartgov.errors import Invalid, PermissionRefused

from ..lifecycle import STEPS, TRANSITIONS, LifecycleRefused, check, is_national, role_refusal
from ..models import Cycle, Notification, Submission
from .notifications import notify_participants
from .participants import ParticipantsAdded, ParticipantSet, participants_resolve, submissions_create

EDITABLE = ("opens", "closes", "min_participation", "separation_of_duties", "is_demo")


def _facts(cycle: Cycle, names: Iterable[str]) -> dict[str, Any]:
    return {name: str(getattr(cycle, name)) if name in ("opens", "closes") else getattr(cycle, name)
            for name in names}


def cycle_check(cycle: Cycle) -> None:
    """Refuse dates that do not make a cycle, and a minimum participation that is not a share."""
    if cycle.opens and cycle.closes and cycle.opens > cycle.closes:
        raise Invalid(_("The cycle must open before it closes."),
                      fields={"closes": [_("The closing date must not be before the opening date.")]})
    if cycle.min_participation is None or not 0 <= cycle.min_participation <= 1:
        reason = _("The minimum participation is a share from 0 to 1 (0 % to 100 %).")
        raise Invalid(reason, fields={"min_participation": [reason]})


def _national(actor: Actor | None) -> None:
    if not is_national(actor):
        raise PermissionRefused(_("Only the national coordinator (a platform administrator) manages cycles."))


@transaction.atomic
def cycle_create(*, actor: Actor | None, framework: Framework, period: int, opens: date, closes: date,
                 min_participation: float = 0.0, is_demo: bool = False, separation_of_duties: bool = True) -> Cycle:
    """A planned cycle of `framework` for `period` (the national coordinator's); it moves on only through the
    lifecycle (open with its participants, close, publish). `separation_of_duties`: the four-eyes rule of its
    submissions' workflow (`permissions.four_eyes_refusal`), on unless turned off."""
    _national(actor)
    cycle = Cycle(framework=framework, period=period, opens=opens, closes=closes, status=Cycle.Status.PLANNED,
                  min_participation=min_participation, is_demo=is_demo, separation_of_duties=separation_of_duties)
    cycle_check(cycle)
    taken = Invalid(_("This framework already has a cycle for %(period)s.") % {"period": period},
                    fields={"period": [_("Already taken for this framework.")]})
    if Cycle.objects.filter(framework=framework, period=period).exists():
        raise taken
    try:
        with transaction.atomic():
            cycle.save()
    except IntegrityError:
        raise taken from None
    audit_record(actor=actor, action=Action.CYCLE_CREATED, target=cycle,
                 new={"framework": f"{framework.code} v{framework.version}", "period": period,
                      "status": cycle.status, **_facts(cycle, EDITABLE)})
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, actor: Actor | None, **changes: Any) -> Cycle:
    """Change a cycle's opening and closing dates, minimum participation, four-eyes rule (`separation_of_duties`)
    or demo flag (its framework, period and status stay: the status changes only by the lifecycle). Nothing
    changes once it is published."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise Invalid(_("These cannot be changed: %(fields)s") % {"fields": ", ".join(unknown)},
                      fields={name: [_("Cannot be changed.")] for name in unknown})
    current = Cycle.objects.select_for_update().select_related("framework").get(pk=cycle.pk)
    before = _facts(current, EDITABLE)
    for name, value in changes.items():
        setattr(current, name, value)
    cycle_check(current)
    after = _facts(current, EDITABLE)
    changed = [name for name in EDITABLE if before[name] != after[name]]
    if changed:
        check(STEPS["change"], current, actor)
        current.save(update_fields=changed)
        audit_record(actor=actor, action=Action.CYCLE_CHANGED, target=current,
                     old={name: before[name] for name in changed}, new={name: after[name] for name in changed})
    return current


def _locked(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update(of=("self",)).select_related("framework", "current_run").get(pk=cycle.pk)


def cycle_open(*, cycle: Cycle, participants: ParticipantSet, actor: Actor | None) -> ParticipantsAdded:
    """Open a planned cycle for entry with its participants: one submission each (a region that has one
    already keeps it). Opening an open cycle again with participants it has creates nothing (a repeated
    request); new regions then join as late participants (`participants_add`), not by opening again."""
    step = TRANSITIONS["open"]
    with transaction.atomic():
        cycle = _locked(cycle)
        if cycle.status == Cycle.Status.OPEN:
            return _opened_already(cycle, participants, actor)
        check(step, cycle, actor)
        regions = participants_resolve(participants)
        added, already = submissions_create(cycle, regions)
        cycle.status = step.target
        cycle.save(update_fields=["status"])
        audit_record(actor=actor, action=Action.CYCLE_OPENED, target=cycle, old={"status": Cycle.Status.PLANNED},
                     new={"status": step.target, "participants": len(regions),
                          "codes": [region.code for region in regions], "selection": participants.describe()})
        notify_participants(submissions=cycle.submissions.select_related("region"), actor=actor,
                            kind=Notification.Kind.CYCLE_OPENED,
                            facts={"opens": cycle.opens.isoformat(), "closes": cycle.closes.isoformat()})
    return ParticipantsAdded(cycle, added, already)


def _opened_already(cycle: Cycle, participants: ParticipantSet, actor: Actor | None) -> ParticipantsAdded:
    reason = role_refusal(TRANSITIONS["open"], actor)
    if reason:
        raise PermissionRefused(reason)
    regions = participants_resolve(participants)
    taking_part = set(cycle.submissions.values_list("region_id", flat=True))
    if any(region.pk not in taking_part for region in regions):
        raise LifecycleRefused(_("The cycle is open already: add the new regions as late participants."))
    return ParticipantsAdded(cycle, [], len(regions))


@dataclass(frozen=True)
class Closing:
    cycle: Cycle
    not_approved: list[Submission]
    """The participants whose submission was not approved when entry closed, by code: reported as such."""
    participants: int


def cycle_close(*, cycle: Cycle, actor: Actor | None) -> Closing:
    """Close entry everywhere (extensions included); the province's review goes on. Returns — and records —
    the participants whose submission is not approved."""
    step = TRANSITIONS["close"]
    with transaction.atomic():
        cycle = _locked(cycle)
        check(step, cycle, actor)
        cycle.status = step.target
        cycle.save(update_fields=["status"])
        submissions = list(cycle.submissions.select_related("region__province").order_by("region__code"))
        not_approved = [s for s in submissions if s.status != Submission.Status.APPROVED]
        audit_record(actor=actor, action=Action.CYCLE_CLOSED, target=cycle, old={"status": Cycle.Status.OPEN},
                     new={"status": step.target, "participants": len(submissions),
                          "not_approved": {s.region.code: s.status for s in not_approved}})
        notify_participants(submissions=[s for s in submissions if s.status == Submission.Status.APPROVED],
                            actor=actor, kind=Notification.Kind.CYCLE_CLOSED, facts={"approved": True})
        notify_participants(submissions=not_approved, actor=actor, kind=Notification.Kind.CYCLE_CLOSED,
                            facts={"approved": False})
    return Closing(cycle, not_approved, len(submissions))
