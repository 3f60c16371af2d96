"""Who may see and act on which region. Every query and every write goes through these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from audit.models import Action
from audit.selectors import submission_round_actors
from audit.services import Actor

from .models import Cycle, Region, RoleAssignment, Submission
from .workflow import EDITING_ROLES, Transition, available, lock_reason

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Role = RoleAssignment.Role
PROVINCE_ROLES = (Role.PROVINCE_ANALYST, Role.PROVINCE_COORDINATOR)
"""Roles held on a province-level division, covering every region in it."""


def held_roles(user: Actor) -> list[tuple[str, int | None]]:
    """The user's roles as (role, region id), read once per user object and kept on it."""
    if not user.is_authenticated:
        return []
    cache = getattr(user, "_smartgov_roles", None)
    if cache is None:
        cache = list(RoleAssignment.objects.filter(user=user).values_list("role", "region_id"))
        user._smartgov_roles = cache
    return cache


def is_platform_admin(user: Actor) -> bool:
    return user.is_authenticated and (user.is_superuser or any(r == Role.PLATFORM_ADMIN for r, _ in held_roles(user)))


def roles_for_region(user: Actor, region: Region) -> set[str]:
    """The roles `user` holds over `region`: city roles on the city itself, the provincial role on the
    province and its cities, the platform administrator everywhere."""
    roles: set[str] = {Role.PLATFORM_ADMIN} if is_platform_admin(user) else set()
    for role, region_id in held_roles(user):
        on_city = role in (Role.CITY_OFFICER, Role.CITY_REVIEWER) and region_id == region.pk
        on_province = role in PROVINCE_ROLES and region_id in (region.pk, region.province_id)
        if on_city or on_province:
            roles.add(role)
    return roles


def coordinated_provinces(user: Actor) -> QuerySet[Region]:
    """The province-level divisions whose campaign `user` coordinates (participants, deadlines, people): every
    one for a platform administrator (the national coordinator), their own for a provincial coordinator."""
    provinces = Region.objects.filter(level=Region.Level.PROVINCE)
    if is_platform_admin(user):
        return provinces
    return provinces.filter(pk__in=[region_id for role, region_id in held_roles(user)
                                    if role == Role.PROVINCE_COORDINATOR])


def may_coordinate(user: Actor, region: Region) -> bool:
    """Whether `user` may manage the participation, deadlines and people of `region` (a province or a region in
    one): the national coordinator anywhere, a provincial coordinator in their province."""
    return is_platform_admin(user) or any(
        role == Role.PROVINCE_COORDINATOR and region_id in (region.pk, region.province_id)
        for role, region_id in held_roles(user))


def may_recompute(user: Actor, cycle: Cycle) -> bool:
    """Whether `user` may start a recompute of a cycle's scores: the national role, or a provincial role
    (analyst or coordinator) on the province-level divisions that hold every participant of the cycle. A cycle
    with a participant outside them, or with none, is not theirs to recompute."""
    if is_platform_admin(user):
        return True
    provinces = [region_id for role, region_id in held_roles(user) if role in PROVINCE_ROLES]
    participants = Submission.objects.filter(cycle_id=cycle.pk)
    return bool(provinces) and participants.exists() and not participants.exclude(
        region__province_id__in=provinces).exists()


def visible_regions(user: Actor) -> QuerySet[Region]:
    """Regions whose data `user` may see."""
    if is_platform_admin(user):
        return Region.objects.all()
    own = [region_id for role, region_id in held_roles(user) if region_id is not None]
    provinces = [region_id for role, region_id in held_roles(user) if role in PROVINCE_ROLES]
    return Region.objects.filter(Q(pk__in=own) | Q(province_id__in=provinces))


@dataclass(frozen=True)
class EditAccess:
    """Whether a user may change a submission's values now: `role` — they hold an editing role for its region;
    `lock` — why the values are locked (None when they are not)."""

    role: bool
    lock: StrOrPromise | None

    @property
    def editable(self) -> bool:
        return self.role and self.lock is None


