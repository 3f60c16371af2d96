"""The entry form, its autosave, copy-last-period and workflow buttons, seen through HTTP."""

import json

import pytest

from assessments.models import IndicatorValue, RoleAssignment, Submission
from tests.evidence_files import with_required_evidence
from tests.factories import fill, user_with_role

pytestmark = pytest.mark.django_db


def _autosave(client, submission, entries, version=None):
    return client.post(f"/submissions/{submission.pk}/autosave", content_type="application/json",
                       data=json.dumps({"version": version or submission.version, "entries": entries}))


def test_the_form_groups_indicators_by_dimension_with_ranges_and_units(client, officer, submission):
    client.force_login(officer)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    for dimension in ("资源共享度", "管理精准度", "服务便捷度", "公众满意度"):
        assert dimension in page
    assert 'name="value_RS01"' in page
    assert "有效范围" in page
    assert "0 / 33" in page.replace("\n", " ").replace(
        '<span id="filled">0</span> / 33', "0 / 33")


def test_a_rejected_form_keeps_what_was_typed(client, officer, submission):
    client.force_login(officer)
    response = client.post(f"/submissions/{submission.pk}/", {
        "version": submission.version, "value_RS01": "88", "note_RS01": "说明文字", "value_RS02": "abc"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="88"' in page
    assert "说明文字" in page
    assert 'value="abc"' in page
    assert "“abc”不是数字" in page
    assert not IndicatorValue.objects.exists()


def test_the_form_saves_and_redirects(client, officer, submission):
    client.force_login(officer)
    response = client.post(f"/submissions/{submission.pk}/", {"version": 1, "value_RS01": "88", "note_RS01": ""})
    assert response.status_code == 302
    assert IndicatorValue.objects.get(indicator__code="RS01").value == 88


def test_autosave_saves_and_reports_progress_and_findings(client, officer, submission):
    client.force_login(officer)
    response = _autosave(client, submission, {"RS01": {"value": "88", "note": ""}})
    body = response.json()
    assert response.status_code == 200
    assert (body["version"], body["saved"], body["filled"], body["total"]) == (2, ["RS01"], 1, 33)
    assert body["dimensions"]["RS"] == 1
    assert body["findings"][0]["kind"] == "missing"


def test_autosave_names_the_bad_field(client, officer, submission):
    client.force_login(officer)
    response = _autosave(client, submission, {"RS01": {"value": "101"}, "RS02": {"value": "50"}})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["RS01"]
    assert not IndicatorValue.objects.exists()


def test_autosave_refuses_garbage_without_a_500(client, officer, submission):
    client.force_login(officer)
    response = client.post(f"/submissions/{submission.pk}/autosave", content_type="application/json",
                           data="not json")
    assert response.status_code == 400


def test_two_people_editing_the_second_gets_a_conflict_with_the_other_change(client, officer, reviewer,
                                                                               submission):
    client.force_login(reviewer)
    assert _autosave(client, submission, {"RS01": {"value": "70"}}, version=1).status_code == 200
    client.force_login(officer)
    response = _autosave(client, submission, {"RS01": {"value": "90"}}, version=1)
    assert response.status_code == 409
    change = response.json()["changes"][0]
    assert (change["by"], change["subject"], change["new"]["value"]) == ("reviewer", "RS01", 70.0)
    page = client.post(f"/submissions/{submission.pk}/", {"version": 1, "value_RS01": "90"})
    assert page.status_code == 409
    assert 'id="conflict"' in page.content.decode()
    assert IndicatorValue.objects.get(indicator__code="RS01").value == 70


def test_the_workflow_from_entry_to_approval_through_the_pages(client, officer, reviewer, analyst, submission,
                                                              django_capture_on_commit_callbacks):
    with_required_evidence(fill(submission))
    client.force_login(officer)
    client.post(f"/submissions/{submission.pk}/act/submit", {"version": 1})
    client.force_login(reviewer)
    client.post(f"/submissions/{submission.pk}/act/sign_off", {"version": 2})
    client.force_login(analyst)
    client.post(f"/submissions/{submission.pk}/act/return",
                {"version": 3, "comment": "请核实", "comment_RS01": "口径有误"})
    assert Submission.objects.get(pk=submission.pk).status == "returned"
    client.force_login(officer)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "请核实" in page
    assert "口径有误" in page
    client.post(f"/submissions/{submission.pk}/act/submit", {"version": 4})
    client.force_login(reviewer)
    client.post(f"/submissions/{submission.pk}/act/sign_off", {"version": 5})
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/submissions/{submission.pk}/act/approve", {"version": 6})
    submission.refresh_from_db()
    assert submission.status == "approved"
    assert submission.cycle.current_run is not None
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert 'id="score"' in page
    client.force_login(officer)
    assert "省级已审核通过：数据已锁定" in client.get(f"/submissions/{submission.pk}/").content.decode()


def test_a_refused_action_shows_why(client, officer, submission):
    client.force_login(officer)
    response = client.post(f"/submissions/{submission.pk}/act/approve", {"version": 1}, follow=True)
    assert "需要在本地区具有以下角色之一" in response.content.decode() or "不能从" in response.content.decode()
    assert Submission.objects.get(pk=submission.pk).status == "draft"


def test_home_shows_the_city_its_submissions_and_the_province_its_queue(client, officer, analyst, submission):
    client.force_login(officer)
    assert f"/submissions/{submission.pk}/" in client.get("/").content.decode()
    Submission.objects.filter(pk=submission.pk).update(status="signed_off")
    client.force_login(analyst)
    page = client.get("/").content.decode()
    assert 'id="review-queue"' in page
    assert "杭州市" in page


def test_another_city_gets_404(client, submission, regions):
    other = user_with_role("nanjing", RoleAssignment.Role.CITY_OFFICER, regions["nanjing"])
    client.force_login(other)
    assert client.get(f"/submissions/{submission.pk}/").status_code == 404
    assert _autosave(client, submission, {"RS01": {"value": "1"}}).status_code == 404
    assert f"/submissions/{submission.pk}/" not in client.get("/").content.decode()


def test_the_province_home_counts_statuses_per_period(client, analyst, framework, regions, submission):
    from tests.factories import approved_cycle, many_cities

    approved_cycle(framework, many_cities(3, regions["zhejiang"]), 2025)
    Submission.objects.filter(pk=submission.pk).update(status="signed_off")
    client.force_login(analyst)
    latest = client.get("/").context
    assert (latest["period"], latest["counts"]["signed_off"], latest["counts"]["approved"]) == (2026, 1, 0)
    earlier = client.get("/?period=2025").context
    assert (earlier["period"], earlier["counts"]["approved"], len(earlier["queue"])) == (2025, 3, 0)
    assert client.get("/?period=1999").context["period"] == 2026
