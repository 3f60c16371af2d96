"""Reminders: coordinators schedule them (audited, scoped); Celery beat's task sends the due ones once, in the app
and by e-mail, to the city staff of the participants behind, saying what is missing; then the next time moves on."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import formats, timezone, translation

from assessments.models import Cycle, Notification, ReminderSchedule, RoleAssignment, Submission
from assessments.services import reminders as service
from assessments.services.reminders import (
    next_reminder_at,
    reminders_schedule,
    reminders_send,
    reminders_send_due,
)
from assessments.tasks import send_due_reminders
from audit.models import Action, AuditEvent
from smartgov.errors import Invalid, PermissionRefused, Refused
from tests.campaigns import REQUIRED, campaign, coordinator, days
from tests.factories import region_tree, user_with_role

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*args):
    return datetime.datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def cycle(framework, people):
    """The campaign, with an officer for 南京市 too (上城区 has no staff at all)."""
    user_with_role("nanjing_officer", Role.CITY_OFFICER, region_tree()["nanjing"], email="nanjing@example.gov.cn")
    return campaign(framework)


def _due(cycle, actor, province=None, **timing):
    """A schedule set now, and the moment just after it falls due."""
    schedule = reminders_schedule(actor=actor, cycle=cycle, province=province, every_days=timing.get("every", 7),
                                  hour=timing.get("hour", 9))
    return schedule, schedule.next_at + datetime.timedelta(minutes=3)


def _recipients():
    return sorted(Notification.objects.values_list("user__username", "submission__region__code"))


# --- Scheduling ------------------------------------------------------------------------------------------------


def test_the_next_reminder_is_at_the_hour_in_beijing_from_the_next_such_hour():
    assert next_reminder_at(hour=9, after=beijing(2026, 3, 2, 8, 30)) == beijing(2026, 3, 2, 9)
    assert next_reminder_at(hour=9, after=beijing(2026, 3, 2, 9, 0)) == beijing(2026, 3, 3, 9)
    assert next_reminder_at(hour=8, after=datetime.datetime(2026, 3, 2, 0, 30, tzinfo=datetime.UTC)) == beijing(
        2026, 3, 3, 8)
    assert next_reminder_at(hour=9, after=beijing(2026, 3, 2, 9, 4), days=7) == beijing(2026, 3, 9, 9)
    assert next_reminder_at(hour=0, after=beijing(2026, 3, 2, 23, 59), days=1) == beijing(2026, 3, 3, 0)


def test_scheduling_is_audited_with_the_old_and_new_settings(cycle, admin_user):
    now = beijing(2026, 3, 2, 8, 30)
    schedule = reminders_schedule(actor=admin_user, cycle=cycle, province=None, every_days=7, hour=9, now=now)
    assert (schedule.every_days, schedule.hour, schedule.active, schedule.next_at) == (7, 9, True,
                                                                                      beijing(2026, 3, 2, 9))
    assert schedule.created_by == admin_user
    reminders_schedule(actor=admin_user, cycle=cycle, province=None, every_days=7, hour=9, now=now)  # no change
    reminders_schedule(actor=admin_user, cycle=cycle, province=None, every_days=3, hour=9, active=False, now=now)
    events = list(AuditEvent.objects.filter(action=Action.REMINDERS_SCHEDULED).order_by("id"))
    assert len(events) == 2
    assert events[0].old is None
    assert events[0].new == {"every_days": 7, "hour": 9, "active": True, "next_at": "2026-03-02T09:00:00+08:00"}
    assert (events[1].old["every_days"], events[1].new["every_days"], events[1].new["active"]) == (7, 3, False)
    assert (events[1].actor, events[1].target_id) == (admin_user, schedule.pk)
    assert ReminderSchedule.objects.get().active is False


def test_a_provincial_coordinator_schedules_their_province_only(cycle, people):
    regions = region_tree()
    zhejiang = coordinator()
    schedule = reminders_schedule(actor=zhejiang, cycle=cycle, province=regions["zhejiang"], every_days=3, hour=8)
    assert AuditEvent.objects.get(action=Action.REMINDERS_SCHEDULED).region == regions["zhejiang"]
    assert schedule.province == regions["zhejiang"]
    with pytest.raises(PermissionRefused):
        reminders_schedule(actor=zhejiang, cycle=cycle, province=regions["jiangsu"], every_days=3, hour=8)
    with pytest.raises(PermissionRefused):
        reminders_schedule(actor=zhejiang, cycle=cycle, province=None, every_days=3, hour=8)
    for who in ("analyst", "officer"):
        with pytest.raises(PermissionRefused):
            reminders_schedule(actor=people[who], cycle=cycle, province=regions["zhejiang"], every_days=3, hour=8)
    with pytest.raises(Invalid) as not_a_province:
        reminders_schedule(actor=people["admin"], cycle=cycle, province=regions["hangzhou"], every_days=3, hour=8)
    assert "province" in not_a_province.value.fields
    assert ReminderSchedule.objects.count() == 1


def test_a_schedule_out_of_range_or_for_a_closed_cycle_is_refused(cycle, admin_user):
    with pytest.raises(Invalid) as invalid:
        reminders_schedule(actor=admin_user, cycle=cycle, province=None, every_days=0, hour=24)
    assert set(invalid.value.fields) == {"every_days", "hour"}
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    cycle.refresh_from_db()
    with pytest.raises(Refused):
        reminders_schedule(actor=admin_user, cycle=cycle, province=None, every_days=7, hour=9)
    assert not ReminderSchedule.objects.exists()


# --- Sending ---------------------------------------------------------------------------------------------------


def test_a_due_schedule_reminds_the_city_staff_of_participants_behind_once(
        cycle, people, mailoutbox, django_capture_on_commit_callbacks):
    schedule, now = _due(cycle, people["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        sent = reminders_send_due(now=now)
    # 杭州市 (draft, overdue) and 南京市 (returned, due in 10 days) reach their staff; 上城区 has none;
    # 宁波市 is approved
    assert sent.as_dict() == {"schedules": 1, "participants": 2, "unreachable": 1, "notifications": 3, "emails": 3}
    assert _recipients() == [("nanjing_officer", "320100"), ("officer", "330100"), ("reviewer", "330100")]
    assert sorted(m.to[0] for m in mailoutbox) == ["nanjing@example.gov.cn", "officer@example.gov.cn",
                                                   "reviewer@example.gov.cn"]
    schedule.refresh_from_db()
    assert schedule.next_at == next_reminder_at(hour=9, after=now, days=7)
    assert schedule.last_sent_at == now
    event = AuditEvent.objects.get(action=Action.REMINDERS_SENT)
    assert (event.actor, event.target_id) == (None, schedule.pk)
    assert {**event.new, "next_at": datetime.datetime.fromisoformat(event.new["next_at"])} == {
        **sent.as_dict(), "next_at": schedule.next_at}

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(now=now).as_dict()["schedules"] == 0  # not twice
    assert (Notification.objects.count(), len(mailoutbox)) == (3, 3)
    assert AuditEvent.objects.filter(action=Action.REMINDERS_SENT).count() == 1


def test_the_reminder_says_which_cycle_the_deadline_and_what_is_missing(cycle, people, mailoutbox,
                                                                        django_capture_on_commit_callbacks):
    _schedule, now = _due(cycle, people["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due(now=now)
    late = (timezone.localtime(now).date() - days(-5)).days
    with translation.override("en"):
        message = Notification.objects.get(user=people["officer"]).message
        deadline = formats.date_format(days(-5), "DATE_FORMAT")
    assert message.startswith(f"Hangzhou, assessment {cycle.period}: the deadline is {deadline} "
                              f"({late} days overdue). 33 of 33 indicators have no value yet: RS01, ")
    assert "MP02 and 23 more." in message
    assert f"Evidence is missing for {', '.join(REQUIRED[:9])}." in message
    chinese = Notification.objects.get(user=people["officer"]).message
    assert chinese.startswith(f"杭州市{cycle.period}年度评估：截止日期为{days(-5):%Y年%-m月%-d日}（已逾期{late}天）。"
                              "33项指标中有33项尚未填报：RS01、")
    mail = next(m for m in mailoutbox if m.to == ["officer@example.gov.cn"])
    assert mail.subject == f"智慧政府评估提醒：杭州市{cycle.period}年度"
    assert mail.body.startswith(f"{chinese}\n")
    due_in = (days(10) - timezone.localtime(now).date()).days
    with translation.override("en"):
        assert f"(in {due_in} days)" in Notification.objects.get(user__username="nanjing_officer").message


def test_approved_and_signed_off_participants_and_far_deadlines_hear_nothing(cycle, framework, people):
    Submission.objects.filter(cycle=cycle, region__code="330100").update(status=Submission.Status.SIGNED_OFF)
    Submission.objects.filter(cycle=cycle, region__code="320100").update(extended_until=days(40))
    _schedule, now = _due(cycle, people["admin"])
    sent = reminders_send_due(now=now)
    assert (sent.participants, sent.unreachable, sent.notifications) == (0, 1, 0)  # 上城区 alone is behind
    assert not Notification.objects.exists()


def test_a_longer_interval_reminds_from_further_before_the_deadline(framework, people):
    far = campaign(framework, closes=25)
    _schedule, now = _due(far, people["admin"], every=30)
    assert reminders_send_due(now=now).participants == 1  # 杭州市; 南京市's extension ends before the cycle closes
    assert _recipients() == [("officer", "330100"), ("reviewer", "330100")]


def test_a_provincial_schedule_reminds_its_province_only(cycle, people):
    _schedule, now = _due(cycle, coordinator("jiangsu_coordinator", "jiangsu"), province=region_tree()["jiangsu"])
    reminders_send_due(now=now)
    assert _recipients() == [("nanjing_officer", "320100")]
    assert AuditEvent.objects.get(action=Action.REMINDERS_SENT).region == region_tree()["jiangsu"]


def test_nothing_is_sent_before_the_time_nor_by_an_inactive_schedule(cycle, people):
    schedule, now = _due(cycle, people["admin"])
    assert reminders_send_due(now=schedule.next_at - datetime.timedelta(minutes=1)).schedules == 0
    reminders_schedule(actor=people["admin"], cycle=cycle, province=None, every_days=7, hour=9, active=False)
    assert reminders_send_due(now=now + datetime.timedelta(days=30)).schedules == 0
    assert not Notification.objects.exists()


def test_a_schedule_of_a_cycle_no_longer_open_moves_on_without_sending(cycle, people):
    schedule, now = _due(cycle, people["admin"])
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    assert reminders_send_due(now=now).schedules == 0
    schedule.refresh_from_db()
    assert schedule.next_at == next_reminder_at(hour=9, after=now, days=7)
    assert schedule.last_sent_at is None
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.REMINDERS_SENT).exists()


def test_two_runs_at_once_send_once(cycle, people, monkeypatch):
    """A second run claims the schedule between the first run's read and its claim: the first sends nothing."""
    schedule, now = _due(cycle, people["admin"])
    real = service.next_reminder_at
    other_runs = []

    def meanwhile_another_run(**kwargs):
        if not other_runs:
            other_runs.append(None)
            other_runs[0] = reminders_send(schedule_id=schedule.pk, now=now)
        return real(**kwargs)

    monkeypatch.setattr(service, "next_reminder_at", meanwhile_another_run)
    first = reminders_send(schedule_id=schedule.pk, now=now)
    assert other_runs[0].notifications == 3
    assert first.notifications == 0
    assert Notification.objects.count() == 3
    assert AuditEvent.objects.filter(action=Action.REMINDERS_SENT).count() == 1


