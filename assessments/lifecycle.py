"""The cycle lifecycle as an explicit state machine, in the style of the submissions' (`assessments.workflow`).

Every transition names the states it leaves from, the state it leads to and who may take it; any other move is
refused with the reason. The services in `assessments.services.cycles` and `.publication` apply a transition
(audited and notified); nothing else changes a cycle's status.

    planned ──open──▶ open ──close──▶ closed ──publish──▶ published ──┐
       (participants:    │                (review goes on:       ▲   revise (a reason:
        one submission   │                 approvals, new        └── publication v n+1)
        each)            │                 provisional runs)
                         │ add participants · extend a participant's deadline (with a reason)

Transitions are the national coordinator's (a platform administrator, or a command on the server). While a
cycle is open, late participants and deadline extensions are also a provincial coordinator's, for the regions
of their province (`assessments.permissions.may_coordinate`).

Results are provisional until `publish` freezes one score run as the cycle's official result (the database
refuses any change to it); a later correction is a `revise`, which publishes a newer run as the next version
and keeps the earlier ones retrievable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from audit.services import Actor
from smartgov.errors import ErrorCode, PermissionRefused, Refused

from .models import Cycle, RoleAssignment
from .permissions import held_roles, is_platform_admin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Role = RoleAssignment.Role
Status = Cycle.Status
NATIONAL = (Role.PLATFORM_ADMIN,)
COORDINATORS = (Role.PLATFORM_ADMIN, Role.PROVINCE_COORDINATOR)


@dataclass(frozen=True)
class CycleTransition:
    action: str
    label: StrOrPromise
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    needs_reason: bool = False


@dataclass(frozen=True)
class CampaignStep:
    """Something done within a state, which leaves the cycle's status as it is."""

    action: str
    label: StrOrPromise
    states: tuple[str, ...]
    roles: tuple[str, ...]


TRANSITIONS = {
    t.action: t
    for t in (
        CycleTransition("open", _("Open the cycle for entry"), (Status.PLANNED,), Status.OPEN, NATIONAL),
        CycleTransition("close", _("Close entry"), (Status.OPEN,), Status.CLOSED, NATIONAL),
        CycleTransition("publish", _("Publish the results"), (Status.CLOSED,), Status.PUBLISHED, NATIONAL),
        CycleTransition("revise", _("Publish a revision"), (Status.PUBLISHED,), Status.PUBLISHED, NATIONAL,
                        needs_reason=True),
    )
}

STEPS = {
    s.action: s
    for s in (
        CampaignStep("add_participants", _("Add participants"), (Status.OPEN,), COORDINATORS),
        CampaignStep("extend_deadline", _("Extend a participant's deadline"), (Status.OPEN,), COORDINATORS),
        CampaignStep("change", _("Change the dates or the minimum participation"),
                     (Status.PLANNED, Status.OPEN, Status.CLOSED), NATIONAL),
    )
}


class LifecycleRefused(Refused):
    """A move the lifecycle does not allow from here, now; the message says why, for the user."""

    code = ErrorCode.WORKFLOW_REFUSED


def transition(action: str) -> CycleTransition:
    try:
        return TRANSITIONS[action]
    except KeyError:
        raise LifecycleRefused(_("There is no cycle action “%(action)s”.") % {"action": action}) from None


def _labels(states: tuple[str, ...]) -> str:
    return "、".join(str(Status(s).label) for s in states)


def state_refusal(t: CycleTransition | CampaignStep, status: str) -> StrOrPromise | None:
    """Why `t` may not be taken while the cycle is `status`, or None."""
    sources = t.sources if isinstance(t, CycleTransition) else t.states
    if status in sources:
        return None
    return _("“%(action)s” is not possible while the cycle is “%(status)s”; it is possible while it is: "
             "%(sources)s.") % {"action": t.label, "status": Status(status).label, "sources": _labels(sources)}


def is_national(actor: Actor | None) -> bool:
    """The national coordinator: a platform administrator, or the platform itself (a command, `actor` None)."""
    return actor is None or is_platform_admin(actor)


def role_refusal(t: CycleTransition | CampaignStep, actor: Actor | None) -> StrOrPromise | None:
    """Why `actor` may never take `t`, or None when their role allows it. A provincial coordinator's steps are
    further limited to their province by the services."""
    if is_national(actor):
        return None
    if Role.PROVINCE_COORDINATOR in t.roles and actor is not None and any(
            role == Role.PROVINCE_COORDINATOR for role, _region in held_roles(actor)):
        return None
    return _("“%(action)s” needs one of these roles: %(roles)s.") % {
        "action": t.label, "roles": "、".join(str(Role(r).label) for r in t.roles)}


def check(t: CycleTransition | CampaignStep, cycle: Cycle, actor: Actor | None) -> None:
    """Refuse `t` on `cycle` by `actor`: their role first (PermissionRefused), then the state (LifecycleRefused)."""
    reason = role_refusal(t, actor)
    if reason:
        raise PermissionRefused(reason)
    reason = state_refusal(t, cycle.status)
    if reason:
        raise LifecycleRefused(reason)


def available(cycle: Cycle, actor: Actor | None) -> list[CycleTransition | CampaignStep]:
    """The transitions and steps `actor` could take on `cycle` now (given what each needs)."""
    steps: list[CycleTransition | CampaignStep] = [*TRANSITIONS.values(), *STEPS.values()]
    return [t for t in steps if role_refusal(t, actor) is None and state_refusal(t, cycle.status) is None]
