"""Separation of duties (the four-eyes rule, `assessments.permissions.four_eyes_refusal`): whoever entered values
or evidence in a submission's current round, or submitted it, may not sign it off; whoever signed it off (or
entered or submitted it) may not approve it — while the cycle's `separation_of_duties` is on, its default.
The same refusal in the service, on the page (the button disabled with the reason) and over the API."""

import datetime
import re

import pytest
from django.urls import reverse

from assessments.models import Cycle, RoleAssignment, Submission
from assessments.permissions import four_eyes_refusal
from assessments.services import Entry, evidence_add, submission_transition, values_save
from assessments.services.cycles import cycle_create, cycle_update
from audit.models import Action, AuditEvent
from smartgov.errors import PermissionRefused
from tests.api.clients import client_for, user_with_token
from tests.assessments.campaign_cast import entry_window
from tests.evidence_files import pdf_upload, with_required_evidence
from tests.factories import fill, user_with_role

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role
ENTERED = "Four-eyes rule: you entered values in this submission, so another reviewer must sign it off."
UPLOADED = ("Four-eyes rule: you uploaded or removed evidence in this submission, so another reviewer must sign it "
            "off.")
SUBMITTED = "Four-eyes rule: you submitted this submission, so another reviewer must sign it off."
SIGNED = "Four-eyes rule: you signed this submission off, so someone else must approve it."
ENTERED_APPROVE = "Four-eyes rule: you entered values in this submission, so someone else must approve it."
SUBMITTED_APPROVE = "Four-eyes rule: you submitted this submission, so someone else must approve it."


@pytest.fixture
def ready(submission):
    """杭州's submission with every value and required file (written directly: nobody entered them), its cycle
    open for entry today."""
    entry_window(submission.cycle)
    return with_required_evidence(fill(submission))


@pytest.fixture
def cast(people, regions):
    """The cast, with a second reviewer of 杭州 and a second analyst of 浙江."""
    return {**people,
            "reviewer_2": user_with_role("hz_reviewer_2", Role.CITY_REVIEWER, regions["hangzhou"]),
            "analyst_2": user_with_role("zj_analyst_2", Role.PROVINCE_ANALYST, regions["zhejiang"])}


def enter(submission, actor):
    """`actor` enters a value (a note on the first indicator) through the service."""
    value = submission.values.select_related("indicator").order_by("indicator__code").first()
    values_save(submission=submission, entries={value.indicator.code: Entry(value.value, f"{actor.username} 核实")},
                actor=actor, expected_version=None)


def step(submission, action, actor, comment=""):
    return submission_transition(submission=submission, action=action, actor=actor, comment=comment)


def refused(submission, action, actor, message):
    status = Submission.objects.get(pk=submission.pk).status
    events = AuditEvent.objects.filter(submission=submission).count()
    with pytest.raises(PermissionRefused) as refusal:
        step(submission, action, actor)
    assert str(refusal.value) == message
    assert Submission.objects.get(pk=submission.pk).status == status
    assert AuditEvent.objects.filter(submission=submission).count() == events


# Who took which step (the matrix) -------------------------------------------------------------------------------

PATHS = {
    # name: (who enters, who submits, who signs off, who approves, the refusal of sign-off, of approval)
    "officer enters and submits, reviewer signs off, analyst approves":
        ("officer", "officer", "reviewer", "analyst", None, None),
    "reviewer enters, cannot sign off": ("reviewer", "officer", "reviewer", None, ENTERED, None),
    "reviewer submits, cannot sign off": ("officer", "reviewer", "reviewer", None, SUBMITTED, None),
    "reviewer enters, another reviewer signs off": ("reviewer", "officer", "reviewer_2", "analyst", None, None),
    "admin signs off, cannot approve": ("officer", "officer", "admin", "admin", None, SIGNED),
    "admin signs off, analyst approves": ("officer", "officer", "admin", "analyst", None, None),
    "analyst enters, cannot approve": ("analyst", "officer", "reviewer", "analyst", None, ENTERED_APPROVE),
    "analyst enters, another analyst approves": ("analyst", "officer", "reviewer", "analyst_2", None, None),
    "admin enters, submits: cannot sign off": ("admin", "admin", "admin", None, ENTERED, None),
    "admin submits, cannot approve": ("officer", "admin", "reviewer", "admin", None, SUBMITTED_APPROVE),
}


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("path", list(PATHS))
def test_the_four_eyes_matrix(ready, cast, path):
    enters, submits, signs, approves, sign_refusal, approve_refusal = PATHS[path]
    enter(ready, cast[enters])
    step(ready, "submit", cast[submits])
    if sign_refusal:
        refused(ready, "sign_off", cast[signs], sign_refusal)
        return
    step(ready, "sign_off", cast[signs])
    if approve_refusal:
        refused(ready, "approve", cast[approves], approve_refusal)
        return
    assert step(ready, "approve", cast[approves]).status == "approved"


