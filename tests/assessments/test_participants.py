"""Participants: a set at opening (a level in provinces, or codes typed or uploaded), idempotent; late
participants; per-participant deadline extensions; closing locks entry everywhere."""

import datetime
import io

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import Workbook

from assessments.lifecycle import LifecycleRefused
from assessments.models import Notification, Region, Submission
from assessments.services import EntryLocked, values_save
from assessments.services.cycles import cycle_close, cycle_open
from assessments.services.participants import (
    ParticipantSet,
    deadline_extend,
    participant_codes_parse,
    participant_codes_read,
    participants_add,
)
from assessments.services.submissions import Entry
from audit.models import Action, AuditEvent
from smartgov.errors import Invalid, PermissionRefused
from tests.assessments.campaign_cast import cycle_in, entry_window, planned_cycle
from tests.factories import RegionFactory, in_province

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def counties(regions):
    """Two current counties of 杭州 and one that was merged away (撤县设区) into the first."""
    hangzhou = regions["hangzhou"]
    xihu = in_province(RegionFactory(code="330106", name_zh="西湖区", name_en="Xihu", level="county", parent=hangzhou))
    in_province(RegionFactory(code="330110", name_zh="余杭区", name_en="Yuhang", level="county", parent=hangzhou))
    old = in_province(RegionFactory(code="330184", name_zh="余杭县", name_en="Old Yuhang", level="county",
                                    parent=hangzhou))
    Region.objects.filter(pk=old.pk).update(valid_to=datetime.date(2001, 2, 2), successor=xihu)
    in_province(RegionFactory(code="320102", name_zh="玄武区", name_en="Xuanwu", level="county",
                              parent=regions["nanjing"]))
    return hangzhou


def _codes(cycle):
    return sorted(cycle.submissions.values_list("region__code", flat=True))


def test_opening_with_a_level_in_provinces_takes_every_current_region_of_it(actors, framework, counties):
    cycle = planned_cycle(framework)
    result = cycle_open(cycle=cycle, participants=ParticipantSet(level="county", provinces=("330000",)),
                        actor=actors["national"])
    assert _codes(cycle) == ["330106", "330110"]
    assert (len(result.added), result.already) == (2, 0)
    event = AuditEvent.objects.get(action=Action.CYCLE_OPENED)
    assert event.new == {"status": "open", "participants": 2, "codes": ["330106", "330110"],
                         "selection": {"level": "county", "provinces": ["330000"], "listed": 0}}


def test_opening_is_idempotent(actors, framework, regions):
    cycle = planned_cycle(framework)
    Submission.objects.create(cycle=cycle, region=regions["hangzhou"], status="draft")
    chosen = ParticipantSet(level="prefecture", provinces=("330000",))
    first = cycle_open(cycle=cycle, participants=chosen, actor=actors["national"])
    again = cycle_open(cycle=cycle, participants=chosen, actor=actors["national"])
    assert (len(first.added), first.already) == (1, 1)
    assert (again.added, again.already) == ([], 2)
    assert _codes(cycle) == ["330100", "330200"]
    assert AuditEvent.objects.filter(action=Action.CYCLE_OPENED).count() == 1
    with pytest.raises(LifecycleRefused, match="late participants"):
        cycle_open(cycle=cycle, participants=ParticipantSet.of_codes(["320100"]), actor=actors["national"])
    assert _codes(cycle) == ["330100", "330200"]


