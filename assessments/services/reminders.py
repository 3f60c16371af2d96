"""Reminders to the participants of a cycle who are behind: a coordinator schedules them (every N days at an hour,
Beijing time), Celery beat sends the due ones (`assessments.tasks.send_due_reminders`, every few minutes).

A reminder goes, in the app and by e-mail, to the city staff (data-entry officers and reviewers) of every
participant whose submission is still with the city (a draft, returned, or awaiting the city's sign-off) and
whose deadline is near or past; it says which cycle, the deadline, and what is missing. Signed-off submissions
wait on the province, approved ones on nobody: their cities hear nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import asdict, astuple, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import Actor, audit_record
from indicators.models import Indicator
from smartgov.errors import Invalid, PermissionRefused, Refused

from ..models import Cycle, IndicatorValue, Notification, Region, ReminderSchedule, RoleAssignment, Submission
from ..permissions import is_platform_admin, may_coordinate
from ..progress import Participant, framework_indicators, participants_progress
from .notifications import notifications_deliver

SHANGHAI = ZoneInfo("Asia/Shanghai")
Role = RoleAssignment.Role
Status = Submission.Status
Kind = Notification.Kind
CITY_ROLES = (Role.CITY_OFFICER, Role.CITY_REVIEWER)
WITH_THE_CITY = (Status.DRAFT, Status.RETURNED, Status.SUBMITTED)
"""The submissions whose next step is the city's: only their staff are reminded."""
NEAR_DAYS = 14
"""A deadline is near when it falls within this many days (or before the next reminder, if later)."""
EVERY_DAYS = (1, 60)


def next_reminder_at(*, hour: int, after: datetime.datetime, days: int = 0) -> datetime.datetime:
    """The first time at `hour` o'clock, Beijing time, on the day `days` days after `after`'s own day (Beijing),
    or the day after that when that time is not later than `after`."""
    day = timezone.localtime(after, SHANGHAI).date() + datetime.timedelta(days=days)
    at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)
    return at if at > after else at + datetime.timedelta(days=1)


def near_window(every_days: int) -> int:
    """Days before a deadline from which a schedule sending every `every_days` days reminds a participant."""
    return max(NEAR_DAYS, every_days)


# --- Scheduling --------------------------------------------------------------------------------------------------


def _facts(schedule: ReminderSchedule) -> dict[str, Any]:
    return {"every_days": schedule.every_days, "hour": schedule.hour, "active": schedule.active,
            "next_at": schedule.next_at.isoformat() if schedule.next_at else None}


def _check_may_schedule(actor: Actor, province: Region | None) -> None:
    if province is None:
        if not is_platform_admin(actor):
            raise PermissionRefused(_("Only the national coordinator schedules reminders for every province."))
        return
    if province.level != Region.Level.PROVINCE:
        raise Invalid(_("Reminders are scheduled for a province-level division."),
                      fields={"province": [_("Not a province-level division.")]})
    if not may_coordinate(actor, province):
        raise PermissionRefused(_("You do not coordinate the campaign in %(province)s.")
                                % {"province": province.name})


def _check_timing(every_days: int, hour: int) -> None:
    fields: dict[str, list[Any]] = {}
    if not EVERY_DAYS[0] <= every_days <= EVERY_DAYS[1]:
        fields["every_days"] = [_("Between %(low)s and %(high)s days.") % {"low": EVERY_DAYS[0],
                                                                            "high": EVERY_DAYS[1]}]
    if not 0 <= hour <= 23:
        fields["hour"] = [_("An hour from 0 to 23.")]
    if fields:
        raise Invalid(_("The reminder schedule is not valid."), fields=fields)


@transaction.atomic
def reminders_schedule(*, actor: Actor, cycle: Cycle, province: Region | None, every_days: int, hour: int,
                       active: bool = True, now: datetime.datetime | None = None) -> ReminderSchedule:
    """Set the reminders of `cycle` for the participants of `province` (of every province when None: the
    national coordinator only): every `every_days` days at `hour` o'clock Beijing time, from the next such hour;
    or stop them (`active=False`). Audited with the old and new settings."""
    _check_may_schedule(actor, province)
    _check_timing(every_days, hour)
    if active and cycle.status not in (Cycle.Status.PLANNED, Cycle.Status.OPEN):
        raise Refused(_("Reminders can only be sent while a cycle is planned or open; %(cycle)s is %(status)s.")
                      % {"cycle": cycle, "status": cycle.get_status_display()})
    now = now or timezone.now()
    schedule = (ReminderSchedule.objects.select_for_update(of=("self",)).filter(cycle=cycle, province=province)
                .order_by("pk").first()
                or ReminderSchedule(cycle=cycle, province=province,
                                    created_by=actor if isinstance(actor, User) else None))
    before = _facts(schedule) if schedule.pk else None
    timing_changed = (schedule.pk is None or (schedule.every_days, schedule.hour) != (every_days, hour)
                      or (active and not schedule.active))
    schedule.every_days, schedule.hour, schedule.active = every_days, hour, active
    if timing_changed:
        schedule.next_at = next_reminder_at(hour=hour, after=now)
    after = _facts(schedule)
    if before == after:
        return schedule
    try:
        with transaction.atomic():
            schedule.save()
    except IntegrityError:  # another coordinator created the same schedule at the same moment
        raise Refused(_("These reminders were just scheduled by someone else; reload the page.")) from None
    audit_record(actor=actor, action=Action.REMINDERS_SCHEDULED, target=schedule, region=province,
                 old=before, new=after)
    return schedule