@pytest.mark.parametrize("path", list(PATHS))
def test_with_the_rule_off_one_person_may_take_every_step(ready, cast, path):
    Cycle.objects.filter(pk=ready.cycle_id).update(separation_of_duties=False)
    enters, submits, signs, approves, _sign, _approve = PATHS[path]
    enter(ready, cast[enters])
    step(ready, "submit", cast[submits])
    step(ready, "sign_off", cast[signs])
    assert step(ready, "approve", cast[approves or "admin"]).status == "approved"


def test_with_the_rule_off_the_admin_alone_enters_submits_signs_off_and_approves(ready, cast):
    Cycle.objects.filter(pk=ready.cycle_id).update(separation_of_duties=False)
    enter(ready, cast["admin"])
    for action in ("submit", "sign_off", "approve"):
        step(ready, action, cast["admin"])
    assert Submission.objects.get(pk=ready.pk).status == "approved"


@pytest.mark.usefixtures("english")
def test_whoever_uploaded_evidence_cannot_sign_off(ready, cast):
    evidence_add(submission=ready, indicator_code="general", upload=pdf_upload(), actor=cast["reviewer"])
    step(ready, "submit", cast["officer"])
    refused(ready, "sign_off", cast["reviewer"], UPLOADED)
    assert step(ready, "sign_off", cast["reviewer_2"]).status == "signed_off"


@pytest.mark.usefixtures("english")
def test_sending_back_keeps_the_round_and_a_return_starts_a_new_one(ready, cast):
    enter(ready, cast["reviewer"])
    step(ready, "submit", cast["officer"])
    step(ready, "send_back", cast["reviewer"], "请补充说明")
    step(ready, "submit", cast["officer"])
    refused(ready, "sign_off", cast["reviewer"], ENTERED)  # what the reviewer entered is still being signed off
    step(ready, "sign_off", cast["reviewer_2"])
    step(ready, "return", cast["analyst"], "RS01 数据口径需要修正")
    enter(ready, cast["officer"])
    step(ready, "submit", cast["officer"])
    assert step(ready, "sign_off", cast["reviewer"]).status == "signed_off"  # a new round: the officer's work


@pytest.mark.usefixtures("english")
def test_a_reopened_submission_starts_a_new_round(ready, cast):
    enter(ready, cast["officer"])
    step(ready, "submit", cast["officer"])
    step(ready, "sign_off", cast["reviewer"])
    step(ready, "approve", cast["analyst"])
    step(ready, "reopen", cast["admin"], "更正")
    enter(ready, cast["reviewer"])
    step(ready, "submit", cast["officer"])
    refused(ready, "sign_off", cast["reviewer"], ENTERED)
    step(ready, "sign_off", cast["reviewer_2"])
    assert step(ready, "approve", cast["analyst"]).status == "approved"  # the analyst approved the last round


def test_the_rule_is_read_once_for_all_steps_and_ignores_other_steps(ready, cast, django_assert_num_queries):
    enter(ready, cast["reviewer"])
    step(ready, "submit", cast["officer"])
    ready.refresh_from_db()
    ready.cycle  # noqa: B018 - loaded before counting
    assert four_eyes_refusal(cast["reviewer"], ready, "send_back") is None
    with django_assert_num_queries(1):
        assert four_eyes_refusal(cast["reviewer"], ready, "sign_off")
    assert four_eyes_refusal(cast["reviewer_2"], ready, "sign_off") is None


# Pages and the API ------------------------------------------------------------------------------------------------

@pytest.mark.usefixtures("english")
def test_the_page_disables_the_step_with_the_reason_and_refuses_it(client, ready, cast):
    enter(ready, cast["reviewer"])
    step(ready, "submit", cast["officer"])
    client.force_login(cast["reviewer"])
    page = client.get(reverse("submission", args=[ready.pk])).content.decode()
    form = page[page.index('id="action-sign_off"'):]
    form = form[:form.index("</form>")]
    assert "disabled" in form
    assert ENTERED in form
    send_back = page[page.index('id="action-send_back"'):]
    assert "disabled" not in send_back[:send_back.index("</form>")]
    ready.refresh_from_db()
    response = client.post(reverse("submission-act", args=[ready.pk, "sign_off"]), {"version": ready.version},
                           follow=True)
    assert ENTERED in response.content.decode()
    assert Submission.objects.get(pk=ready.pk).status == "submitted"
    client.force_login(cast["reviewer_2"])
    page = client.get(reverse("submission", args=[ready.pk])).content.decode()
    form = page[page.index('id="action-sign_off"'):]
    assert "disabled" not in form[:form.index("</form>")]