def test_refused_codes_are_named_by_row_and_nothing_is_written(actors, framework, regions, counties):
    cycle = planned_cycle(framework)
    upload = "区划代码\r\n330100\r\n999999\r\nCHN\r\n330184\r\nnot a code!\r\n\r\n330200\r\n".encode("gb18030")
    listed = participant_codes_read(data=upload)
    assert [item.where for item in listed] == ["row 2", "row 3", "row 4", "row 5", "row 6", "row 8"]
    with pytest.raises(Invalid) as refused:
        cycle_open(cycle=cycle, participants=ParticipantSet(listed=listed), actor=actors["national"])
    assert list(refused.value.fields) == ["codes"]
    reasons = refused.value.fields["codes"]
    assert reasons[0] == "row 3: “999999” is not a region code of the register."
    assert reasons[1].startswith("row 5: Old Yuhang（330184） is no longer valid (since 2001-02-02); it was replaced "
                                 "by Xihu（330106）")
    assert reasons[2] == "row 6: “NOT A CODE!” is not a region code."
    assert len(reasons) == 3  # CHN, a country, may take part in an international index
    cycle.refresh_from_db()
    assert (cycle.status, _codes(cycle)) == ("planned", [])
    assert not AuditEvent.objects.filter(action=Action.CYCLE_OPENED).exists()


def test_codes_come_from_the_first_column_of_a_workbook_or_a_typed_list(actors, framework, regions):
    book = Workbook()
    sheet = book.active
    for row in (["代码", "名称"], [330100, "杭州市"], ["320100", "南京市"], [None, "注释"]):
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    assert [(i.code, i.where) for i in participant_codes_read(data=data.getvalue())] == [
        ("330100", "row 2"), ("320100", "row 3")]
    assert [(i.code, i.where) for i in participant_codes_parse("330100, 330200\n\n320100")] == [
        ("330100", "line 1"), ("330200", "line 1"), ("320100", "line 3")]
    with pytest.raises(Invalid) as refused:
        participant_codes_read(data=b"PK\x03\x04not really a zip")
    assert "file" in refused.value.fields


def test_a_file_too_large_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr("assessments.services.participants.PARTICIPANTS_FILE_MAX_BYTES", 10)
    with pytest.raises(Invalid, match="larger than"):
        participant_codes_read(data=b"330100\n330200\n")


def test_late_participants_by_the_national_coordinator_anywhere(actors, framework, regions, people,
                                                                 django_capture_on_commit_callbacks):
    cycle = cycle_in("open", framework, regions)
    nanjing = Submission.objects.get(cycle=cycle, region__code="320100")
    nanjing.delete()
    with django_capture_on_commit_callbacks(execute=True):
        result = participants_add(cycle=cycle, participants=ParticipantSet.of_codes(["320100", "330100"]),
                                  actor=actors["national"])
    assert ([s.region.code for s in result.added], result.already) == (["320100"], 1)
    event = AuditEvent.objects.get(action=Action.PARTICIPANTS_ADDED)
    assert (event.new["codes"], event.region) == (["320100"], regions["jiangsu"])
    assert not mail.outbox  # nobody works for 南京 in the cast


def test_a_provincial_coordinator_adds_participants_of_their_province_only(actors, framework, regions, counties):
    cycle = cycle_in("open", framework, regions)
    result = participants_add(cycle=cycle, participants=ParticipantSet(level="county"),
                              actor=actors["zj_coordinator"])
    assert [s.region.code for s in result.added] == ["330106", "330110"]  # a level without provinces: theirs
    with pytest.raises(PermissionRefused, match="Xuanwu"):
        participants_add(cycle=cycle, participants=ParticipantSet.of_codes(["320102"]),
                         actor=actors["zj_coordinator"])
    for who in ("analyst", "officer"):
        with pytest.raises(PermissionRefused):
            participants_add(cycle=cycle, participants=ParticipantSet.of_codes(["330106"]), actor=actors[who])
    assert "320102" not in _codes(cycle)


@pytest.mark.parametrize("state", ["planned", "closed", "published"])
def test_late_participants_only_while_open(state, actors, framework, regions, settings):
    settings.SCORE_SENSITIVITY_SAMPLES = 16
    cycle = cycle_in(state, framework, regions)
    before = _codes(cycle)
    with pytest.raises(LifecycleRefused):
        participants_add(cycle=cycle, participants=ParticipantSet.of_codes(["330200"]), actor=actors["national"])
    assert _codes(cycle) == before


@pytest.fixture
def past_deadline(actors, framework, regions):
    """An open cycle whose deadline was yesterday, with 杭州 and 宁波 drafts."""
    return entry_window(cycle_in("open", framework, regions), days_left=-1)


