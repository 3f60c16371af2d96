"""Every change an administrator makes in the admin to something audited goes through a service, which writes
the audit entry; what has no service is read-only there."""

import pytest
from django.contrib.auth import get_user_model

from api.models import ApiToken, WebhookEndpoint
from assessments.models import Cycle, RoleAssignment
from assessments.services import Entry, values_save
from audit.models import Action, AuditEvent
from audit.selectors import events_about
from surveys.services import questionnaire_create
from tests.factories import many_cities, published, scored_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _actions(obj):
    return [(e.action, e.old, e.new) for e in events_about(obj)]


def test_a_cycle_is_created_and_changed_through_the_services(admin_client, admin_user, framework):
    response = admin_client.post("/admin/assessments/cycle/add/", {
        "framework": framework.pk, "period": 2031, "opens": "2031-09-01", "closes": "2031-12-31",
        "min_participation": "0"})
    assert response.status_code == 302
    cycle = Cycle.objects.get(period=2031)
    response = admin_client.post(f"/admin/assessments/cycle/{cycle.pk}/change/", {
        "opens": "2031-09-01", "closes": "2031-11-30", "min_participation": "0.5", "status": "open"})
    assert response.status_code == 302
    created, changed = events_about(cycle)
    assert (created.action, created.actor, created.new["period"]) == (Action.CYCLE_CREATED, admin_user, 2031)
    assert (changed.action, changed.old, changed.new) == (
        Action.CYCLE_CHANGED, {"closes": "2031-12-31", "min_participation": 0.0},
        {"closes": "2031-11-30", "min_participation": 0.5})
    assert Cycle.objects.get(pk=cycle.pk).status == "planned"  # the status is the lifecycle's, not the admin's


def test_a_published_cycle_is_not_changed_in_the_admin(admin_client, framework, regions, settings):
    settings.SCORE_SENSITIVITY_SAMPLES = 16
    cycle = scored_cycle(framework, many_cities(3, regions["zhejiang"]), 2026)
    published(cycle)
    response = admin_client.post(f"/admin/assessments/cycle/{cycle.pk}/change/", {
        "opens": "2026-09-01", "closes": "2026-11-01", "min_participation": "0.5"})
    assert response.status_code == 200
    assert str(Cycle.Status.PUBLISHED.label) in response.content.decode()
    assert Cycle.objects.get(pk=cycle.pk).min_participation == 0.0


def test_a_cycle_that_closes_before_it_opens_is_refused_on_the_form(admin_client, framework):
    response = admin_client.post("/admin/assessments/cycle/add/", {
        "framework": framework.pk, "period": 2031, "opens": "2031-09-01", "closes": "2031-08-01",
        "min_participation": "0"})
    assert response.status_code == 200
    assert "截止日期不能早于开始日期" in response.content.decode() or "closing date" in response.content.decode()
    assert not Cycle.objects.filter(period=2031).exists()
    assert not AuditEvent.objects.filter(action=Action.CYCLE_CREATED).exists()


def test_a_cycle_is_never_deleted_in_the_admin(admin_client, cycle):
    assert admin_client.get(f"/admin/assessments/cycle/{cycle.pk}/delete/").status_code == 403


