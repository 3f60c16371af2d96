"""The submission workflow as an explicit state machine.

Every transition names the states it leaves from, the state it leads to and the roles that may take it; any
other move is refused with the reason. Who holds a role *for this submission's region* is decided by
`assessments.permissions`. The services in `assessments.services` apply a transition; nothing else changes
a submission's status.

    draft ──submit──▶ submitted ──sign_off──▶ signed_off ──approve──▶ approved
      ▲  ◀──send_back──   (city officer)  (city reviewer)    │ (province)           │
      │                                                      │ return               │ reopen
      └──────── submit ─────────── returned ◀────────────────┘◀─────────────────────┘
                                              (platform admin, with a reason)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from smartgov.errors import ErrorCode, Refused

from .models import RoleAssignment, Submission

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Role = RoleAssignment.Role
Status = Submission.Status


@dataclass(frozen=True)
class Transition:
    action: str
    label: StrOrPromise
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    needs_comment: bool = False
    needs_open_cycle: bool = False
    """Whether only an open cycle allows it (entry and sign-off stop at the closing date; review goes on)."""


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("submit", _("Submit for city sign-off"), (Status.DRAFT, Status.RETURNED), Status.SUBMITTED,
                   (Role.CITY_OFFICER, Role.CITY_REVIEWER, Role.PLATFORM_ADMIN), needs_open_cycle=True),
        Transition("send_back", _("Send back to the data-entry officer"), (Status.SUBMITTED,), Status.DRAFT,
                   (Role.CITY_REVIEWER, Role.PLATFORM_ADMIN), needs_comment=True),
        Transition("sign_off", _("Sign off and send to the province"), (Status.SUBMITTED,), Status.SIGNED_OFF,
                   (Role.CITY_REVIEWER, Role.PLATFORM_ADMIN), needs_open_cycle=True),
        Transition("return", _("Return to the city"), (Status.SIGNED_OFF,), Status.RETURNED,
                   (Role.PROVINCE_ANALYST, Role.PLATFORM_ADMIN), needs_comment=True),
        Transition("approve", _("Approve"), (Status.SIGNED_OFF,), Status.APPROVED,
                   (Role.PROVINCE_ANALYST, Role.PLATFORM_ADMIN)),
        Transition("reopen", _("Reopen an approved submission"), (Status.APPROVED,), Status.RETURNED,
                   (Role.PLATFORM_ADMIN,), needs_comment=True),
    )
}

EDITABLE_STATES = (Status.DRAFT, Status.RETURNED)
EDITING_ROLES = (Role.CITY_OFFICER, Role.CITY_REVIEWER, Role.PROVINCE_ANALYST, Role.PLATFORM_ADMIN)
"""Who may enter values while a submission is a draft or returned. The province may enter data for its cities
(e.g. from provincial systems, with the province-wide Excel file); the city still signs the submission off."""


def transition(action: str) -> Transition:
    try:
        return TRANSITIONS[action]
    except KeyError:
        raise WorkflowRefused(_("There is no workflow action “%(action)s”.") % {"action": action}) from None


class WorkflowRefused(Refused):
    """A move the workflow does not allow from here, now; the message says why, for the user."""

    code = ErrorCode.WORKFLOW_REFUSED


def role_refusal(t: Transition, roles: set[str]) -> str | None:
    """Why someone holding `roles` here may never take `t`, or None when their role allows it."""
    if roles & set(t.roles):
        return None
    return _("“%(action)s” needs one of these roles for this region: %(roles)s.") % {
        "action": t.label, "roles": "、".join(str(Role(r).label) for r in t.roles)}


def state_refusal(t: Transition, status: str, roles: set[str], *, entry_open: bool) -> StrOrPromise | None:
    """Why `t` may not be taken from `status` now (the state, or the cycle's entry window), or None."""
    if status not in t.sources:
        return _("“%(action)s” is not possible from “%(status)s”; it is possible from: %(sources)s.") % {
            "action": t.label, "status": Status(status).label,
            "sources": "、".join(str(Status(s).label) for s in t.sources)}
    if t.needs_open_cycle and not entry_open and Role.PLATFORM_ADMIN not in roles:
        return _("The cycle is not open for entry; a platform administrator can still act.")
    return None


def reason_refusal(t: Transition) -> str:
    return _("“%(action)s” needs a reason.") % {"action": t.label}


def lock_reason(status: str, *, entry_open: bool) -> StrOrPromise | None:
    """Why the values of a submission in `status` cannot be edited now, or None when they can."""
    if status == Status.APPROVED:
        return _("Approved by the province: the values are locked. A platform administrator can reopen the "
                 "submission, giving a reason.")
    if status == Status.SUBMITTED:
        return _("Submitted for the city reviewer's sign-off: the values are locked until the reviewer sends it "
                 "back.")
    if status == Status.SIGNED_OFF:
        return _("Signed off and awaiting the province's review: the values are locked until it is returned.")
    if not entry_open:
        return _("The cycle is not open for entry: the values are locked. A platform administrator can still edit "
                 "them.")
    return None


def available(status: str, roles: set[str], *, entry_open: bool) -> list[Transition]:
    """The transitions these roles could take from `status` now (given a reason where one is needed)."""
    return [t for t in TRANSITIONS.values()
            if role_refusal(t, roles) is None and state_refusal(t, status, roles, entry_open=entry_open) is None]
