"""Who hears of a workflow step: an in-app notification for each, and an e-mail to those with an address."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import Actor

from ..models import Notification, RoleAssignment, Submission

Role = RoleAssignment.Role
CITY = (Role.CITY_OFFICER, Role.CITY_REVIEWER)
AUDIENCE = {
    "submit": ("city", (Role.CITY_REVIEWER,)),
    "send_back": ("city", (Role.CITY_OFFICER,)),
    "sign_off": ("province", (Role.PROVINCE_ANALYST,)),
    "return": ("city", CITY),
    "approve": ("city", CITY),
    "reopen": ("both", (*CITY, Role.PROVINCE_ANALYST)),
}


def notify_transition(*, submission: Submission, action: str, label: str, actor: Actor | None, comment: str = ""
                      ) -> list[Notification]:
    """Tell the people concerned by `action` on `submission` (not the actor themself)."""
    where, roles = AUDIENCE[action]
    regions = Q()
    if where in ("city", "both"):
        regions |= Q(region_id=submission.region_id)
    if where in ("province", "both"):
        regions |= Q(region_id=submission.region.province_id)
    users = {a.user for a in RoleAssignment.objects.filter(regions, role__in=roles).select_related("user")
             if a.user != actor and a.user.is_active}
    who = actor.get_full_name() or actor.get_username() if actor else _("the platform")
    message = _("%(region)s %(period)s: %(action)s by %(who)s.") % {
        "region": submission.region.name_zh, "period": submission.cycle.period, "action": label, "who": who}
    if comment:
        message = (_("%(message)s Reason: %(comment)s") % {"message": message, "comment": comment})[:500]
    notifications = Notification.objects.bulk_create(
        Notification(user=user, submission=submission, message=message) for user in users)
    mails = [(_("SmartGov: %(region)s %(period)s") % {"region": submission.region.name_zh,
                                                      "period": submission.cycle.period},
              message, settings.DEFAULT_FROM_EMAIL, [user.email]) for user in users if user.email]
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return notifications


def notify_participants(*, submissions: Iterable[Submission], message: str, subject: str, actor: Actor | None
                        ) -> list[Notification]:
    """Tell the city staff (officers and reviewers) of each submission's region about a step of the campaign, in
    the app (linked to their submission) and by e-mail (not the actor themself)."""
    by_region = {submission.region_id: submission for submission in submissions}
    assignments = (RoleAssignment.objects.filter(region_id__in=list(by_region), role__in=CITY)
                   .select_related("user").order_by("pk"))
    pairs = {(a.user, by_region[a.region_id]) for a in assignments
             if a.region_id is not None and a.user != actor and a.user.is_active}
    return _notify([(user, submission) for user, submission in pairs], message, subject)


def notify_campaign_staff(*, provinces: Iterable[int], message: str, subject: str, actor: Actor | None
                          ) -> list[Notification]:
    """Tell the provincial coordinators and analysts of `provinces` (ids of province-level divisions) and the
    national coordinators (platform administrators) about a step of a cycle (not the actor themself)."""
    assignments = RoleAssignment.objects.filter(
        Q(region_id__in=list(provinces), role__in=(Role.PROVINCE_COORDINATOR, Role.PROVINCE_ANALYST))
        | Q(role=Role.PLATFORM_ADMIN)).select_related("user")
    users = {a.user for a in assignments if a.user != actor and a.user.is_active}
    return _notify([(user, None) for user in users], message, subject)


def _notify(recipients: list[tuple[User, Submission | None]], message: str, subject: str) -> list[Notification]:
    notifications = Notification.objects.bulk_create(
        Notification(user=user, submission=submission, message=message[:500]) for user, submission in recipients)
    addresses = sorted({user.email for user, _submission in recipients if user.email})
    mails = [(subject, message, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return notifications


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
