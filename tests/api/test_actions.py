"""Workflow steps over the API: the same rules as the web pages, refusals explained."""

import re
from datetime import datetime, timedelta

import pytest

from assessments.models import ScoreRun, Submission
from assessments.services import Entry, values_save
from audit.models import AuditEvent
from tests.api.clients import client_for, user_with_token
from tests.evidence_files import with_required_evidence
from tests.factories import fill

pytestmark = pytest.mark.django_db


def act(client, submission, action, **body):
    submission.refresh_from_db()
    return client.post(f"/api/v1/submissions/{submission.pk}/{action}/",
                       {"version": submission.version, **body}, format="json")


@pytest.fixture
def reviewer_client(regions):
    return client_for(user_with_token("hz-reviewer", "city_reviewer", regions["hangzhou"])[2])


def test_the_whole_path_from_submit_to_approval(submission, officer_client, reviewer_client, zj):
    with_required_evidence(fill(submission))
    assert act(officer_client, submission, "submit").json()["status"] == "submitted"
    assert act(reviewer_client, submission, "sign_off").json()["status"] == "signed_off"
    response = act(zj, submission, "approve")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("approved", submission.version + 1)
    assert ScoreRun.objects.filter(cycle=submission.cycle, status="queued").exists()


def test_a_city_officer_cannot_approve_and_is_told_why(submission, officer_client):
    Submission.objects.filter(pk=submission.pk).update(status="signed_off")
    response = act(officer_client, submission, "approve")
    assert (response.status_code, response.json()) == (403, {
        "code": "permission_denied",
        "message": "“Approve” needs one of these roles for this region: Provincial reviewer and analyst、"
                   "Platform administrator.",
        "fields": {}})
    assert Submission.objects.get(pk=submission.pk).status == "signed_off"


def test_a_step_the_state_does_not_allow_is_a_conflict(submission, zj):
    response = act(zj, submission, "approve")
    assert response.status_code == 409
    assert response.json()["code"] == "workflow_refused"
    assert response.json()["message"].startswith("“Approve” is not possible from “Draft”")


def test_submitting_incomplete_values_is_refused_with_the_problems(submission, officer_client):
    response = act(officer_client, submission, "submit")
    assert response.status_code == 409
    assert response.json()["message"].startswith("Not ready to submit: 33 indicators have no value yet. Evidence "
                                                  "required but no file attached: RS05 ")


def test_returning_needs_a_reason_and_keeps_per_indicator_comments(submission, zj):
    Submission.objects.filter(pk=submission.pk).update(status="signed_off")
    response = act(zj, submission, "return")
    assert (response.status_code, response.json()["fields"]) == (400, {"comment": ["A reason is needed."]})
    response = act(zj, submission, "return", indicator_comments={"RS03": "请补充来源", "XX1": "?"})
    assert response.json()["fields"] == {"indicator_comments.XX1": ["Not an indicator of this framework."]}
    response = act(zj, submission, "return", comment="数据需核实", indicator_comments={"RS03": "请补充来源"})
    assert response.json()["status"] == "returned"
    assert sorted(submission.review_comments.values_list("text", flat=True)) == ["数据需核实", "请补充来源"]


def test_a_stale_version_is_refused(submission, zj):
    Submission.objects.filter(pk=submission.pk).update(status="signed_off", version=5)
    response = zj.post(f"/api/v1/submissions/{submission.pk}/approve/", {"version": 4}, format="json")
    assert (response.status_code, response.json()["code"], response.json()["current_version"]) == (
        409, "stale_version", 5)


def test_a_version_ahead_of_the_current_one_is_a_bad_input(submission, zj, english):
    Submission.objects.filter(pk=submission.pk).update(status="signed_off", version=5)
    response = zj.post(f"/api/v1/submissions/{submission.pk}/approve/", {"version": 6}, format="json")
    reason = "The submission has never had version 6; it is at version 5."
    assert (response.status_code, response.json()) == (400, {"code": "invalid", "message": reason,
                                                             "fields": {"version": [reason]}})
    assert Submission.objects.get(pk=submission.pk).status == "signed_off"


def test_indicator_comments_are_keyed_by_codes_as_sent(submission, zj, english):
    Submission.objects.filter(pk=submission.pk).update(status="signed_off")
    response = act(zj, submission, "return", indicator_comments={" RS03": "请补充来源"})
    assert (response.status_code, response.json()["fields"]) == (400, {
        "indicator_comments": ["Not indicator codes:  RS03"]})


def test_the_aggregator_of_another_province_cannot_act(submission, regions):
    jiangsu = client_for(user_with_token("js-aggregator", "province_analyst", regions["jiangsu"])[2])
    Submission.objects.filter(pk=submission.pk).update(status="signed_off")
    assert act(jiangsu, submission, "approve").status_code == 404
    assert Submission.objects.get(pk=submission.pk).status == "signed_off"


def test_a_stale_version_lists_what_changed_since_in_the_platforms_time_zone_and_says_what_to_do(
        submission, zj, officer, english):
    values_save(submission=submission, entries={"RS01": Entry("70")}, actor=officer, expected_version=1)
    Submission.objects.filter(pk=submission.pk).update(status="signed_off")
    response = zj.post(f"/api/v1/submissions/{submission.pk}/approve/", {"version": 1}, format="json")
    body = response.json()
    assert (response.status_code, body["code"], body["current_version"]) == (409, "stale_version", 2)
    assert body["message"] == ("The submission is at version 2, not at the version you sent; `changes` lists what "
                               "changed since yours. GET the submission again for its current version, then send "
                               "your request with it.")
    assert [(c["by"], c["subject"], c["old"], c["new"], c["version"]) for c in body["changes"]] == [
        ("officer", "RS01", None, {"value": 70.0, "note": ""}, 2)]
    at = datetime.fromisoformat(body["changes"][0]["at"])
    assert at.utcoffset() == timedelta(hours=8)
    assert abs(at - AuditEvent.objects.get(submission=submission).at) < timedelta(seconds=1)


def test_no_api_message_asks_to_reload_a_page(submission, zj, officer_client, officer, english):
    values_save(submission=submission, entries={"RS01": Entry("70")}, actor=officer, expected_version=1)
    stale = [officer_client.post(f"/api/v1/submissions/{submission.pk}/submit/", {"version": 1}, format="json"),
             zj.put(f"/api/v1/submissions/{submission.pk}/values/",
                    {"version": 1, "values": [{"indicator": "RS01", "value": 90}]}, format="json")]
    for response in stale:
        assert response.json()["code"] == "stale_version"
        assert not re.search(r"reload|refresh|the page|below", response.json()["message"], re.IGNORECASE)
