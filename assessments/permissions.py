"""Who may see and act on which region. Every query and every write goes through these."""

from django.db.models import Q

from .models import Region, RoleAssignment

Role = RoleAssignment.Role


def _assignments(user):
    if not user.is_authenticated:
        return []
    cache = getattr(user, "_smartgov_roles", None)
    if cache is None:
        cache = list(RoleAssignment.objects.filter(user=user).values_list("role", "region_id"))
        user._smartgov_roles = cache
    return cache


def is_platform_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or any(r == Role.PLATFORM_ADMIN for r, _ in _assignments(user)))


def roles_for_region(user, region: Region) -> set[str]:
    """The roles `user` holds over `region`: city roles on the city itself, the provincial role on the
    province and its cities, the platform administrator everywhere."""
    roles = {Role.PLATFORM_ADMIN} if is_platform_admin(user) else set()
    for role, region_id in _assignments(user):
        on_city = role in (Role.CITY_OFFICER, Role.CITY_REVIEWER) and region_id == region.pk
        on_province = role == Role.PROVINCE_ANALYST and region_id in (region.pk, region.parent_id)
        if on_city or on_province:
            roles.add(role)
    return roles


def visible_regions(user):
    """Regions whose data `user` may see."""
    if is_platform_admin(user):
        return Region.objects.all()
    own = [region_id for role, region_id in _assignments(user) if region_id is not None]
    provinces = [region_id for role, region_id in _assignments(user) if role == Role.PROVINCE_ANALYST]
    return Region.objects.filter(Q(pk__in=own) | Q(parent_id__in=provinces))
