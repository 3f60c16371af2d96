from django.shortcuts import render

from indicators.selectors import default_framework, framework_with_contents

from ..models import Cycle, Region, RoleAssignment, Submission
from ..permissions import is_platform_admin
from ..selectors import cycles_overview, status_counts, submissions_visible


def home(request):
    """The landing page, or the user's work: a city's submissions, a province's review queue."""
    if not request.user.is_authenticated:
        framework = default_framework()
        return render(request, "home.html", {
            "framework": framework and framework_with_contents(framework.pk), "cycles": cycles_overview()})
    submissions = submissions_visible(request.user)
    roles = set(request.user.roles.values_list("role", flat=True))
    reviews = RoleAssignment.Role.PROVINCE_ANALYST in roles or is_platform_admin(request.user)
    provinces = _reviewed_provinces(request.user) if reviews else []
    periods = sorted(set(submissions.values_list("cycle__period", flat=True)), reverse=True)
    period = _chosen(request.GET.get("period"), periods)
    if reviews and period is not None:
        submissions = submissions.filter(cycle__period=period)
    return render(request, "assessments/home.html", {
        "periods": periods if reviews else [], "period": period,
        "province_files": [(cycle, province) for cycle in Cycle.objects.filter(status=Cycle.Status.OPEN)
                           .select_related("framework") for province in provinces],
        "submissions": submissions.exclude(status=Submission.Status.SIGNED_OFF) if reviews else submissions,
        "queue": submissions.filter(status=Submission.Status.SIGNED_OFF) if reviews else None,
        "counts": status_counts(submissions) if reviews else None,
        "statuses": Submission.Status.choices,
        "cycles": cycles_overview(),
    })


def _reviewed_provinces(user):
    if is_platform_admin(user):
        return list(Region.objects.filter(level=Region.Level.PROVINCE))
    return list(Region.objects.filter(role_assignments__user=user,
                                      role_assignments__role=RoleAssignment.Role.PROVINCE_ANALYST))


def _chosen(value, periods):
    """The period asked for in the query string, if there is one such, else the latest."""
    return int(value) if value and value.isdigit() and int(value) in periods else (periods[0] if periods else None)