def test_an_extension_lets_that_participant_enter_after_the_deadline_and_only_them(
        actors, past_deadline, regions, people, django_capture_on_commit_callbacks):
    hangzhou = Submission.objects.get(cycle=past_deadline, region=regions["hangzhou"])
    ningbo = Submission.objects.get(cycle=past_deadline, region=regions["ningbo"])
    until = timezone.localdate() + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        deadline_extend(submission=hangzhou, until=until, reason="系统迁移延误", actor=actors["zj_coordinator"])
    hangzhou.refresh_from_db()
    assert (hangzhou.extended_until, hangzhou.extension_reason, hangzhou.extended_by) == (
        until, "系统迁移延误", actors["zj_coordinator"])
    assert hangzhou.entry_open
    assert not ningbo.entry_open
    values_save(submission=hangzhou, entries={"RS01": Entry("55")}, actor=people["officer"],
                expected_version=hangzhou.version)
    with pytest.raises(EntryLocked):
        values_save(submission=ningbo, entries={"RS01": Entry("55")}, actor=people["ningbo_officer"],
                    expected_version=ningbo.version)
    event = AuditEvent.objects.get(action=Action.DEADLINE_EXTENDED)
    assert (event.submission, event.old, event.new, event.comment) == (
        hangzhou, {"until": None, "reason": ""}, {"until": until.isoformat(), "reason": "系统迁移延误"}, "系统迁移延误")
    assert {n.user.username for n in Notification.objects.filter(submission=hangzhou)} == {"officer", "reviewer"}
    assert any("系统迁移延误" in m.body for m in mail.outbox)


def test_an_extension_is_the_coordinators_of_the_region_and_needs_a_reason_and_a_later_date(
        actors, past_deadline, regions):
    hangzhou = Submission.objects.get(cycle=past_deadline, region=regions["hangzhou"])
    until = timezone.localdate() + datetime.timedelta(days=7)
    for who in ("js_coordinator", "analyst", "officer"):
        with pytest.raises(PermissionRefused):
            deadline_extend(submission=hangzhou, until=until, reason="理由", actor=actors[who])
    with pytest.raises(Invalid) as refused:
        deadline_extend(submission=hangzhou, until=past_deadline.closes, reason=" ", actor=actors["national"])
    assert set(refused.value.fields) == {"reason", "until"}
    hangzhou.refresh_from_db()
    assert hangzhou.extended_until is None
    deadline_extend(submission=hangzhou, until=until, reason="理由", actor=actors["national"])


def test_closing_locks_entry_everywhere_and_reports_what_was_not_approved(
        actors, past_deadline, regions, people, django_capture_on_commit_callbacks):
    hangzhou = Submission.objects.get(cycle=past_deadline, region=regions["hangzhou"])
    deadline_extend(submission=hangzhou, until=timezone.localdate() + datetime.timedelta(days=7), reason="延期",
                    actor=actors["national"])
    Submission.objects.filter(cycle=past_deadline, region=regions["ningbo"]).update(status="approved")
    with django_capture_on_commit_callbacks(execute=True):
        closing = cycle_close(cycle=past_deadline, actor=actors["national"])
    assert [s.region.code for s in closing.not_approved] == ["320100", "330100"]
    hangzhou.refresh_from_db()
    assert not hangzhou.entry_open
    with pytest.raises(EntryLocked):
        values_save(submission=hangzhou, entries={"RS01": Entry("55")}, actor=people["officer"],
                    expected_version=hangzhou.version)
    event = AuditEvent.objects.get(action=Action.CYCLE_CLOSED)
    assert event.new == {"status": "closed", "participants": 3,
                         "not_approved": {"320100": "draft", "330100": "draft"}}
    told = Notification.objects.filter(user=people["officer"], submission=hangzhou).first()
    assert "is closed for entry" in told.message
    assert "not approved" in told.message
    told = Notification.objects.get(user=people["ningbo_officer"])
    assert "is closed for entry" in told.message
    assert "not approved" not in told.message