def test_celery_beat_runs_the_task_that_sends_the_due_reminders(cycle, people):
    from smartgov.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["send-due-reminders"]
    assert entry["task"] == send_due_reminders.name == "assessments.tasks.send_due_reminders"
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 600
    schedule, _now = _due(cycle, people["admin"])
    ReminderSchedule.objects.filter(pk=schedule.pk).update(next_at=timezone.now() - datetime.timedelta(minutes=1))
    assert send_due_reminders.delay().get()["notifications"] == 3
    assert send_due_reminders.delay().get()["notifications"] == 0


# --- The console's form ----------------------------------------------------------------------------------------


def _post(client, user, cycle, **data):
    client.force_login(user)
    return client.post(reverse("console-reminders", args=[cycle.pk]), data, HTTP_ACCEPT_LANGUAGE="en")


def test_a_coordinator_sets_the_reminders_of_their_province_from_the_console(client, cycle):
    zhejiang = coordinator()
    response = _post(client, zhejiang, cycle, province="330000", every_days="3", hour="8", active="on")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('console')}?cycle={cycle.pk}&province=330000"
    schedule = ReminderSchedule.objects.get()
    assert (schedule.province.code, schedule.every_days, schedule.hour, schedule.active) == ("330000", 3, 8, True)
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reminders saved." in html
    assert 'id="schedule-330000"' in html
    assert f"{timezone.localtime(schedule.next_at):%Y-%m-%d %H:%M}" in html


