"""Template context for every page."""

from django.utils.functional import SimpleLazyObject

from .models import Notification


def notifications(request):
    """`unread_notifications`: how many unread notifications the user has (one COUNT query, made only when a
    template uses it); nothing for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(
        lambda: Notification.objects.filter(user=user, read_at__isnull=True).count())}