# --- Sending -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemindersSent:
    """What one run of the reminders sent."""

    schedules: int = 0
    participants: int = 0
    """Participants behind whose city staff were reminded."""
    unreachable: int = 0
    """Participants behind without any active officer or reviewer to remind."""
    notifications: int = 0
    emails: int = 0

    def __add__(self, other: RemindersSent) -> RemindersSent:
        return RemindersSent(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def reminders_send_due(*, now: datetime.datetime | None = None) -> RemindersSent:
    """Send every active schedule's reminders whose time has come, each in its own transaction. Safe to run
    twice at once: a schedule is claimed (its next time moved on) before anything is sent, and only once."""
    now = now or timezone.now()
    sent = RemindersSent()
    for schedule_id in (ReminderSchedule.objects.filter(active=True, next_at__lte=now).order_by("next_at", "pk")
                        .values_list("pk", flat=True)):
        sent += reminders_send(schedule_id=schedule_id, now=now)
    return sent


@transaction.atomic
def reminders_send(*, schedule_id: int, now: datetime.datetime | None = None) -> RemindersSent:
    """Send one schedule's reminders if they are due (nothing otherwise), move its next time on and audit the
    counts. The next time is `every_days` days on, at its hour; a schedule of a cycle that is not open only moves
    on."""
    now = now or timezone.now()
    schedule = (ReminderSchedule.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("cycle__framework", "province")
                .filter(pk=schedule_id, active=True, next_at__lte=now).first())
    if schedule is None:
        return RemindersSent()
    due, next_at = schedule.next_at, next_reminder_at(hour=schedule.hour, after=now, days=schedule.every_days)
    cycle_open = schedule.cycle.status == Cycle.Status.OPEN
    claimed = ReminderSchedule.objects.filter(pk=schedule.pk, active=True, next_at=due).update(
        next_at=next_at, **({"last_sent_at": now} if cycle_open else {}))
    if not claimed or not cycle_open:
        return RemindersSent()
    today = timezone.localtime(now, SHANGHAI).date()
    indicators = framework_indicators(schedule.cycle)
    window = today + datetime.timedelta(days=near_window(schedule.every_days))
    behind = [p for p in participants_progress(
        schedule.cycle, provinces=None if schedule.province_id is None else [schedule.province_id], today=today,
        indicators=indicators, statuses=WITH_THE_CITY) if p.deadline <= window]
    notifications = _reminders(schedule.cycle, behind, indicators, today)
    mails = notifications_deliver(notifications)
    schedule.next_at, schedule.last_sent_at = next_at, now
    reached = len({n.submission_id for n in notifications})
    sent = RemindersSent(1, reached, len(behind) - reached, len(notifications), len(mails))
    audit_record(actor=None, action=Action.REMINDERS_SENT, target=schedule, region=schedule.province,
                 old={"due": due.isoformat()}, new={**sent.as_dict(), "next_at": next_at.isoformat()})
    return sent


def _reminders(cycle: Cycle, behind: Sequence[Participant], indicators: Sequence[Indicator],
               today: datetime.date) -> list[Notification]:
    """A notification for each city officer and reviewer of each participant behind (three queries)."""
    staff: dict[int, list[User]] = {}
    for assignment in (RoleAssignment.objects.filter(region_id__in=[p.region_id for p in behind],
                                                     role__in=CITY_ROLES, user__is_active=True)
                       .select_related("user").order_by("user_id")):
        if assignment.region_id is not None:
            users = staff.setdefault(assignment.region_id, [])
            if assignment.user not in users:
                users.append(assignment.user)
    reached = [p for p in behind if staff.get(p.region_id)]
    filled: dict[int, set[int]] = {}
    for submission_id, indicator_id in IndicatorValue.objects.filter(
            submission_id__in=[p.submission_id for p in reached]).values_list("submission_id", "indicator_id"):
        filled.setdefault(submission_id, set()).add(indicator_id)
    submissions = Submission.objects.select_related("region").in_bulk([p.submission_id for p in reached])
    notifications: list[Notification] = []
    for participant in reached:
        submission = submissions[participant.submission_id]
        submission.cycle = cycle
        unfilled = [i.code for i in indicators if i.pk not in filled.get(participant.submission_id, ())]
        facts = reminder_facts(participant, unfilled, today)
        notifications.extend(Notification(user=user, submission=submission, cycle=cycle, kind=Kind.REMINDER,
                                          facts=facts) for user in staff[participant.region_id])
    return notifications


def reminder_facts(participant: Participant, unfilled: Sequence[str], today: datetime.date) -> dict[str, Any]:
    """What a reminder tells (`notification_texts`): the deadline and how near or how late it is, what is missing."""
    return {"deadline": participant.deadline.isoformat(), "days": (participant.deadline - today).days,
            "missing": list(unfilled), "expected": participant.expected,
            "evidence_missing": list(participant.evidence_missing),
            "awaiting_sign_off": participant.status == Status.SUBMITTED}