@pytest.mark.parametrize(("data", "says"), [
    ({"province": "330000", "every_days": "3", "hour": "25"}, "less than or equal to 23"),
    ({"province": "", "every_days": "3", "hour": "8"}, "Only the national coordinator"),
    ({"province": "320000", "every_days": "3", "hour": "8"}, "no such province"),
])
def test_a_refused_schedule_says_why_and_changes_nothing(client, cycle, data, says):
    response = _post(client, coordinator(), cycle, **data)
    assert response.status_code == 302
    assert says in client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert not ReminderSchedule.objects.exists()


def test_the_national_coordinator_sets_reminders_for_all_provinces(client, cycle, admin_user):
    _post(client, admin_user, cycle, province="", every_days="7", hour="9", active="on")
    assert ReminderSchedule.objects.get().province is None
    html = client.get(reverse("console"), {"cycle": cycle.pk}).content.decode()
    assert 'id="schedule-all"' in html


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_on_postgresql_send_once(framework, people):
    """Two runs in two connections at the same moment (PostgreSQL's row locks; SQLite has none to test)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    user_with_role("nanjing_officer", Role.CITY_OFFICER, region_tree()["nanjing"], email="nanjing@example.gov.cn")
    _schedule, now = _due(campaign(framework), people["admin"])
    start, results = threading.Barrier(2), []

    def run():
        try:
            start.wait()
            results.append(reminders_send_due(now=now))
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(r.notifications for r in results) == [0, 3]
    assert Notification.objects.count() == 3
    assert AuditEvent.objects.filter(action=Action.REMINDERS_SENT).count() == 1
