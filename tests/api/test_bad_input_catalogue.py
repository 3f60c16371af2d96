"""Issue 13, items 11–14, as one catalogue: every bad input to the API gets the status and code docs/api.md gives
it, names what is at fault in `fields`, and writes nothing (no row, no audit event, no new version; no write is
even attempted).

Item 11: a body over the 2.5 MB limit on any write endpoint is a 413 `too_large`. Item 12: values of a type the
indicator does not take, text that is not a plain ASCII decimal, absurd numbers, fields the body does not have
(at the top or in an item, `dry_run` in the body included) and query parameters a write does not have are 400s
naming their path. Item 13: a submit the values are not ready for is a 409 naming each indicator under
`values.<code>`. Item 14: a few representative bad list parameters (tests/api/test_query_parameters.py holds the
whole matrix of them, list by list).
"""

import json
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import WebhookDelivery
from assessments.models import Evidence, IndicatorValue, Notification, ReviewComment, ScoreRun, Submission
from audit.models import AuditEvent
from outbox.models import Job
from reports.models import Report
from tests.api.clients import client_for, user_with_token

pytestmark = pytest.mark.django_db

OVER_THE_LIMIT = "x" * (2_621_440 + 1)
EVERY_INDICATOR = "every indicator"
"""`fields` names every indicator of the framework under `values.<code>`."""
WRITES = (IndicatorValue, AuditEvent, Evidence, ReviewComment, Notification, ScoreRun, Report, WebhookDelivery, Job)


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    """Under /api/v1/submissions/{id}/ when relative (no leading slash)."""
    body: object
    status: int
    code: str
    fields: list[str] | str = field(default_factory=list)
    query: str = ""
    content_type: str = "application/json"

    def __str__(self) -> str:
        return self.name


def put(name, values=None, status=400, code="invalid", fields=(), query="", **top):
    body = {"version": 1, **({"values": values} if values is not None else {}), **top}
    return Case(name, "PUT", "values/", body, status, code, list(fields), query)


def value(name, indicator, typed, *, status=400, code="invalid", path="value"):
    return put(name, [{"indicator": indicator, "value": typed}], status, code, [f"values[0].{path}"])


def raw(name, path, text, status, code, content_type="application/json", method="PUT", fields=()):
    return Case(name, method, path, text, status, code, list(fields), "", content_type)


def step(name, body, fields, query="", action="submit", status=400, code="invalid"):
    return Case(name, "POST", f"{action}/", {"version": 1, **body}, status, code,
                fields if fields == EVERY_INDICATOR else list(fields), query)


