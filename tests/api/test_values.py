"""GET and bulk PUT of a submission's values: all or nothing, optimistic locking, scoped."""

import pytest

from assessments.models import IndicatorValue, Submission
from assessments.services import Entry, values_save
from audit.models import AuditEvent
from tests.api.clients import client_for, user_with_token
from tests.factories import submission_of

pytestmark = pytest.mark.django_db
INVALID = "The request is not valid: see the reasons given per field."


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
                    "missing": body["missing"], "findings": body["findings"]}
    assert len(body["missing"]) == 32
    assert "RS01" not in body["missing"]
    missing = [f for f in body["findings"] if f["code"] == "missing"]
    assert [f["indicator"] for f in missing] == body["missing"]
    assert missing[0] == {"indicator": "RS02", "level": "error", "code": "missing", "message": "No value yet.",
                          "blocking": True}


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
        "values[0].value": ["Give a number, true or false for a yes/no indicator, or null to clear the value."],
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


def test_a_version_the_submission_never_had_is_a_bad_input_not_a_conflict(zj, submission, english):
    response = zj.put(url(submission), {"version": 9, "values": [{"indicator": "RS01", "value": 90}]},
                      format="json")
    reason = "The submission has never had version 9; it is at version 1."
    assert (response.status_code, response.json()) == (400, {"code": "invalid", "message": reason,
                                                             "fields": {"version": [reason]}})
    assert not IndicatorValue.objects.filter(submission=submission).exists()


def test_indicator_codes_are_taken_as_sent_and_text_numbers_within_fifteen_digits(zj, submission, english):
    response = zj.put(url(submission), {"version": 1, "values": [
        {"indicator": " RS01", "value": 90}, {"indicator": "RS02\n", "value": 90},
        {"indicator": "RS03", "value": "1000000000000000"}]}, format="json")
    assert (response.status_code, response.json()["fields"]) == (400, {
        "values[0].indicator": ["Enter a valid value."], "values[1].indicator": ["Enter a valid value."],
        "values[2].value": ["A number sent as text has at most 15 digits before the decimal point."]})
    assert not IndicatorValue.objects.filter(submission=submission).exists()


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


def test_a_yes_no_value_is_read_back_as_a_boolean(zj, submission):
    zj.put(url(submission), {"version": 1, "values": [{"indicator": "RS08", "value": True},
                                                      {"indicator": "RS01", "value": 1}]}, format="json")
    values = {v["indicator"]: v["value"] for v in zj.get(url(submission)).json()["values"]}
    assert values == {"RS01": 1.0, "RS08": True}
    assert type(values["RS01"]) is float
    saved = zj.put(url(submission), {"version": 2, "values": [{"indicator": "RS08", "value": False}]},
                   format="json").json()
    assert {v["indicator"]: v["value"] for v in saved["values"]} == {"RS01": 1.0, "RS08": False}


def test_each_indicator_takes_its_own_type_and_nothing_else(zj, submission):
    refused = zj.put(url(submission), {"version": 1, "values": [
        {"indicator": "RS01", "value": True}, {"indicator": "RS08", "value": 1},
        {"indicator": "RS02", "value": "85.5%"}, {"indicator": "RS04", "value": "1,234"},
        {"indicator": "RS06", "value": "1_000"}, {"indicator": "RS07", "value": "٣"},
        {"indicator": "RS03", "value": 1e308}, {"indicator": "MP01", "value": 5, "note": 5}]}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"code": "invalid", "message": INVALID, "fields": {
        "values[0].value": ["RS01 takes a number, not true or false."],
        "values[1].value": ["RS08 is a yes/no indicator: give true or false (or null to clear it)."],
        **{f"values[{i}].value": ["A number sent as text is written with ASCII digits, an optional minus sign and "
                                  "decimal point, e.g. “85.5” (no “%”, thousands separators, exponent or spaces); "
                                  "or send a JSON number."] for i in (2, 3, 4, 5)},
        "values[6].value": ["RS03: beyond any plausible value (at most 10^15 in absolute value where the indicator "
                            "sets no bound)."],
        "values[7].note": ["Not a valid string."]}}
    assert not IndicatorValue.objects.filter(submission=submission).exists()
    assert not AuditEvent.objects.filter(submission=submission).exists()


def test_numbers_come_as_json_numbers_or_plain_decimal_text(zj, submission):
    response = zj.put(url(submission), {"version": 1, "values": [
        {"indicator": "RS01", "value": "85.5"}, {"indicator": "RS02", "value": 90},
        {"indicator": "RS03", "value": 1e15}, {"indicator": "MP08", "value": "3"},
        {"indicator": "RS08", "value": None}]}, format="json")
    assert response.status_code == 200, response.json()
    stored = dict(IndicatorValue.objects.filter(submission=submission).values_list("indicator__code", "value"))
    assert stored == {"RS01": 85.5, "RS02": 90.0, "RS03": 1e15, "MP08": 3.0}
    beyond = zj.put(url(submission), {"version": 2, "values": [{"indicator": "RS03", "value": 1.5e15}]},
                    format="json")
    assert list(beyond.json()["fields"]) == ["values[0].value"]
    ranged = zj.put(url(submission), {"version": 2, "values": [{"indicator": "RS01", "value": 1e300}]},
                    format="json").json()
    assert ranged == {"code": "values_invalid", "message": "Some values were refused; nothing was saved.",
                      "fields": {"values[0].value": ["RS01: Must lie between 0 and 100 %."]}}