def edit_access(user: Actor, submission: Submission) -> EditAccess:
    """The one rule for editing values, shared by the form, evidence, Excel, the API and the services.

    Administrators may edit outside the cycle's entry window; nobody edits a submission that is not a draft or
    returned (`lock_reason` says why).
    """
    roles = roles_for_region(user, submission.region)
    entry_open = submission.entry_open or Role.PLATFORM_ADMIN in roles
    return EditAccess(bool(roles & set(EDITING_ROLES)), lock_reason(submission.status, entry_open=entry_open))


# Separation of duties (four-eyes) -------------------------------------------------------------------------------

FOUR_EYES_ACTIONS = ("sign_off", "approve")
"""The workflow steps the four-eyes rule limits: someone other than who prepared a submission signs it off, and
someone other than who signed it off (or prepared it) approves it."""
FOUR_EYES_DUTIES = (
    ("signed_off", (Action.SUBMISSION_SIGNED_OFF,)),
    ("values", (Action.VALUE_CHANGED, Action.VALUES_IMPORTED)),
    ("evidence", (Action.EVIDENCE_ADDED, Action.EVIDENCE_REMOVED)),
    ("submitted", (Action.SUBMISSION_SUBMITTED,)),
)
"""What someone may have done in a submission's round (the audit actions that show it), in the order a refusal
names them."""
FOUR_EYES_REASONS = {
    ("sign_off", "values"): _("Four-eyes rule: you entered values in this submission, so another reviewer must "
                              "sign it off."),
    ("sign_off", "evidence"): _("Four-eyes rule: you uploaded or removed evidence in this submission, so another "
                                "reviewer must sign it off."),
    ("sign_off", "submitted"): _("Four-eyes rule: you submitted this submission, so another reviewer must sign it "
                                 "off."),
    ("approve", "signed_off"): _("Four-eyes rule: you signed this submission off, so someone else must approve it."),
    ("approve", "values"): _("Four-eyes rule: you entered values in this submission, so someone else must approve "
                             "it."),
    ("approve", "evidence"): _("Four-eyes rule: you uploaded or removed evidence in this submission, so someone "
                               "else must approve it."),
    ("approve", "submitted"): _("Four-eyes rule: you submitted this submission, so someone else must approve it."),
}


def four_eyes_refusal(user: Actor, submission: Submission, action: str, *,
                      took: dict[str, set[int]] | None = None) -> StrOrPromise | None:
    """Why the four-eyes rule refuses `action` on `submission` to `user`, or None when it does not.

    The rule holds while the submission's cycle has `separation_of_duties` on (the default), for every role, the
    platform administrator included. Within the submission's current round (its audit events since it was last
    returned or reopened, `audit.selectors.submission_round_actors`; `took` when read already): whoever entered
    values (by hand, the API, an Excel import), uploaded or removed evidence, or submitted it may not sign it
    off; whoever signed it off, entered values or evidence or submitted it may not approve it."""
    if action not in FOUR_EYES_ACTIONS or not submission.cycle.separation_of_duties or not user.is_authenticated:
        return None
    took = submission_round_actors(submission) if took is None else took
    for duty, actions in FOUR_EYES_DUTIES:
        reason = FOUR_EYES_REASONS.get((action, duty))
        if reason is not None and any(user.pk in took.get(a, ()) for a in actions):
            return reason
    return None


def submission_actions(user: Actor, submission: Submission, *, took: dict[str, set[int]] | None = None
                       ) -> list[tuple[Transition, StrOrPromise | None]]:
    """The workflow steps `user` could take on `submission` now by role, state and entry window, each with the
    four-eyes rule's refusal (None: they may take it). Pages show a refused step disabled with its reason; the
    API lists only the steps allowed. Reads the audit trail once, and only when a limited step is among them
    (`took`: the round's actors when read already, for a whole list at once)."""
    roles = roles_for_region(user, submission.region)
    steps = available(submission.status, roles, entry_open=submission.entry_open)
    if not (submission.cycle.separation_of_duties and any(t.action in FOUR_EYES_ACTIONS for t in steps)):
        return [(t, None) for t in steps]
    took = submission_round_actors(submission) if took is None else took
    return [(t, four_eyes_refusal(user, submission, t.action, took=took)) for t in steps]
