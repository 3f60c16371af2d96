"""`groups_set`: a cycle's comparison groups replaced all or nothing, by the national coordinator, audited."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.lifecycle import LifecycleRefused
from assessments.models import ComparisonGroup, Cycle, RoleAssignment, ScoreRun, Submission
from assessments.services.groups import (
    GROUPS_MAX,
    GroupInput,
    cycle_groups,
    groups_fingerprint,
    groups_set,
    groups_with,
    members_from_text,
)
from audit.models import Action, AuditEvent
from smartgov.errors import ErrorCode, Invalid, PermissionRefused, Refused
from tests.factories import CycleFactory, RegionFactory, SubmissionFactory, in_province, many_cities, user_with_role

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role
SUB = GroupInput("sub_provincial", "副省级城市", "Sub-provincial cities", ("330100", "330200", "320100"))
PLAN = GroupInput("separately_planned", "计划单列市", "Cities with separate planning status", ("330200",))


@pytest.fixture
def participants(cycle, regions):
    return [SubmissionFactory(cycle=cycle, region=regions[key]) for key in ("hangzhou", "ningbo", "nanjing")]


@pytest.fixture
def outsider(regions):
    """A city of 浙江 that does not take part in the cycle."""
    return in_province(RegionFactory(code="330300", name_zh="温州市", name_en="Wenzhou", parent=regions["zhejiang"]))


def stored(cycle):
    return {g.code: (g.name_zh, g.name_en, g.members) for g in cycle_groups(cycle)}


def test_it_sets_the_groups_and_audits_them(cycle, participants, admin_user):
    result = groups_set(cycle=cycle, groups=[SUB, PLAN], actor=admin_user)
    assert [g.code for g in result] == ["separately_planned", "sub_provincial"]
    assert stored(cycle) == {
        "separately_planned": ("计划单列市", "Cities with separate planning status", ("330200",)),
        "sub_provincial": ("副省级城市", "Sub-provincial cities", ("320100", "330100", "330200")),
    }
    event = AuditEvent.objects.get(action=Action.GROUPS_SET)
    assert (event.actor, event.target_id, event.old) == (admin_user, cycle.pk, [])
    assert event.new == [
        {"code": "separately_planned", "name_zh": "计划单列市", "name_en": "Cities with separate planning status",
         "members": ["330200"]},
        {"code": "sub_provincial", "name_zh": "副省级城市", "name_en": "Sub-provincial cities",
         "members": ["320100", "330100", "330200"]},
    ]


def test_it_replaces_every_group_and_keeps_the_ids_of_those_kept(cycle, participants, admin_user):
    groups_set(cycle=cycle, groups=[SUB, PLAN], actor=admin_user)
    kept = ComparisonGroup.objects.get(cycle=cycle, code="sub_provincial").pk
    renamed = GroupInput("sub_provincial", "副省级城市（新）", "Sub-provincial", ("330100",))
    groups_set(cycle=cycle, groups=[renamed], actor=admin_user)
    assert stored(cycle) == {"sub_provincial": ("副省级城市（新）", "Sub-provincial", ("330100",))}
    assert ComparisonGroup.objects.get(cycle=cycle).pk == kept
    second = AuditEvent.objects.filter(action=Action.GROUPS_SET).order_by("pk").last()
    assert [g["code"] for g in second.old] == ["separately_planned", "sub_provincial"]
    assert second.new == [{"code": "sub_provincial", "name_zh": "副省级城市（新）", "name_en": "Sub-provincial",
                           "members": ["330100"]}]
    groups_set(cycle=cycle, groups=[], actor=admin_user)
    assert stored(cycle) == {}


def test_input_is_trimmed_and_members_counted_once(cycle, participants, admin_user):
    messy = GroupInput(" g1 ", " 甲组 ", " Group A ", (" 330100", "330100", "", "330200 "))
    assert groups_set(cycle=cycle, groups=[messy], actor=admin_user) == [
        GroupInput("g1", "甲组", "Group A", ("330100", "330200"))]


def test_setting_the_same_groups_again_changes_nothing(cycle, participants, admin_user):
    groups_set(cycle=cycle, groups=[SUB], actor=admin_user)
    groups_set(cycle=cycle, groups=[SUB], actor=admin_user)
    assert AuditEvent.objects.filter(action=Action.GROUPS_SET).count() == 1


@pytest.mark.parametrize(("group", "field", "named"), [
    (GroupInput("g", "甲", "A", ("330300",)), "members", "330300"),
    (GroupInput("g", "甲", "A", ("999999", "330100")), "members", "999999"),
    (GroupInput("副省级", "甲", "A", ("330100",)), "code", "副省级"),
    (GroupInput("", "甲", "A", ("330100",)), "code", "甲"),
    (GroupInput("g" * 41, "甲", "A", ("330100",)), "code", "g" * 41),
    (GroupInput("g", "", "A", ("330100",)), "name_zh", "g"),
    (GroupInput("g", "甲", "", ("330100",)), "name_en", "g"),
    (GroupInput("g", "甲" * 201, "A", ("330100",)), "name_zh", "g"),
    (GroupInput("g", "甲", "A", ()), "members", "g"),
])
def test_a_wrong_group_is_refused_with_what_is_wrong_named(cycle, participants, outsider, admin_user, group, field,
                                                           named):
    with pytest.raises(Invalid) as refused:
        groups_set(cycle=cycle, groups=[group], actor=admin_user)
    assert list(refused.value.fields) == [field]
    assert named in " ".join(refused.value.fields[field])
    assert named in str(refused.value)


def test_non_participants_and_unknown_codes_are_named_apart(cycle, participants, outsider, admin_user):
    group = GroupInput("g", "甲", "A", ("330100", "330300", "999999", "888888"))
    with pytest.raises(Invalid) as refused:
        groups_set(cycle=cycle, groups=[group], actor=admin_user)
    first, second = refused.value.fields["members"]
    assert "888888、999999" in first
    assert "330300" not in first
    assert "330300" in second
    assert "999999" not in second


def test_one_wrong_group_saves_none_of_them(cycle, participants, admin_user):
    groups_set(cycle=cycle, groups=[PLAN], actor=admin_user)
    twice = GroupInput("separately_planned", "重复", "Twice", ("330100",))
    with pytest.raises(Invalid) as refused:
        groups_set(cycle=cycle, groups=[SUB, PLAN, twice], actor=admin_user)
    assert "separately_planned" in refused.value.fields["code"][0]
    assert stored(cycle) == {"separately_planned": ("计划单列市", "Cities with separate planning status",
                                                    ("330200",))}
    assert AuditEvent.objects.filter(action=Action.GROUPS_SET).count() == 1


def test_a_cycle_has_a_limited_number_of_groups(cycle, participants, admin_user):
    many = [GroupInput(f"g{i}", "甲", "A", ("330100",)) for i in range(GROUPS_MAX + 1)]
    with pytest.raises(Invalid) as refused:
        groups_set(cycle=cycle, groups=many, actor=admin_user)
    assert str(GROUPS_MAX) in refused.value.fields["code"][0]


@pytest.mark.parametrize("name", ["officer", "reviewer", "analyst", "jiangsu_analyst"])
def test_only_the_national_coordinator_sets_groups(cycle, participants, people, name):
    with pytest.raises(PermissionRefused):
        groups_set(cycle=cycle, groups=[SUB], actor=people[name])
    assert not ComparisonGroup.objects.exists()


def test_a_provincial_coordinator_may_not_set_groups(cycle, participants, regions):
    coordinator = user_with_role("coordinator", Role.PROVINCE_COORDINATOR, regions["zhejiang"])
    with pytest.raises(PermissionRefused):
        groups_set(cycle=cycle, groups=[SUB], actor=coordinator)


def test_the_platform_itself_may_set_groups(cycle, participants):
    groups_set(cycle=cycle, groups=[SUB], actor=None)
    assert AuditEvent.objects.get(action=Action.GROUPS_SET).actor is None


@pytest.mark.parametrize("status", [Cycle.Status.PLANNED, Cycle.Status.OPEN, Cycle.Status.CLOSED])
def test_groups_are_set_until_the_cycle_is_published(cycle, participants, admin_user, status):
    Cycle.objects.filter(pk=cycle.pk).update(status=status)
    groups_set(cycle=cycle, groups=[SUB], actor=admin_user)
    assert "sub_provincial" in stored(cycle)


def test_a_published_cycle_keeps_its_groups(cycle, participants, admin_user):
    groups_set(cycle=cycle, groups=[SUB], actor=admin_user)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.PUBLISHED)
    with pytest.raises(LifecycleRefused) as refused:
        groups_set(cycle=cycle, groups=[PLAN], actor=admin_user)
    assert (refused.value.code, refused.value.status) == (ErrorCode.WORKFLOW_REFUSED, 409)
    assert list(stored(cycle)) == ["sub_provincial"]


def test_a_change_since_the_dry_run_is_refused(cycle, participants, admin_user):
    before = groups_fingerprint(cycle_groups(cycle))
    groups_set(cycle=cycle, groups=[PLAN], actor=admin_user)
    with pytest.raises(Refused):
        groups_set(cycle=cycle, groups=[SUB], actor=admin_user, expected=before)
    groups_set(cycle=cycle, groups=[SUB], actor=admin_user, expected=groups_fingerprint(cycle_groups(cycle)))
    assert list(stored(cycle)) == ["sub_provincial"]


def test_a_change_asks_for_a_recompute_once_something_is_approved(cycle, participants, admin_user):
    groups_set(cycle=cycle, groups=[SUB], actor=admin_user)
    assert not ScoreRun.objects.exists()
    Submission.objects.filter(pk=participants[0].pk).update(status=Submission.Status.APPROVED)
    groups_set(cycle=cycle, groups=[PLAN], actor=admin_user)
    run = ScoreRun.objects.get()
    assert (run.reason, run.requested_by) == ("comparison groups set", admin_user)


def test_queries_do_not_grow_with_the_number_of_groups_or_members(framework, regions, admin_user):
    counts = []
    for period, size in ((2025, 4), (2026, 40)):
        cities = many_cities(size, regions["zhejiang" if period == 2025 else "jiangsu"])
        cycle = CycleFactory(framework=framework, period=period)
        Submission.objects.bulk_create(Submission(cycle=cycle, region=city) for city in cities)
        codes = [city.code for city in cities]
        groups_set(cycle=cycle, groups=[GroupInput("old", "旧", "Old", tuple(codes[:2]))], actor=admin_user)
        groups = [GroupInput(f"g{i}", "甲", "A", tuple(codes[i:])) for i in range(size // 2)]
        groups.append(GroupInput("old", "旧组", "Old group", tuple(codes[1:])))
        with CaptureQueriesContext(connection) as queries:
            groups_set(cycle=cycle, groups=groups, actor=admin_user)
        statements = [q["sql"] for q in queries]
        # SQLite caps the parameters of a statement, so its bulk inserts are split; PostgreSQL's are not.
        counts.append(len(statements) if connection.vendor == "postgresql"
                      else sum(not sql.startswith("INSERT") for sql in statements))
        assert len(cycle_groups(cycle)) == size // 2 + 1
    assert counts[0] == counts[1]


def test_cycle_groups_reads_every_group_in_one_query(cycle, participants, admin_user, django_assert_num_queries):
    groups_set(cycle=cycle, groups=[SUB, PLAN], actor=admin_user)
    with django_assert_num_queries(1):
        assert [g.code for g in cycle_groups(cycle)] == ["separately_planned", "sub_provincial"]


def test_pasted_codes_and_one_group_replaced():
    assert members_from_text("330100, 330200\n320100；330300、 330400\t") == (
        "330100", "330200", "320100", "330300", "330400")
    assert groups_with([SUB, PLAN], replace="sub_provincial") == [PLAN]
    assert groups_with([SUB], replace="sub_provincial", group=PLAN) == [PLAN]
    assert groups_with([SUB], group=PLAN) == [SUB, PLAN]
