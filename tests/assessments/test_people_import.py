"""Onboarding people from an Excel sheet (services): the dry run and every kind of row error, matching existing
accounts, the all-or-nothing apply that refuses a stale dry run, new accounts and their invitations, the limits
of a provincial coordinator, every write audited."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from assessments.models import Person, Region, RoleAssignment
from assessments.services.people import PeopleImportRefused, people_import_apply, people_import_preview
from audit.models import Action, AuditEvent
from smartgov.errors import PermissionRefused
from tests.factories import RegionFactory, UserFactory, in_province
from tests.people_sheets import coordinator, county, people_sheet

pytestmark = pytest.mark.django_db
User = get_user_model()
Role = RoleAssignment.Role
BASE = "https://smartgov.example.gov.cn/"


@pytest.fixture
def zj(regions):
    return coordinator("zj_coordinator", regions["zhejiang"])


@pytest.fixture
def xihu(regions):
    return county(regions["hangzhou"])


def _errors(preview):
    return [(e.row, e.column) for e in preview.errors]


def _apply(data, actor, preview=None):
    preview = preview or people_import_preview(data=data, actor=actor)
    return people_import_apply(data=data, actor=actor, fingerprint=preview.fingerprint, base_url=BASE,
                               name="people.xlsx")


def test_it_plans_new_accounts_and_roles_and_writes_nothing(zj, xihu, regions):
    data = people_sheet([
        ["王芳", "wang.fang@hz.gov.cn", "13800000001", "330100", "城市填报员"],
        ["王芳", "wang.fang@hz.gov.cn", "", "330106", "city_reviewer"],
        ["李强", "", "+86 138-0000-0002", 330200, "City reviewer"],
        ["赵敏", "zhao@zj.gov.cn", 13800000003, "330000", "province_analyst"],
    ])
    users, events = User.objects.count(), AuditEvent.objects.count()
    preview = people_import_preview(data=data, actor=zj)
    assert preview.ok, preview.errors
    assert [(p.row, p.role, p.region.code, p.creates, p.held) for p in preview.plans] == [
        (2, Role.CITY_OFFICER, "330100", True, False), (3, Role.CITY_REVIEWER, "330106", False, False),
        (4, Role.CITY_REVIEWER, "330200", True, False), (5, Role.PROVINCE_ANALYST, "330000", True, False)]
    assert preview.plans[0].identity == preview.plans[1].identity
    assert [p.mobile for p in preview.plans] == ["13800000001", "", "13800000002", "13800000003"]
    assert (preview.rows, preview.created, preview.granted, preview.unchanged) == (4, 3, 4, 0)
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)


def test_every_kind_of_row_error_is_reported_with_its_row_and_column(zj, regions, xihu):
    old = in_province(RegionFactory(code="330183", name_zh="富阳市", name_en="Fuyang", level=Region.Level.COUNTY,
                                    parent=regions["hangzhou"], valid_to=datetime.date(2015, 2, 17),
                                    successor=xihu))
    assert old.province == regions["zhejiang"]
    data = people_sheet([
        ["甲", "a@hz.gov.cn", "", "999999", "city_officer"],             # 2 unknown region code
        ["乙", "b@hz.gov.cn", "", "330000", "city_officer"],             # 3 a city role on a province
        ["丙", "c@hz.gov.cn", "", "330100", "province_analyst"],         # 4 a provincial role on a city
        ["丁", "d@js.gov.cn", "", "320100", "city_officer"],             # 5 outside the coordinator's province
        ["戊", "not-an-address", "", "330100", "city_officer"],          # 6 malformed e-mail
        ["己", "", "2380000000", "330100", "city_officer"],              # 7 malformed mobile (10 digits, not 1…)
        ["庚", "g@hz.gov.cn", "", "330100", "city_officer"],             # 8 fine
        ["庚", "G@hz.gov.cn", "", "330100", "城市填报员"],                # 9 duplicate of row 8
        ["辛", "", "", "330100", "city_officer"],                        # 10 neither e-mail nor mobile
        ["壬", "r@hz.gov.cn", "", "330100", "mayor"],                     # 11 unknown role
        ["", "nobody@hz.gov.cn", "", "330100", "city_officer"],          # 12 a new person without a name
        ["癸", "k@hz.gov.cn", "", "330183", "city_officer"],             # 13 a code no longer valid
        ["子", "z@hz.gov.cn", "", "", ""],                               # 14 no region, no role
        ["丑", "x@hz.gov.cn", "", "330100", "platform_admin"],           # 15 not a role a sheet gives
    ])
    preview = people_import_preview(data=data, actor=zj)
    assert _errors(preview) == [
        (2, "region_code"), (3, "role"), (4, "role"), (5, "region_code"), (6, "email"), (7, "mobile"),
        (9, "role"), (10, "email"), (11, "role"), (12, "name"), (13, "region_code"), (14, "region_code"),
        (14, "role"), (15, "role")]
    reasons = {(e.row, e.column): e.reason for e in preview.errors}
    assert "南京市" in reasons[(5, "region_code")]
    assert all(text in reasons[(13, "region_code")] for text in ("330106", "2015-02-17"))
    assert "8" in reasons[(9, "role")]
    labels = {e.column_label for e in preview.errors}
    assert {"地区代码 Region code (D)", "角色 Role (E)", "电子邮箱 E-mail (B)", "手机 Mobile (C)"} <= labels
    assert [p.row for p in preview.plans] == [8]
    with pytest.raises(PeopleImportRefused) as refused:
        _apply(data, zj, preview)
    assert refused.value.preview.errors
    assert not User.objects.filter(email__iendswith="@hz.gov.cn").exists()


def test_an_existing_account_is_found_by_email_then_by_mobile_and_only_gets_the_role(zj, people, regions):
    officer = people["officer"]
    by_mobile = UserFactory(username="chen", first_name="陈", email="")
    Person.objects.create(user=by_mobile, mobile="13900000009")
    data = people_sheet([
        ["别的名字", "OFFICER@example.gov.cn", "13811111111", "330200", "city_reviewer"],
        ["陈", "", "139 0000 0009", "330100", "city_reviewer"],
        ["", "officer@example.gov.cn", "", "330100", "city_officer"],
    ])
    preview = people_import_preview(data=data, actor=zj)
    assert preview.ok, preview.errors
    assert [(p.person, p.matched_by, p.creates, p.held) for p in preview.plans] == [
        (officer, "email", False, False), (by_mobile, "mobile", False, False), (officer, "email", False, True)]
    result = _apply(data, zj, preview)
    assert (result.created, result.granted, result.invitations) == ([], 2, [])
    officer.refresh_from_db()
    assert (officer.first_name, officer.email) == ("", "officer@example.gov.cn")
    assert not Person.objects.filter(user=officer).exists()
    assert set(officer.roles.values_list("role", "region__code")) == {
        (Role.CITY_OFFICER, "330100"), (Role.CITY_REVIEWER, "330200")}
    assert by_mobile.roles.get().region == regions["hangzhou"]
    assert mail.outbox == []


def test_apply_creates_accounts_invites_them_and_audits_everything(zj, regions, django_capture_on_commit_callbacks):
    UserFactory(username="wang.fang@hz.gov.cn", email="someone.else@hz.gov.cn")
    data = people_sheet([
        ["王芳", "Wang.Fang@hz.gov.cn", "13800000001", "330100", "城市填报员"],
        ["王芳", "wang.fang@hz.gov.cn", "", "330200", "city_reviewer"],
        ["李强", "", "13800000002", "330200", "city_officer"],
    ])
    with django_capture_on_commit_callbacks(execute=True):
        result = _apply(data, zj)
    wang, li = result.created
    assert (wang.username, wang.email, wang.first_name, wang.person.mobile) == (
        "wang.fang@hz.gov.cn-2", "Wang.Fang@hz.gov.cn", "王芳", "13800000001")
    assert (li.username, li.email, li.person.mobile) == ("13800000002", "", "13800000002")
    assert (wang.has_usable_password(), li.has_usable_password()) == (False, False)
    assert set(wang.roles.values_list("role", "region__code")) == {
        (Role.CITY_OFFICER, "330100"), (Role.CITY_REVIEWER, "330200")}
    assert [(i.person, i.emailed) for i in result.invitations] == [(wang, True), (li, False)]
    assert all(i.link.startswith(f"{BASE}invitation/") for i in result.invitations)
    assert [p.invited_by for p in Person.objects.filter(user__in=[wang, li])] == [zj, zj]
    assert [m.to for m in mail.outbox] == [["Wang.Fang@hz.gov.cn"]]
    assert result.invitations[0].link in mail.outbox[0].body
    events = AuditEvent.objects.filter(actor=zj).order_by("id")
    assert [e.action for e in events] == [
        Action.PERSON_CREATED, Action.ROLE_GRANTED, Action.ROLE_GRANTED, Action.PERSON_CREATED,
        Action.ROLE_GRANTED, Action.PERSON_INVITED, Action.PERSON_INVITED, Action.PEOPLE_IMPORTED]
    imported = events.last()
    assert imported.new == {"rows": 3, "created": 2, "granted": 3, "unchanged": 0, "sha256": imported.new["sha256"]}
    assert (imported.region, imported.comment) == (regions["zhejiang"], "people.xlsx")
    assert events.first().new["mobile"] == "13800000001"
    assert all(i.link not in str(e.new) for e in events for i in result.invitations)


def test_apply_refuses_when_the_database_changed_since_the_dry_run(zj, regions):
    data = people_sheet([["王芳", "wang@hz.gov.cn", "", "330100", "city_officer"]])
    preview = people_import_preview(data=data, actor=zj)
    UserFactory(username="wang", email="wang@hz.gov.cn")
    with pytest.raises(PeopleImportRefused) as refused:
        _apply(data, zj, preview)
    assert refused.value.preview.plans[0].creates is False
    assert not RoleAssignment.objects.filter(region=regions["hangzhou"], user__username="wang").exists()
    assert not AuditEvent.objects.filter(action=Action.PEOPLE_IMPORTED).exists()


def test_apply_refuses_another_file_than_the_dry_run(zj, regions):
    first = people_sheet([["王芳", "wang@hz.gov.cn", "", "330100", "city_officer"]])
    second = people_sheet([["王芳", "wang@hz.gov.cn", "", "330200", "city_officer"]])
    preview = people_import_preview(data=first, actor=zj)
    with pytest.raises(PeopleImportRefused):
        _apply(second, zj, preview)
    assert not User.objects.filter(email="wang@hz.gov.cn").exists()


def test_it_is_all_or_nothing_when_a_write_fails_halfway(zj, regions, monkeypatch):
    from assessments.services import people as service

    data = people_sheet([["甲", "a@hz.gov.cn", "", "330100", "city_officer"],
                         ["乙", "b@hz.gov.cn", "", "330200", "city_officer"]])
    preview = people_import_preview(data=data, actor=zj)
    calls = []
    original = service.role_grant

    def failing_grant(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            from django.db import IntegrityError
            raise IntegrityError("simulated")
        return original(**kwargs)

    monkeypatch.setattr(service, "role_grant", failing_grant)
    with pytest.raises(PeopleImportRefused):
        _apply(data, zj, preview)
    assert not User.objects.filter(email__in=["a@hz.gov.cn", "b@hz.gov.cn"]).exists()
    assert not AuditEvent.objects.filter(actor=zj).exists()


def test_a_coordinator_of_another_province_is_refused_row_by_row(regions):
    js = coordinator("js_coordinator", regions["jiangsu"])
    data = people_sheet([["王芳", "wang@hz.gov.cn", "", "330100", "city_officer"],
                         ["周", "zhou@nj.gov.cn", "", "320100", "city_officer"]])
    preview = people_import_preview(data=data, actor=js)
    assert _errors(preview) == [(2, "region_code")]
    with pytest.raises(PeopleImportRefused):
        _apply(data, js, preview)


@pytest.mark.parametrize("who", ["analyst", "officer"])
def test_someone_who_coordinates_no_province_may_not_import(people, who):
    data = people_sheet([["王芳", "wang@hz.gov.cn", "", "330100", "city_officer"]])
    with pytest.raises(PermissionRefused):
        people_import_preview(data=data, actor=people[who])


def test_the_national_coordinator_imports_in_every_province(people, regions):
    data = people_sheet([["王芳", "wang@hz.gov.cn", "", "330100", "city_officer"],
                         ["周", "zhou@nj.gov.cn", "", "320000", "province_coordinator"]])
    result = _apply(data, people["admin"])
    assert len(result.created) == 2
    assert AuditEvent.objects.get(action=Action.PEOPLE_IMPORTED).region is None


@pytest.mark.parametrize("header", [
    ["Name", "E-mail", "Mobile", "Region code", "Role"],
    ["姓名", "电子邮箱", "手机", "地区代码", "角色"],
    ["角色", "地区代码", "姓名", "手机"],
])
def test_headers_are_read_in_either_language_and_any_order(zj, regions, header):
    values = {"姓名": "王芳", "Name": "王芳", "电子邮箱": "wang@hz.gov.cn", "E-mail": "wang@hz.gov.cn",
              "手机": "13800000001", "Mobile": "13800000001", "地区代码": "330100", "Region code": "330100",
              "角色": "city_officer", "Role": "city_officer"}
    preview = people_import_preview(data=people_sheet([[values[h] for h in header]], header=header), actor=zj)
    assert (preview.ok, preview.plans[0].region) == (True, regions["hangzhou"])


@pytest.mark.parametrize(("data", "message"), [
    (b"name,email\n", "Excel"),
    (b"\xd0\xcf\x11\xe0" + bytes(500), ".xls"),
    (people_sheet([["王芳"]], header=["姓名 Name", "角色 Role"]), "地区代码 Region code"),
])
def test_a_file_that_cannot_be_used_is_refused_as_a_whole(zj, data, message):
    with pytest.raises(PeopleImportRefused) as refused:
        people_import_preview(data=data, actor=zj)
    assert message in str(refused.value)


def test_the_row_limit_is_enforced(zj, monkeypatch):
    from assessments.services import people as service

    monkeypatch.setattr(service, "PEOPLE_FILE_MAX_ROWS", 2)
    data = people_sheet([["甲", f"{i}@hz.gov.cn", "", "330100", "city_officer"] for i in range(3)])
    with pytest.raises(PeopleImportRefused):
        people_import_preview(data=data, actor=zj)


def test_a_file_that_changes_nothing_applies_as_nothing(zj, people):
    data = people_sheet([["", "officer@example.gov.cn", "", "330100", "city_officer"]])
    preview = people_import_preview(data=data, actor=zj)
    assert (preview.granted, preview.unchanged) == (0, 1)
    assert _apply(data, zj, preview).granted == 0
    assert not AuditEvent.objects.filter(action=Action.PEOPLE_IMPORTED).exists()
