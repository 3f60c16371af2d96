import pytest

from assessments.models import Evidence, IndicatorValue, Submission
from tests.api.clients import client_for, user_with_token
from tests.evidence_files import with_required_evidence
from tests.factories import fill, submission_of

pytestmark = pytest.mark.django_db


def test_it_lists_the_submissions_of_the_aggregators_province_only(zj, scored):
    body = zj.get("/api/v1/submissions/?cycle=2025").json()
    assert body["count"] == 6
    assert {s["province"]["code"] for s in body["results"]} == {"330000"}
    hangzhou = submission_of(scored, "330100")
    assert body["results"][0] == {
        "id": hangzhou.pk, "region": {"code": "330100", "name_zh": "杭州市", "name_en": "Hangzhou"},
        "province": {"code": "330000", "name_zh": "浙江省", "name_en": "Zhejiang"}, "cycle": 2025,
        "framework": "smartgov-maturity", "status": "approved", "status_label": "Approved", "version": 1,
        "filled": 33, "expected": 33, "actions": [], "created_at": body["results"][0]["created_at"],
        "updated_at": body["results"][0]["updated_at"]}


def test_it_filters_by_cycle_status_province_and_region(zj, admin_client, scored, submission):
    assert admin_client.get("/api/v1/submissions/?province=320000&cycle=2025").json()["count"] == 4
    assert zj.get("/api/v1/submissions/?province=320000").json()["count"] == 0
    assert [s["id"] for s in zj.get("/api/v1/submissions/?status=draft").json()["results"]] == [submission.pk]
    assert [s["cycle"] for s in zj.get("/api/v1/submissions/?region=330100&ordering=cycle").json()["results"]] == [
        2024, 2025, 2026]


def test_it_does_not_reveal_a_submission_of_another_province(zj, scored):
    nanjing = submission_of(scored, "320100")
    for url in (f"/api/v1/submissions/{nanjing.pk}/", f"/api/v1/submissions/{nanjing.pk}/values/"):
        response = zj.get(url)
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_it_lists_the_actions_the_caller_may_take(submission, regions):
    fill(submission)
    officer = client_for(user_with_token("officer2", "city_officer", regions["hangzhou"])[2])
    assert officer.get(f"/api/v1/submissions/{submission.pk}/").json()["actions"] == ["submit"]
    assert officer.get("/api/v1/submissions/99999999/").status_code == 404


def test_the_four_eyes_rule_is_read_once_for_a_page_of_signed_off_submissions(zj, scored):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(signed_off):
        Submission.objects.filter(cycle=scored).update(status="approved")
        mine = Submission.objects.filter(cycle=scored, region__province__code="330000").order_by("pk")
        Submission.objects.filter(pk__in=list(mine.values_list("pk", flat=True)[:signed_off])).update(
            status="signed_off")
        with CaptureQueriesContext(connection) as captured:
            body = zj.get("/api/v1/submissions/?cycle=2025").json()
        assert sum("approve" in s["actions"] for s in body["results"]) == signed_off
        return len(captured)

    queries(1)  # the first request of the token also records its use
    assert queries(1) == queries(6)


def submit(client, submission, query="", **body):
    submission.refresh_from_db()
    return client.post(f"/api/v1/submissions/{submission.pk}/submit/{query}",
                       {"version": submission.version, **body}, format="json")


@pytest.fixture
def hz_officer(regions):
    return client_for(user_with_token("hz-officer-2", "city_officer", regions["hangzhou"])[2])


def test_a_refused_submit_names_each_indicator_that_stops_it(submission, hz_officer):
    with_required_evidence(fill(submission))
    IndicatorValue.objects.filter(submission=submission, indicator__code="RS02").delete()
    IndicatorValue.objects.filter(submission=submission, indicator__code="SC03").update(value=6)
    IndicatorValue.objects.filter(submission=submission, indicator__code="RS04").update(value=10)
    IndicatorValue.objects.filter(submission=submission, indicator__code="RS05").update(value=90, note="已核实")
    Evidence.objects.filter(submission=submission, indicator__code="PS03").delete()
    response = submit(hz_officer, submission)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "workflow_refused"
    assert body["message"].startswith("Not ready to submit: 1 indicators have no value yet.")
    assert body["fields"] == {
        "values.RS02": ["No value yet."],
        "values.PS03": ["Evidence required but no file attached."],
        "values.SC03": ["E01: More than 5 on-site visits per item on average is beyond any plausible figure since "
                        "the 'at most one visit' reform; check that a total was not entered instead of an average."]}
    # the explained warning (V01 on RS05 and RS04) does not stop it; the values' findings say so
    findings = hz_officer.get(f"/api/v1/submissions/{submission.pk}/values/").json()["findings"]
    assert {(f["indicator"], f["blocking"]) for f in findings} == {
        ("RS02", True), ("PS03", True), ("SC03", True), ("RS05", False), ("RS04", False)}
    assert {key.removeprefix("values.") for key in body["fields"]} == {f["indicator"] for f in findings
                                                                      if f["blocking"]}
    submission.refresh_from_db()
    assert (submission.status, submission.version) == ("draft", 1)


def test_a_submit_the_state_refuses_names_no_indicator(submission, hz_officer):
    Submission.objects.filter(pk=submission.pk).update(status="approved")
    response = submit(hz_officer, submission)
    assert (response.status_code, response.json()["fields"]) == (409, {})
    assert response.json()["message"].startswith("“Submit for city sign-off” is not possible from “Approved”")


def test_a_workflow_step_takes_only_its_documented_fields_and_types(submission, hz_officer):
    with_required_evidence(fill(submission))
    cases = [
        ({"dry_run": True}, "", {"dry_run": ["Unknown field; the fields here are: version, comment, "
                                             "indicator_comments."]}),
        ({"version": "1"}, "", {"version": ["A valid integer is required."]}),
        ({"comment": 5}, "", {"comment": ["Not a valid string."]}),
        ({"indicator_comments": {"RS01": 5}}, "", {"indicator_comments.RS01": ["Not a valid string."]}),
        ({}, "?dry_run=true", {"dry_run": ["Unknown parameter here; this request accepts: format."]}),
    ]
    for body, query, fields in cases:
        response = submit(hz_officer, submission, query, **body)
        assert (response.status_code, response.json()["code"], response.json()["fields"]) == (
            400, "invalid", fields), body
    submission.refresh_from_db()
    assert (submission.status, submission.version) == ("draft", 1)
    assert submit(hz_officer, submission).json()["status"] == "submitted"
