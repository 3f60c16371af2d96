"""The user's notifications: the list, and marking them read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ..models import Notification
from ..services.notifications import notifications_mark_read

PER_PAGE = 50


@login_required
def notification_list(request):
    """The user's notifications, newest first, each told in the user's language."""
    notifications = (Notification.objects.filter(user=request.user)
                     .select_related("submission__region", "submission__cycle__framework", "cycle__framework"))
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "assessments/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    """Mark the posted `ids` read, or all of the user's notifications when none are posted; then go back."""
    ids = None
    if "ids" in request.POST:
        ids = [int(i) for i in request.POST.getlist("ids") if i.isascii() and i.isdigit() and len(i) < 19]
    notifications_mark_read(user=request.user, ids=ids)
    return redirect(_back(request))


def _back(request):
    for target in (request.POST.get("next"), request.headers.get("referer")):
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                      require_https=request.is_secure()):
            return target
    return reverse("notifications")
