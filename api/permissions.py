"""Who may use the API: a user with a role on some region (what they see is then scoped by
`assessments.permissions.visible_regions`); starting score runs needs the provincial or the admin role."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from assessments.models import RoleAssignment
from assessments.permissions import held_roles, is_platform_admin
from audit.services import Actor

if TYPE_CHECKING:  # not at run time: DRF's settings may import this module while rest_framework.views loads
    from rest_framework.request import Request
    from rest_framework.views import APIView


def has_a_role(user: Actor) -> bool:
    """Whether `user` holds any role; no query beyond the one that loads (and caches) their roles."""
    return is_platform_admin(user) or any(region is not None for _role, region in held_roles(user))


class HasRegionalRole(permissions.BasePermission):
    message = _("Your account holds no role on any region; ask a platform administrator for one.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and has_a_role(request.user))


def may_start_score_runs(user: Actor) -> bool:
    return is_platform_admin(user) or any(role == RoleAssignment.Role.PROVINCE_ANALYST
                                          for role, _region in held_roles(user))


class StartsScoreRuns(permissions.BasePermission):
    message = _("Only provincial analysts and platform administrators may start a score run.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS or may_start_score_runs(request.user)