def test_the_api_refuses_the_same_in_its_error_format_and_lists_only_allowed_steps(ready, cast, regions):
    officer, reviewer, analyst = (user_with_token(name, role, regions[region]) for name, role, region in (
        ("api-officer", Role.CITY_OFFICER, "hangzhou"), ("api-reviewer", Role.CITY_REVIEWER, "hangzhou"),
        ("api-analyst", Role.PROVINCE_ANALYST, "zhejiang")))
    as_officer, as_reviewer, as_analyst = (client_for(secret) for _user, _token, secret in (officer, reviewer, analyst))
    url = f"/api/v1/submissions/{ready.pk}"
    ready.refresh_from_db()
    rs01 = ready.values.get(indicator__code="RS01").value
    values = {"version": ready.version, "values": [{"indicator": "RS01", "value": rs01, "note": "已核实"}]}
    assert as_reviewer.put(f"{url}/values/", values, format="json").status_code == 200
    ready.refresh_from_db()
    assert as_officer.post(f"{url}/submit/", {"version": ready.version}, format="json").status_code == 200
    assert "sign_off" not in as_reviewer.get(f"{url}/").json()["actions"]
    assert "send_back" in as_reviewer.get(f"{url}/").json()["actions"]
    ready.refresh_from_db()
    response = as_reviewer.post(f"{url}/sign_off/", {"version": ready.version}, format="json")
    assert (response.status_code, response.json()) == (403, {"code": "permission_denied", "message": ENTERED,
                                                             "fields": {}})
    assert "sign_off" in client_for(user_with_token("api-reviewer-2", Role.CITY_REVIEWER, regions["hangzhou"])[2]
                                    ).get(f"{url}/").json()["actions"]
    step(ready, "sign_off", cast["reviewer_2"])
    ready.refresh_from_db()
    assert as_analyst.post(f"{url}/approve/", {"version": ready.version}, format="json").status_code == 200


# The cycle's setting ------------------------------------------------------------------------------------------

def test_a_cycle_has_the_rule_on_unless_created_without_it_and_a_change_is_audited(framework, admin_user):
    on = cycle_create(actor=admin_user, framework=framework, period=2031, opens=datetime.date(2031, 9, 1),
                      closes=datetime.date(2031, 11, 30))
    assert on.separation_of_duties
    off = cycle_create(actor=admin_user, framework=framework, period=2032, opens=datetime.date(2032, 9, 1),
                       closes=datetime.date(2032, 11, 30), separation_of_duties=False)
    assert not off.separation_of_duties
    cycle_update(cycle=on, actor=admin_user, separation_of_duties=False)
    changed = AuditEvent.objects.get(action=Action.CYCLE_CHANGED, target_id=on.pk)
    assert (changed.old, changed.new) == ({"separation_of_duties": True}, {"separation_of_duties": False})
    created = AuditEvent.objects.get(action=Action.CYCLE_CREATED, target_id=off.pk)
    assert created.new["separation_of_duties"] is False


def test_the_coordinator_sets_it_on_the_cycle_pages(client, framework, admin_user):
    client.force_login(admin_user)
    form = client.get(reverse("cycle-create")).content.decode()
    assert 'name="separation_of_duties"' in form
    assert client.post(reverse("cycle-create"), {
        "framework": framework.pk, "period": 2031, "opens": "2031-09-01", "closes": "2031-11-30",
        "min_participation": "0", "separation_of_duties": "on"}).status_code == 302
    cycle = Cycle.objects.get(period=2031)
    assert cycle.separation_of_duties
    page = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert 'id="four-eyes"' in page
    assert re.search(r'<input type="checkbox" name="separation_of_duties"[^>]* checked', page)
    response = client.post(reverse("cycle-change", args=[cycle.pk]), {
        "opens": "2031-09-01", "closes": "2031-11-30", "min_participation": "0"})  # the box unticked
    assert response.status_code == 302
    assert not Cycle.objects.get(pk=cycle.pk).separation_of_duties
    changed = AuditEvent.objects.get(action=Action.CYCLE_CHANGED, target_id=cycle.pk)
    assert (changed.actor, changed.new) == (admin_user, {"separation_of_duties": False})