CASES = [
    # 11. Bodies over the limit, on every write endpoint: refused before anything is read.
    *(raw(f"413 {method} {path}", path, json.dumps({"version": 1, "comment": OVER_THE_LIMIT}), 413, "too_large",
          method=method)
      for method, path in [("PUT", "values/"), ("POST", "submit/"), ("POST", "send_back/"), ("POST", "sign_off/"),
                           ("POST", "return/"), ("POST", "approve/"), ("POST", "reopen/"), ("POST", "evidence/"),
                           ("POST", "/api/v1/score-runs/"), ("POST", "/api/v1/reports/")]),
    # 12. A value of a type its indicator does not take.
    value("true for a percentage", "RS01", True),
    value("false for a number", "RS03", False),
    value("a number for a yes/no indicator", "RS08", 1),
    value("a text for a yes/no indicator", "RS08", "是"),
    value("“true” as text for a yes/no indicator", "RS08", "true"),
    value("an object", "RS01", {"value": 1}),
    value("a list", "RS01", [1]),
    # ... text that is not a plain ASCII decimal
    value("underscores", "RS06", "1_000"),
    value("thousands separators", "RS06", "1,234"),
    value("Arabic-Indic digits", "RS06", "١٢٣"),
    value("full-width digits", "RS01", "９０"),
    value("mathematical digits", "RS06", "𝟓"),
    value("a percent sign", "RS01", "85.5%"),
    value("an exponent", "RS06", "1e3"),
    value("surrounding spaces", "RS01", " 85"),
    value("an empty text (null clears)", "RS01", ""),
    value("a plus sign", "RS01", "+85"),
    value("a bare decimal point", "RS01", ".5"),
    value("a text of 41 digits", "RS06", "1" * 41),
    put("NUL in a text (refused for the whole request)", [{"indicator": "RS01", "value": "8\x005"}]),
    # ... absurd numbers where the indicator sets no bound; out of the indicator's range
    value("1e308 where the indicator has no upper bound", "RS03", 1e308),
    value("1e16 where the indicator has no upper bound", "SC04", 1e16),
    value("101 for a percentage", "RS01", 101, code="values_invalid"),
    value("1e308 for a percentage", "RS01", 1e308, code="values_invalid"),
    value("-1 working days", "RS03", -1, code="values_invalid"),
    value("a level that is not whole", "MP08", 2.5, code="values_invalid"),
    value("an unknown indicator", "XX99", 1, code="values_invalid", path="indicator"),
    raw("1e400 (infinite once parsed)", "values/", '{"version": 1, "values": [{"indicator": "RS03", "value": 1e400}]}',
        400, "invalid", fields=["values[0].value"]),
    raw("an integer of 400 digits", "values/",
        '{"version": 1, "values": [{"indicator": "RS03", "value": 1' + "0" * 400 + "}]}", 400, "invalid",
        fields=["values[0].value"]),
    raw("NaN", "values/", '{"version": 1, "values": [{"indicator": "RS03", "value": NaN}]}', 400, "parse_error"),
    raw("Infinity", "values/", '{"version": 1, "values": [{"indicator": "RS03", "value": Infinity}]}', 400,
        "parse_error"),
    # ... other fields of a wrong type
    put("a note that is a number", [{"indicator": "RS01", "value": 1, "note": 5}], fields=["values[0].note"]),
    put("a note that is null", [{"indicator": "RS01", "value": 1, "note": None}], fields=["values[0].note"]),
    put("an indicator code that is a number", [{"indicator": 5, "value": 1}], fields=["values[0].indicator"]),
    put("an indicator code that is no code", [{"indicator": "RS 01", "value": 1}], fields=["values[0].indicator"]),
    put("no indicator", [{"value": 1}], fields=["values[0].indicator"]),
    put("no value", [{"indicator": "RS01"}], fields=["values[0].value"]),
    put("an indicator twice", [{"indicator": "RS01", "value": 1}, {"indicator": "RS01", "value": 2}],
        fields=["values[1].indicator"]),
    put("no values", [], fields=["values"]),
    put("values that are no list", {"RS01": 1}, fields=["values"]),
    put("an item that is no object", [5], fields=["values[0]"]),
    put("a version as text", [{"indicator": "RS01", "value": 1}], fields=["version"], version="1"),
    put("a version with a decimal point", [{"indicator": "RS01", "value": 1}], fields=["version"], version=1.0),
    put("a version that is a boolean", [{"indicator": "RS01", "value": 1}], fields=["version"], version=True),
    put("version 0", [{"indicator": "RS01", "value": 1}], fields=["version"], version=0),
    put("no version", [{"indicator": "RS01", "value": 1}], fields=["version"], version=None),
    raw("a body that is no object", "values/", "[]", 400, "invalid"),
    raw("a body that is no JSON", "values/", "{", 400, "parse_error"),
    raw("a body that is not JSON at all", "values/", "version=1", 415, "unsupported_media_type",
        content_type="application/x-www-form-urlencoded"),
    # ... fields and parameters the request does not have
    put("dry_run in the body", [{"indicator": "RS01", "value": 1}], fields=["dry_run"], dry_run=True),
    put("an unknown field at the top", [{"indicator": "RS01", "value": 1}], fields=["extra"], extra=1),
    put("an unknown field in an item", [{"indicator": "RS01", "value": 1}, {"indicator": "RS02", "value": 1,
                                                                           "comment": "x"}],
        fields=["values[1].comment"]),
    put("a mistyped dry_run parameter", [{"indicator": "RS01", "value": 1}], fields=["dryrun"], query="dryrun=true"),
    put("dry_run=yes", [{"indicator": "RS01", "value": 1}], fields=["dry_run"], query="dry_run=yes"),
    put("an empty dry_run", [{"indicator": "RS01", "value": 1}], fields=["dry_run"], query="dry_run="),
    put("dry_run as a flag", [{"indicator": "RS01", "value": 1}], fields=["dry_run"], query="dry_run"),
    step("a return without a reason", {"comment": " ", "indicator_comments": {"RS01": ""}}, ["comment"],
         action="return"),
    put("a dry run of a refused value", [{"indicator": "RS01", "value": 101}], code="values_invalid",
        fields=["values[0].value"], query="dry_run=true"),
    put("a dry run on a version the submission never had", [{"indicator": "RS01", "value": 1}], fields=["version"],
        query="dry_run=true", version=9),
    step("a step on a version the submission never had", {"version": 2}, ["version"]),
    step("dry_run in a workflow step's body", {"dry_run": True}, ["dry_run"]),
    step("a dry_run parameter on a workflow step", {}, ["dry_run"], query="dry_run=true"),
    step("a version as text in a workflow step", {"version": "1"}, ["version"]),
    step("a comment that is a number", {"comment": 5}, ["comment"], action="send_back"),
    step("an indicator comment that is a number", {"comment": "x", "indicator_comments": {"RS01": 5}},
         ["indicator_comments.RS01"], action="return"),
    # 13. Values not ready: each indicator that stops the submit is named.
    step("a submit with values missing and evidence unattached", {}, EVERY_INDICATOR, status=409,
         code="workflow_refused"),
    # 14. List parameters (the whole matrix: tests/api/test_query_parameters.py).
    Case("page_size=abc", "GET", "/api/v1/submissions/", None, 400, "invalid", ["page_size"], "page_size=abc"),
    Case("page_size=100000", "GET", "/api/v1/regions/", None, 400, "invalid", ["page_size"], "page_size=100000"),
    Case("format=xml", "GET", "/api/v1/submissions/", None, 406, "not_acceptable", ["format"], "format=xml"),
    Case("province=abc", "GET", "/api/v1/submissions/", None, 400, "invalid", ["province"], "province=abc"),
    Case("ordering on aggregates", "GET", "/api/v1/aggregates/", None, 400, "invalid", ["ordering"],
         "ordering=index"),
]


