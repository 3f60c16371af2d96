"""The entry form, its autosave, copy-last-period and workflow buttons, seen through HTTP."""

import json
import re

import pytest

from assessments.models import IndicatorValue, RoleAssignment, Submission
from assessments.selectors import entry_progress, submission_entry
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


# --- Edit conflicts, values written back as stored, the province's comments (issue 13, items 2 and 4) ----------


def _value(submission, code, value, note=""):
    indicator = submission.cycle.framework.indicators.get(code=code)
    return IndicatorValue.objects.create(submission=submission, indicator=indicator, value=value, note=note)


def test_a_conflicting_autosave_tells_the_change_in_words_beside_the_users_input(client, officer, reviewer,
                                                                               submission):
    reviewer.first_name = "王芳"
    reviewer.save()
    _value(submission, "RS02", 82.5)
    client.force_login(reviewer)
    assert _autosave(client, submission, {"RS02": {"value": "83", "note": "已核实"}}).status_code == 200
    client.force_login(officer)
    response = _autosave(client, submission, {"RS02": {"value": "77", "note": ""}}, version=1)
    body = response.json()
    assert (response.status_code, body["code"], body["current_version"]) == (409, "stale_version", 2)
    html = body["conflict_html"]
    assert '王芳于' in html
    assert ('将<a href="#row-RS02">RS02 数据共享申请满足率</a>由82.5%改为83%。其说明为：“已核实”。' in html)
    assert '<tr data-code="RS02">' in html
    assert '<td class="yours">77</td>' in html
    assert "83%（由王芳保存）" in html
    assert 'data-version="2"' in html
    assert "&quot;value&quot;" not in html


def test_the_forms_conflict_page_keeps_only_what_the_user_changed(client, officer, reviewer, submission):
    """A whole form sends every field: the ones the user left as they were show the colleague's value now, so
    that saving again overwrites nothing of theirs; the user's own input stays, beside the value saved."""
    _value(submission, "RS01", 60)
    _value(submission, "RS02", 82.5)
    client.force_login(reviewer)
    assert _autosave(client, submission, {"RS01": {"value": "70"}, "RS02": {"value": "83"}}).status_code == 200
    client.force_login(officer)
    response = client.post(f"/submissions/{submission.pk}/", {
        "version": 1, "value_RS01": "60", "note_RS01": "", "value_RS02": "７７", "note_RS02": "按台账",
        "value_RS03": "", "note_RS03": ""})
    page = response.content.decode()
    assert response.status_code == 409
    assert re.search(r'id="value_RS01"\s+value="70"', page), "untouched by the user: the colleague's value"
    assert 'value="７７"' in page
    assert "由60%改为70%" in page
    assert page.count('<tr data-code="') == 1
    assert 'class="indicator conflicted" id="row-RS02"' in page
    assert '<input type="hidden" name="version" value="2" id="version">' in page
    assert _saved_values(submission) == {"RS01": 70, "RS02": 83}


def _saved_values(submission):
    return dict(IndicatorValue.objects.filter(submission=submission).values_list("indicator__code", "value"))


def test_stored_values_are_written_back_into_the_fields_without_losing_digits(client, officer, submission):
    _value(submission, "RS06", 1234567)
    _value(submission, "RS01", 0.1 + 0.2)
    client.force_login(officer)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert 'value="1234567"' in page
    assert 'value="0.30000000000000004"' in page
    form = {"version": 1, "value_RS06": "1234567", "note_RS06": "", "value_RS01": "0.30000000000000004",
            "note_RS01": ""}
    assert client.post(f"/submissions/{submission.pk}/", form).status_code == 302
    assert Submission.objects.get(pk=submission.pk).version == 1, "saving the form as shown changed nothing"


def _returned(client, submission, people, **comments):
    with_required_evidence(fill(submission))
    for user, action in (("officer", "submit"), ("reviewer", "sign_off")):
        client.force_login(people[user])
        client.post(f"/submissions/{submission.pk}/act/{action}", {"version": submission.version})
        submission.refresh_from_db()
    client.force_login(people["analyst"])
    client.post(f"/submissions/{submission.pk}/act/return", {"version": submission.version, **comments})
    submission.refresh_from_db()
    return submission


def test_the_province_comments_beside_each_value(client, analyst, officer, submission, people):
    with_required_evidence(fill(submission))
    Submission.objects.filter(pk=submission.pk).update(status="signed_off")
    client.force_login(analyst)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert page.count('form="action-return"') == 33
    assert '<textarea name="comment_SC03" id="comment_SC03" form="action-return"' in page
    assert "<details><summary>对单项指标的意见" not in page
    client.force_login(officer)
    assert 'form="action-return"' not in client.get(f"/submissions/{submission.pk}/").content.decode()


def test_a_returned_submission_lists_the_commented_indicators_with_links(client, submission, people):
    """Returned with comments on indicators only (no general reason): the banner still shows, naming them."""
    _returned(client, submission, people, comment_SC03="跑动次数应为平均值。", comment_RS02="请附台账。")
    assert submission.status == "returned"
    client.force_login(people["officer"])
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert 'id="review-comments"' in page
    assert "其中对2项指标提出了意见：" in page
    banner = page[page.index('id="commented-indicators"'):page.index("</ul>", page.index('id="commented-indicators"'))]
    assert banner.index('<a href="#row-RS02">RS02 数据共享申请满足率</a>') < banner.index(
        '<a href="#row-SC03">SC03 事项平均跑动次数</a>')
    assert '<span class="comment-text">跑动次数应为平均值。</span>' in banner
    assert "省级意见：请附台账。" in page


def test_the_autosave_answer_is_what_the_form_shows_in_few_queries(client, officer, submission,
                                                                  django_assert_max_num_queries):
    """The autosave answers with `entry_progress`, not the whole form: the same counters and findings."""
    fill(submission)
    IndicatorValue.objects.filter(submission=submission, indicator__code__in=["PS01", "PS02", "RS03"]).delete()
    client.force_login(officer)
    with django_assert_max_num_queries(22):
        body = _autosave(client, submission, {"RS01": {"value": "10", "note": ""}}).json()
    form = submission_entry(Submission.objects.get(pk=submission.pk))
    progress = entry_progress(Submission.objects.get(pk=submission.pk))
    assert (body["filled"], body["total"]) == (form.filled, form.total) == (progress.filled, progress.total) == (30, 33)
    assert body["dimensions"] == {block.dimension.code: block.filled for block in form.dimensions}
    assert [(f["kind"], f["indicators"]) for f in body["findings"]] == [
        (f.kind, list(f.indicators)) for f in form.findings]
    assert progress.findings == form.findings
