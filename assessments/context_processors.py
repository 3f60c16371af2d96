"""Template context for every page."""

from django.utils.functional import SimpleLazyObject

from .models import Notification
from .permissions import coordinated_provinces, is_platform_admin


def notifications(request):
    """`unread_notifications`: how many unread notifications the user has (one COUNT query, made only when a
    template uses it); nothing for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(
        lambda: Notification.objects.filter(user=user, read_at__isnull=True).count())}


def campaign(request):
    """`coordinates`: whether the user coordinates a campaign (the national coordinator, or a provincial one), so
    that the navigation shows the campaign pages (one query, made only when a template uses it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"coordinates": SimpleLazyObject(
        lambda: is_platform_admin(user) or coordinated_provinces(user).exists())}
