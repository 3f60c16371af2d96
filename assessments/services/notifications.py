"""Who hears of a workflow step or of a step of the campaign: an in-app notification for each, and an e-mail to
those with an address. A notification keeps what happened (its kind and facts), told in the reader's language
when read; an e-mail is written in its recipient's language (`notification_texts`)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from audit.services import Actor

from ..models import Cycle, Notification, Person, RoleAssignment, Submission
from ..notification_texts import notification_email, notification_subject

Role = RoleAssignment.Role
Kind = Notification.Kind
CITY = (Role.CITY_OFFICER, Role.CITY_REVIEWER)
AUDIENCE = {
    "submit": ("city", (Role.CITY_REVIEWER,)),
    "send_back": ("city", (Role.CITY_OFFICER,)),
    "sign_off": ("province", (Role.PROVINCE_ANALYST,)),
    "return": ("city", CITY),
    "approve": ("city", CITY),
    "reopen": ("both", (*CITY, Role.PROVINCE_ANALYST)),
}
Mail = tuple[str, str, str, list[str]]


def notify_transition(*, submission: Submission, action: str, actor: Actor | None, comment: str = "",
                      indicators: Iterable[str] = ()) -> list[Notification]:
    """Tell the people concerned by `action` on `submission` (not the actor themself): the step, who took it, the
    reason, and the indicators commented on (codes)."""
    where, roles = AUDIENCE[action]
    regions = Q()
    if where in ("city", "both"):
        regions |= Q(region_id=submission.region_id)
    if where in ("province", "both"):
        regions |= Q(region_id=submission.region.province_id)
    users = {a.user for a in RoleAssignment.objects.filter(regions, role__in=roles).select_related("user")
             if a.user != actor and a.user.is_active}
    facts = {"action": action, "by": (actor.get_full_name() or actor.get_username()) if actor else None,
             "comment": comment, "indicators": _indicators(submission, indicators)}
    return _notify([(user, submission) for user in sorted(users, key=lambda user: user.pk)], Kind.TRANSITION, facts,
                   cycle=submission.cycle)


def notify_participants(*, submissions: Iterable[Submission], kind: str, facts: Mapping[str, Any],
                        actor: Actor | None) -> list[Notification]:
    """Tell the city staff (officers and reviewers) of each submission's region about a step of the campaign, in
    the app (linked to their submission) and by e-mail (not the actor themself)."""
    by_region = {submission.region_id: submission for submission in submissions}
    assignments = (RoleAssignment.objects.filter(region_id__in=list(by_region), role__in=CITY)
                   .select_related("user").order_by("pk"))
    pairs = sorted({(a.user, by_region[a.region_id]) for a in assignments
                    if a.region_id is not None and a.user != actor and a.user.is_active},
                   key=lambda pair: (pair[0].pk, pair[1].pk))
    return _notify(list(pairs), kind, facts)


def notify_campaign_staff(*, cycle: Cycle, provinces: Iterable[int], kind: str, facts: Mapping[str, Any],
                          actor: Actor | None) -> list[Notification]:
    """Tell the provincial coordinators and analysts of `provinces` (ids of province-level divisions) and the
    national coordinators (platform administrators) about a step of `cycle` (not the actor themself)."""
    assignments = RoleAssignment.objects.filter(
        Q(region_id__in=list(provinces), role__in=(Role.PROVINCE_COORDINATOR, Role.PROVINCE_ANALYST))
        | Q(role=Role.PLATFORM_ADMIN)).select_related("user")
    users = {a.user for a in assignments if a.user != actor and a.user.is_active}
    return _notify([(user, None) for user in sorted(users, key=lambda user: user.pk)], kind, facts, cycle=cycle)


def notifications_deliver(notifications: list[Notification]) -> list[Mail]:
    """Store `notifications` and, once the transaction commits, e-mail each recipient with an address (one
    e-mail per address) in their language. Returns the e-mails."""
    Notification.objects.bulk_create(notifications)
    mails = notification_mails(notifications)
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return mails


def notification_mails(notifications: Iterable[Notification]) -> list[Mail]:
    """An e-mail for each address among the recipients (the first notification to it), in the language of the
    person's profile, or the platform's."""
    first: dict[str, Notification] = {}
    for notification in notifications:
        if notification.user.email:
            first.setdefault(notification.user.email, notification)
    languages = dict(Person.objects.filter(user_id__in={n.user_id for n in first.values()})
                     .exclude(language="").values_list("user_id", "language"))
    mails = []
    for address, notification in first.items():
        with translation.override(languages.get(notification.user_id, settings.LANGUAGE_CODE)):
            mails.append((notification_subject(notification), notification_email(notification),
                          settings.DEFAULT_FROM_EMAIL, [address]))
    return mails


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def _notify(recipients: list[tuple[User, Submission | None]], kind: str, facts: Mapping[str, Any],
            cycle: Cycle | None = None) -> list[Notification]:
    notifications = [Notification(user=user, submission=submission, cycle=submission.cycle if submission else cycle,
                                  kind=kind, facts=dict(facts)) for user, submission in recipients]
    notifications_deliver(notifications)
    return notifications


def _indicators(submission: Submission, codes: Iterable[str]) -> list[list[str]]:
    """[code, Chinese name, English name] of the indicators `codes` of the submission's framework, in its order."""
    codes = set(codes)
    if not codes:
        return []
    return [list(row) for row in submission.cycle.framework.indicators.filter(code__in=codes)
            .values_list("code", "name_zh", "name_en")]
