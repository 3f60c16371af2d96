"""Who holds which role where: grant and revoke, each audited. A role is never edited in place (revoke the old
one and grant the new), so the trail says plainly who could act where, and when."""

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import Actor, audit_record
from smartgov.errors import Invalid

from ..models import Region, RoleAssignment

Role = RoleAssignment.Role


def _facts(assignment: RoleAssignment) -> dict[str, Any]:
    return {"user": assignment.user.get_username(), "role": assignment.role,
            "region": assignment.region.code if assignment.region is not None else None}


def role_check(*, role: str, region: Region | None) -> None:
    """Refuse a role that does not exist, or a region that does not fit the role."""
    if role not in Role.values:
        raise Invalid(_("Unknown role."), fields={"role": [_("Unknown role.")]})
    if (role == Role.PLATFORM_ADMIN) != (region is None):
        reason = (_("A platform administrator holds the role everywhere: leave the region empty.")
                  if role == Role.PLATFORM_ADMIN else _("Choose the region this role is held on."))
        raise Invalid(reason, fields={"region": [reason]})


@transaction.atomic
def role_grant(*, user: User, role: str, region: Region | None, actor: Actor | None) -> RoleAssignment:
    """Give `user` the `role` on `region` (no region for a platform administrator); granting a role held
    already changes nothing. No actor: the platform itself (the demo)."""
    role_check(role=role, region=region)
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, region=region)
    if created:
        audit_record(actor=actor, action=Action.ROLE_GRANTED, target=assignment, region=region,
                     new=_facts(assignment))
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, actor: Actor) -> None:
    facts, region = _facts(assignment), assignment.region
    audit_record(actor=actor, action=Action.ROLE_REVOKED, target=assignment, region=region, old=facts)
    assignment.delete()
