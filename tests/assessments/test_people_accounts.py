"""A person's account: the invitation link (works once, not after the password is set, not once expired; a new
invitation gives a new working link), the bilingual invitation e-mail, deactivation that stops login, role
changes; who may do each (services), and the audit trail of each."""

import datetime

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail

from assessments.models import Person, RoleAssignment
from assessments.services.people import (
    person_change_role,
    person_deactivate,
    person_invite,
    person_password_set,
    person_reactivate,
)
from audit.models import Action, AuditEvent
from smartgov.errors import Invalid, PermissionRefused, Refused
from tests.factories import PASSWORD, UserFactory, user_with_role
from tests.people_sheets import coordinator, county

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role
BASE = "http://testserver/"
NEW_PASSWORD = "a-new-passphrase-2026"


@pytest.fixture
def zj(regions):
    return coordinator("zj_coordinator", regions["zhejiang"])


@pytest.fixture
def newcomer(regions):
    """A new officer of 杭州市 without a password, as an import makes one."""
    person = user_with_role("wang", Role.CITY_OFFICER, regions["hangzhou"], first_name="王芳",
                            email="wang@hz.gov.cn", password=None)
    person.set_unusable_password()
    person.save()
    return person


def _invite(person, actor, capture=None):
    if capture is None:
        return person_invite(person=person, actor=actor, base_url=BASE)
    with capture(execute=True):
        return person_invite(person=person, actor=actor, base_url=BASE)


def _path(invitation):
    return invitation.link.removeprefix(BASE.rstrip("/"))


def _accept(client, invitation, password=NEW_PASSWORD):
    """Open the link and set the password; returns the last response."""
    opened = client.get(_path(invitation))
    if opened.status_code != 302:
        return opened
    return client.post(opened["Location"], {"new_password1": password, "new_password2": password})


def test_the_link_sets_the_password_once_and_logs_the_person_in(client, zj, newcomer):
    invitation = _invite(newcomer, zj)
    response = _accept(client, invitation)
    assert (response.status_code, response["Location"]) == (302, "/")
    home = client.get("/")
    assert home.context["user"] == newcomer
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)
    client.logout()
    again = client.get(_path(invitation))
    assert (again.status_code, again.context["validlink"]) == (200, False)
    assert "invitation-invalid" in again.content.decode()


def test_the_link_stops_working_once_the_password_is_set_elsewhere(client, zj, newcomer, admin_user):
    invitation = _invite(newcomer, zj)
    person_password_set(person=newcomer, password="set-by-an-admin-1", actor=admin_user)
    assert not client.get(_path(invitation)).context["validlink"]


def test_an_expired_link_says_so(client, zj, newcomer, settings, monkeypatch):
    invitation = _invite(newcomer, zj)
    assert client.get(_path(invitation)).status_code == 302  # valid now
    # Django's token generator counts in naive local time.
    later = datetime.datetime.now() + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)  # noqa: DTZ005
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    response = client.get(_path(invitation))
    assert not response.context["validlink"]
    assert "coordinator" in response.content.decode() or "协调" in response.content.decode()


def test_a_new_invitation_gives_a_new_working_link_and_the_old_one_stops(client, zj, newcomer):
    first = _invite(newcomer, zj)
    second = _invite(newcomer, zj)
    assert first.link != second.link
    assert not client.get(_path(first)).context["validlink"]
    assert _accept(client, second).status_code == 302
    assert client.get("/").context["user"] == newcomer


def test_a_link_with_a_damaged_token_or_user_does_not_work(client, zj, newcomer):
    invitation = _invite(newcomer, zj)
    assert not client.get(_path(invitation)[:-3] + "xx/").context["validlink"]
    assert not client.get("/invitation/zzzz/abc-def/").context["validlink"]


def test_the_invitation_email_is_chinese_first_then_english(zj, newcomer, django_capture_on_commit_callbacks):
    invitation = _invite(newcomer, zj, django_capture_on_commit_callbacks)
    assert invitation.emailed
    (message,) = mail.outbox
    assert message.to == ["wang@hz.gov.cn"]
    body = message.body
    assert body.count(invitation.link) == 2
    assert body.index("杭州市") < body.index("Hangzhou")
    assert body.index("城市填报员") < body.index("City data-entry officer")
    assert all(text in body for text in ("zj_coordinator", "wang"))


def test_a_person_without_an_address_gets_a_link_for_hand_delivery(zj, regions,
                                                                   django_capture_on_commit_callbacks):
    person = user_with_role("13800000002", Role.CITY_OFFICER, regions["ningbo"], email="")
    invitation = _invite(person, zj, django_capture_on_commit_callbacks)
    assert (invitation.emailed, invitation.link.startswith(f"{BASE}invitation/")) == (False, True)
    assert mail.outbox == []


def test_an_invitation_is_recorded_and_audited_without_its_link(zj, newcomer):
    invitation = _invite(newcomer, zj)
    profile = Person.objects.get(user=newcomer)
    assert (profile.invited_by, profile.invited_at is not None) == (zj, True)
    event = AuditEvent.objects.get(action=Action.PERSON_INVITED)
    assert (event.actor, event.target_id, event.region.code) == (zj, newcomer.pk, "330000")
    assert invitation.link not in str(event.new)
    assert event.new["email"] == "wang@hz.gov.cn"


def test_setting_the_password_through_the_link_is_audited(client, zj, newcomer):
    _accept(client, _invite(newcomer, zj))
    event = AuditEvent.objects.filter(action=Action.PERSON_CHANGED).get()
    assert (event.actor, event.new) == (newcomer, {"password": "set"})


