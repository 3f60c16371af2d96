"""GET and bulk PUT of a submission's values: all or nothing, optimistic locking, scoped."""

import pytest

from assessments.models import IndicatorValue, Submission
from assessments.services import Entry, values_save
from audit.models import AuditEvent
from tests.api.clients import client_for, user_with_token
from tests.factories import submission_of

pytestmark = pytest.mark.django_db


def url(submission):
    return f"/api/v1/submissions/{submission.pk}/values/"


def test_it_reads_the_values_and_the_missing_indicators(zj, submission, officer):
    values_save(submission=submission, entries={"RS01": Entry("85.5", "统计年鉴")}, actor=officer,
                expected_version=1)
    body = zj.get(url(submission)).json()
    assert body == {"submission": submission.pk, "version": 2, "status": "draft", "editable": True,
                    "lock_reason": None,
                    "values": [{"indicator": "RS01", "value": 85.5, "note": "统计年鉴", "source": "form",
                                "updated_at": body["values"][0]["updated_at"]}],
                    "missing": body["missing"]}
    assert len(body["missing"]) == 32
    assert "RS01" not in body["missing"]


def test_it_saves_many_values_at_once_as_the_api(zj, submission, zhejiang_aggregator):
    response = zj.put(url(submission), {"version": 1, "values": [
        {"indicator": "RS01", "value": 85.5, "note": "省平台"}, {"indicator": "RS08", "value": True},
        {"indicator": "MP08", "value": "3"}]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["changed"]) == (2, ["RS01", "RS08", "MP08"])
    stored = {v.indicator.code: (v.value, v.note, v.source, v.updated_by)
              for v in IndicatorValue.objects.filter(submission=submission).select_related("indicator")}
    user = zhejiang_aggregator[0]
    assert stored == {"RS01": (85.5, "省平台", "api", user), "RS08": (1.0, "", "api", user),
                      "MP08": (3.0, "", "api", user)}
    assert AuditEvent.objects.filter(submission=submission, action="value_changed", actor=user).count() == 3


def test_one_bad_item_writes_nothing_and_is_named(zj, submission):
    response = zj.put(url(submission), {"version": 1, "values": [
        {"indicator": "RS01", "value": 85}, {"indicator": "RS02", "value": 90},
        {"indicator": "RS04", "value": 70}, {"indicator": "RS05", "value": 150}]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "values_invalid", "message": "Some values were refused; nothing was saved.",
                               "fields": {"values[3].value": ["RS05: Must lie between 0 and 100 %."]}}
    assert not IndicatorValue.objects.filter(submission=submission).exists()
    assert Submission.objects.get(pk=submission.pk).version == 1


def test_it_names_unknown_duplicate_and_malformed_items(zj, submission):
    unknown = zj.put(url(submission), {"version": 1, "values": [
        {"indicator": "RS01", "value": 1}, {"indicator": "XX99", "value": 1}]}, format="json").json()
    assert unknown["fields"] == {"values[1].indicator": ["XX99 is not an indicator of this framework."]}
    duplicate = zj.put(url(submission), {"version": 1, "values": [
        {"indicator": "RS01", "value": 1}, {"indicator": "RS01", "value": 2}]}, format="json").json()
    assert duplicate["fields"] == {"values[1].indicator": ["RS01 appears more than once."]}
    malformed = zj.put(url(submission), {"version": "x", "values": [
        {"indicator": "RS01", "value": {"a": 1}}, {"value": 2}]}, format="json").json()
    assert malformed["code"] == "invalid"
    assert malformed["fields"] == {
        "version": ["A valid integer is required."],
        "values[0].value": ["Give a number, a text such as “85.5”, a boolean, or null to clear the value."],
        "values[1].indicator": ["This field is required."]}
    assert not IndicatorValue.objects.filter(submission=submission).exists()


def test_a_stale_version_is_refused_with_what_changed(zj, submission, officer):
    values_save(submission=submission, entries={"RS01": Entry("70")}, actor=officer, expected_version=1)
    response = zj.put(url(submission), {"version": 1, "values": [{"indicator": "RS01", "value": 90}]},
                      format="json")
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["current_version"], body["fields"]) == (
        "stale_version", 2, {"version": ["The submission is at version 2."]})
    assert [(c["by"], c["subject"], c["old"], c["new"], c["version"]) for c in body["changes"]] == [
        ("officer", "RS01", None, {"value": 70.0, "note": ""}, 2)]
    assert IndicatorValue.objects.get(submission=submission).value == 70


def test_it_refuses_to_change_approved_values_with_the_reason(zj, scored):
    hangzhou = submission_of(scored, "330100")
    response = zj.put(url(hangzhou), {"version": 1, "values": [{"indicator": "RS01", "value": 1}]}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "locked"
    assert response.json()["message"].startswith("Approved by the province: the values are locked.")


def test_the_aggregator_of_another_province_can_neither_read_nor_write(submission, regions):
    jiangsu = client_for(user_with_token("js-aggregator", "province_analyst", regions["jiangsu"])[2])
    assert jiangsu.get(url(submission)).status_code == 404
    response = jiangsu.put(url(submission), {"version": 1, "values": [{"indicator": "RS01", "value": 1}]},
                           format="json")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert not IndicatorValue.objects.filter(submission=submission).exists()