@pytest.fixture
def admin_api(db):
    """A platform administrator, whom no role check stops before the input is read, with a token already used once
    (its last use is then written only once a minute, not by the requests below)."""
    client = client_for(user_with_token("admin-catalogue", "platform_admin")[2])
    client.get("/api/v1/regions/")
    return client


def snapshot():
    return ({model.__name__: model.objects.count() for model in WRITES},
            list(Submission.objects.order_by("pk").values_list("pk", "status", "version", "updated_at")))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_bad_input_is_refused_as_documented_and_writes_nothing(case, admin_api, submission, english):
    before = snapshot()
    path = case.path if case.path.startswith("/") else f"/api/v1/submissions/{submission.pk}/{case.path}"
    body = case.body if isinstance(case.body, str) or case.body is None else json.dumps(case.body)
    with CaptureQueriesContext(connection) as queries:
        response = admin_api.generic(case.method, f"{path}?{case.query}" if case.query else path, body or "",
                                       content_type=case.content_type)
    assert response.status_code == case.status, response.content
    assert response["Content-Type"].startswith("application/json")
    answer = response.json()
    assert (answer["code"], type(answer["message"])) == (case.code, str)
    expected = (sorted(f"values.{code}" for code in submission.cycle.framework.indicators.values_list("code",
                                                                                                      flat=True))
                if case.fields == EVERY_INDICATOR else sorted(case.fields))
    if case.fields or case.code != "invalid":
        assert sorted(answer["fields"]) == expected, answer
    else:  # the whole body is at fault
        assert list(answer["fields"]) in ([], ["non_field_errors"]), answer
    writes = [q["sql"] for q in queries if q["sql"].lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert snapshot() == before


@pytest.mark.parametrize(("path", "body", "field"), [
    pytest.param("/api/v1/score-runs/", {"cycle": 2026, "dry_run": True}, "dry_run", id="score run: dry_run"),
    pytest.param("/api/v1/score-runs/", {"cycle": "2026"}, "cycle", id="score run: a year as text"),
    pytest.param("/api/v1/score-runs/", {"cycle": 2026, "reason": 5}, "reason", id="score run: a number as reason"),
    pytest.param("/api/v1/reports/", {"cycle": 2026, "region": "330100", "dry_run": True}, "dry_run",
                 id="report: dry_run"),
    pytest.param("/api/v1/reports/", {"cycle": 2026.0, "region": "330100"}, "cycle", id="report: a year as 2026.0"),
])
def test_the_other_json_writes_are_as_strict(path, body, field, admin_api, submission, english):
    before = snapshot()
    response = admin_api.post(path, body, format="json")
    assert (response.status_code, response.json()["code"], list(response.json()["fields"])) == (
        400, "invalid", [field])
    assert snapshot() == before