def test_unknown_fields_are_refused_by_their_path(zj, submission):
    response = zj.put(url(submission), {"version": 1, "dry_run": True, "values": [
        {"indicator": "RS01", "value": 80}, {"indicator": "RS02", "value": 80, "comment": "x"}]}, format="json")
    assert (response.status_code, response.json()["fields"]) == (400, {
        "dry_run": ["Not a field of the body: ask for a dry run with the query parameter ?dry_run=true."],
        "values[1].comment": ["Unknown field; the fields here are: indicator, value, note."]})
    assert not IndicatorValue.objects.filter(submission=submission).exists()


def test_a_dry_run_answers_what_would_be_saved_and_writes_nothing(zj, submission, officer):
    values_save(submission=submission, entries={"RS01": Entry("70")}, actor=officer, expected_version=1)
    events = AuditEvent.objects.count()
    response = zj.put(url(submission) + "?dry_run=true", {"version": 2, "values": [
        {"indicator": "RS01", "value": 70}, {"indicator": "RS04", "value": 10},
        {"indicator": "RS05", "value": 90}, {"indicator": "SC03", "value": 6}]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["version"], body["changed"]) == (True, 2, ["RS04", "RS05", "SC03"])
    assert {v["indicator"]: v["value"] for v in body["values"]} == {"RS01": 70, "RS04": 10, "RS05": 90, "SC03": 6}
    assert "RS05" not in body["missing"]
    assert [(f["indicator"], f["level"], f["code"], f["blocking"]) for f in body["findings"]
            if f["code"] not in ("missing", "evidence_missing")] == [
        ("RS05", "warning", "rule_warning", True), ("RS04", "warning", "rule_warning", True),
        ("SC03", "error", "rule_error", True)]
    assert dict(IndicatorValue.objects.filter(submission=submission).values_list("indicator__code", "value")) == {
        "RS01": 70}
    assert (Submission.objects.get(pk=submission.pk).version, AuditEvent.objects.count()) == (2, events)
    real = zj.put(url(submission), {"version": 2, "values": [
        {"indicator": "RS01", "value": 70}, {"indicator": "RS04", "value": 10},
        {"indicator": "RS05", "value": 90}, {"indicator": "SC03", "value": 6}]}, format="json").json()
    assert (real["version"], real["changed"], "dry_run" in real) == (3, ["RS04", "RS05", "SC03"], False)
    assert (real["findings"], real["missing"]) == (body["findings"], body["missing"])
    assert [(v["indicator"], v["value"]) for v in real["values"]] == [(v["indicator"], v["value"])
                                                                      for v in body["values"]]


def test_a_dry_run_refuses_what_the_save_would(zj, submission, officer):
    values_save(submission=submission, entries={"RS01": Entry("70")}, actor=officer, expected_version=1)
    stale = zj.put(url(submission) + "?dry_run=true", {"version": 1, "values": [{"indicator": "RS01", "value": 1}]},
                   format="json")
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    ahead = zj.put(url(submission) + "?dry_run=true", {"version": 5, "values": [{"indicator": "RS01", "value": 1}]},
                   format="json")
    assert (ahead.status_code, list(ahead.json()["fields"])) == (400, ["version"])
    ranged = zj.put(url(submission) + "?dry_run=true", {"version": 2, "values": [
        {"indicator": "RS01", "value": 101}]}, format="json")
    assert (ranged.status_code, ranged.json()["fields"]) == (400, {
        "values[0].value": ["RS01: Must lie between 0 and 100 %."]})
    assert list(IndicatorValue.objects.filter(submission=submission).values_list("value", flat=True)) == [70]


def test_a_mistyped_query_parameter_is_refused_not_ignored(zj, submission):
    for query, name in (("dryrun=true", "dryrun"), ("dry_run=yes", "dry_run"), ("dry_run=1", "dry_run")):
        response = zj.put(f"{url(submission)}?{query}", {"version": 1, "values": [{"indicator": "RS01", "value": 1}]},
                          format="json")
        assert (response.status_code, response.json()["code"], list(response.json()["fields"])) == (
            400, "invalid", [name])
    assert not IndicatorValue.objects.filter(submission=submission).exists()


def test_a_note_explains_a_warning_but_not_an_error(zj, submission):
    zj.put(url(submission), {"version": 1, "values": [
        {"indicator": "RS04", "value": 10, "note": "口径已核实"}, {"indicator": "RS05", "value": 90},
        {"indicator": "SC03", "value": 6, "note": "口径已核实"}]}, format="json")
    findings = [(f["indicator"], f["code"], f["blocking"]) for f in zj.get(url(submission)).json()["findings"]
                if f["code"].startswith("rule")]
    assert findings == [("RS05", "rule_warning", False), ("RS04", "rule_warning", False),
                        ("SC03", "rule_error", True)]