def test_deactivation_stops_login_and_ends_sessions_and_reactivation_restores(client, zj, regions):
    person = user_with_role("li", Role.CITY_OFFICER, regions["hangzhou"])
    client.force_login(person)
    person_deactivate(person=person, actor=zj)
    assert not client.get("/").context["user"].is_authenticated
    response = client.post("/accounts/login/", {"username": "li", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert (response.status_code, response.context["user"].is_authenticated) == (200, False)
    person_reactivate(person=person, actor=zj)
    response = client.post("/accounts/login/", {"username": "li", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302
    changes = [(e.old, e.new) for e in AuditEvent.objects.filter(action=Action.PERSON_CHANGED).order_by("id")]
    assert changes == [({"is_active": True}, {"is_active": False}), ({"is_active": False}, {"is_active": True})]


def test_a_deactivated_person_cannot_be_invited_and_their_link_stops(client, zj, newcomer):
    invitation = _invite(newcomer, zj)
    person_deactivate(person=newcomer, actor=zj)
    assert not client.get(_path(invitation)).context["validlink"]
    with pytest.raises(Refused):
        _invite(newcomer, zj)


def test_a_role_is_changed_by_revoking_and_granting(zj, regions, newcomer):
    xihu = county(regions["hangzhou"])
    assignment = newcomer.roles.get()
    changed = person_change_role(assignment=assignment, role=Role.CITY_REVIEWER, region=xihu, actor=zj)
    assert list(newcomer.roles.values_list("role", "region__code")) == [(Role.CITY_REVIEWER, "330106")]
    assert changed.region == xihu
    actions = list(AuditEvent.objects.filter(actor=zj).order_by("id").values_list("action", flat=True))
    assert actions == [Action.ROLE_REVOKED, Action.ROLE_GRANTED]


def test_a_region_no_longer_valid_is_named(zj, regions, newcomer):
    xihu = county(regions["hangzhou"])
    xihu.valid_to = datetime.date(2020, 1, 1)
    xihu.save(update_fields=["valid_to"])
    with pytest.raises(Refused) as refused:
        person_change_role(assignment=newcomer.roles.get(), role=Role.CITY_REVIEWER, region=xihu, actor=zj)
    assert str(refused.value) == f"{xihu.name_zh}（{xihu.code}）已失效。"


@pytest.mark.parametrize(("role", "region"), [
    (Role.PROVINCE_ANALYST, "hangzhou"), (Role.CITY_OFFICER, "zhejiang"), (Role.PLATFORM_ADMIN, "hangzhou"),
    ("mayor", "hangzhou")])
def test_a_role_that_does_not_fit_the_region_is_refused(zj, regions, newcomer, role, region):
    with pytest.raises((Refused, Invalid)):
        person_change_role(assignment=newcomer.roles.get(), role=role, region=regions[region], actor=zj)
    assert newcomer.roles.get().role == Role.CITY_OFFICER


def test_a_provincial_coordinator_manages_only_people_of_their_province(regions, newcomer, people):
    js = coordinator("js_coordinator", regions["jiangsu"])
    zj = coordinator("zj_coordinator", regions["zhejiang"])
    refused = [
        lambda: person_invite(person=newcomer, actor=js, base_url=BASE),
        lambda: person_deactivate(person=newcomer, actor=js),
        lambda: person_change_role(assignment=newcomer.roles.get(), role=Role.CITY_OFFICER,
                                   region=regions["nanjing"], actor=js),
        # a role outside their province, even for one of their people
        lambda: person_change_role(assignment=newcomer.roles.get(), role=Role.CITY_OFFICER,
                                   region=regions["nanjing"], actor=zj),
        # someone who also holds a role elsewhere, an administrator, themself
        lambda: person_deactivate(person=_two_provinces(regions), actor=zj),
        lambda: person_deactivate(person=people["admin"], actor=zj),
        lambda: person_deactivate(person=_national_with_a_city_role(regions), actor=zj),
        lambda: person_deactivate(person=zj, actor=zj),
        # no coordinator at all
        lambda: person_deactivate(person=newcomer, actor=people["analyst"]),
    ]
    for attempt in refused:
        with pytest.raises(PermissionRefused):
            attempt()
    newcomer.refresh_from_db()
    assert (newcomer.is_active, newcomer.roles.get().region) == (True, regions["hangzhou"])
    assert not AuditEvent.objects.filter(actor__isnull=False).exists()


def _national_with_a_city_role(regions):
    person = user_with_role("national2", Role.PLATFORM_ADMIN)
    RoleAssignment.objects.create(user=person, role=Role.CITY_OFFICER, region=regions["hangzhou"])
    return person


def _two_provinces(regions):
    person = user_with_role("both", Role.CITY_OFFICER, regions["hangzhou"])
    RoleAssignment.objects.create(user=person, role=Role.CITY_OFFICER, region=regions["nanjing"])
    return person


def test_the_national_coordinator_manages_everyone_but_themself(people, regions, newcomer):
    admin = people["admin"]
    person_deactivate(person=_two_provinces(regions), actor=admin)
    person_invite(person=newcomer, actor=admin, base_url=BASE)
    other_admin = UserFactory(username="root2", is_superuser=True, is_staff=True)
    person_deactivate(person=other_admin, actor=admin)
    with pytest.raises(PermissionRefused):
        person_deactivate(person=admin, actor=admin)