def test_roles_are_granted_and_revoked_through_the_services(admin_client, admin_user, regions):
    person = get_user_model().objects.create(username="new_officer")
    response = admin_client.post("/admin/assessments/roleassignment/add/", {
        "user": person.pk, "role": "city_officer", "region": regions["ningbo"].pk})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=person)
    response = admin_client.post(f"/admin/assessments/roleassignment/{assignment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(user=person).exists()
    facts = {"user": "new_officer", "role": "city_officer", "region": "330200"}
    assert _actions(assignment) == [(Action.ROLE_GRANTED, None, facts), (Action.ROLE_REVOKED, facts, None)]
    assert {e.region for e in events_about(assignment)} == {regions["ningbo"]}


def test_a_role_is_not_edited_in_place(admin_client, people):
    assignment = RoleAssignment.objects.get(user=people["officer"])
    page = admin_client.get(f"/admin/assessments/roleassignment/{assignment.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_a_city_role_without_a_region_is_refused_on_the_form(admin_client, admin_user):
    person = get_user_model().objects.create(username="nowhere")
    response = admin_client.post("/admin/assessments/roleassignment/add/", {"user": person.pk,
                                                                              "role": "city_officer"})
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user=person).exists()


def test_accounts_are_created_changed_and_given_passwords_through_the_services(admin_client, admin_user):
    response = admin_client.post("/admin/auth/user/add/", {
        "username": "li_ming", "usable_password": "true", "password1": "a-long-pass-2026",
        "password2": "a-long-pass-2026"})
    assert response.status_code == 302
    person = get_user_model().objects.get(username="li_ming")
    response = admin_client.post(f"/admin/auth/user/{person.pk}/change/", {
        "username": "li_ming", "first_name": "李明", "email": "li@example.gov.cn", "is_active": "on",
        "date_joined_0": "2026-11-30", "date_joined_1": "08:00:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = admin_client.post(f"/admin/auth/user/{person.pk}/password/", {
        "usable_password": "true", "password1": "another-pass-2026", "password2": "another-pass-2026"})
    assert response.status_code == 302
    created, changed, password = events_about(person)
    assert (created.action, created.actor, created.new["username"], created.new["password"]) == (
        Action.PERSON_CREATED, admin_user, "li_ming", "set")
    assert (changed.action, changed.old, changed.new) == (
        Action.PERSON_CHANGED, {"first_name": "", "email": ""}, {"first_name": "李明", "email": "li@example.gov.cn"})
    assert (password.action, password.actor, password.new) == (Action.PERSON_CHANGED, admin_user,
                                                               {"password": "set"})
    assert "a-long-pass" not in str([created.new, changed.new, password.new])
    person.refresh_from_db()
    assert person.check_password("another-pass-2026")


def test_an_account_is_never_deleted_in_the_admin(admin_client, people):
    assert admin_client.get(f"/admin/auth/user/{people['officer'].pk}/delete/").status_code == 403


def test_api_tokens_are_created_renamed_and_revoked_through_the_services(admin_client, admin_user, people):
    response = admin_client.post("/admin/api/apitoken/add/", {"user": people["analyst"].pk, "name": "省平台"})
    assert response.status_code == 302
    token = ApiToken.objects.get(user=people["analyst"])
    admin_client.post(f"/admin/api/apitoken/{token.pk}/change/", {"name": "省级数据平台"})
    admin_client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    actions = [e.action for e in events_about(token)]
    assert actions == [Action.TOKEN_CREATED, Action.TOKEN_RENAMED, Action.TOKEN_REVOKED]
    assert events_about(token)[1].new == "省级数据平台"
    assert token.key_prefix in str(events_about(token)[0].new)
    assert "key_hash" not in str(events_about(token)[0].new)


def test_webhooks_are_registered_and_changed_through_the_services(admin_client, people, regions):
    response = admin_client.post("/admin/api/webhookendpoint/add/", {
        "url": "https://hooks.example.gov.cn/smartgov", "region": regions["zhejiang"].pk,
        "owner": people["analyst"].pk, "secret": "", "active": "on"})
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    admin_client.post(f"/admin/api/webhookendpoint/{endpoint.pk}/change/", {
        "url": "https://hooks.example.gov.cn/smartgov", "region": regions["zhejiang"].pk,
        "owner": people["analyst"].pk, "secret": endpoint.secret})
    registered, changed = events_about(endpoint)
    assert registered.action == Action.WEBHOOK_REGISTERED
    assert (changed.action, changed.old["active"], changed.new["active"]) == (Action.WEBHOOK_CHANGED, True, False)
    assert endpoint.secret not in str([registered.new, changed.old, changed.new])
    assert admin_client.get(f"/admin/api/webhookendpoint/{endpoint.pk}/delete/").status_code == 403


def test_a_webhook_owner_without_a_role_on_the_region_is_refused_on_the_form(admin_client, people, regions):
    response = admin_client.post("/admin/api/webhookendpoint/add/", {
        "url": "https://hooks.example.gov.cn/x", "region": regions["jiangsu"].pk, "owner": people["analyst"].pk,
        "secret": "", "active": "on"})
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("path", [
    "/admin/assessments/submission/{submission}/delete/",
    "/admin/assessments/indicatorvalue/{value}/delete/",
    "/admin/surveys/questionnaire/{questionnaire}/delete/",
])
def test_what_only_services_write_cannot_be_deleted_in_the_admin(admin_client, submission, people, path):
    values_save(submission=submission, entries={"RS01": Entry("80")}, actor=people["officer"],
                expected_version=None)
    questionnaire = questionnaire_create(cycle=submission.cycle, region=submission.region, actor=people["reviewer"])
    ids = {"submission": submission.pk, "value": submission.values.get().pk, "questionnaire": questionnaire.pk}
    assert admin_client.get(path.format(**ids)).status_code == 403
