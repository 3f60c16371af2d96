"""The OpenAPI schema: served, valid, every operation described; Swagger UI from the sidecar (no CDN)."""

import re

import pytest
import yaml
from django.core.management import call_command
from django.utils import translation
from rest_framework.test import APIClient

from assessments.models import Cycle, Region, ScoreRun, Submission
from reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def document():
    response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_it_validates_without_a_warning(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert yaml.safe_load((tmp_path / "schema.yaml").read_text())["info"]["title"] == "SmartGov API"


def test_every_operation_has_a_summary_a_description_and_the_error_format(document):
    operations = [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()]
    assert len(operations) == 31
    for path, method, op in operations:
        assert op.get("summary"), (method, path)
        assert op.get("description"), (method, path)
        assert op["responses"]["401"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}, (method, path)
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "An API token: `Authorization: Bearer <token>` (see "
                                                           "docs/api.md)."}
    put = document["paths"]["/api/v1/submissions/{id}/values/"]["put"]
    assert put["requestBody"]["content"]["application/json"]["examples"]
    assert put["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Conflict"}


def test_evidence_is_uploaded_as_multipart_and_downloaded_as_the_files_own_type(document):
    evidence = document["paths"]["/api/v1/submissions/{id}/evidence/"]
    assert list(evidence["post"]["requestBody"]["content"]) == ["multipart/form-data"]
    assert set(evidence["post"]["responses"]) == {"201", "400", "401", "403", "404", "406", "409", "413", "415",
                                                  "429", "503"}
    assert evidence["post"]["responses"]["201"]["content"]["application/json"]["examples"]
    assert evidence["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    upload = document["components"]["schemas"]["EvidenceInRequest"]
    assert (upload["required"], upload["properties"]["file"]["format"]) == (["file"], "binary")
    download = document["paths"]["/api/v1/submissions/{id}/evidence/{evidence_id}/download/"]["get"]
    assert set(download["responses"]["200"]["content"]) == {
        "application/pdf", "image/jpeg", "image/png",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    removal = document["paths"]["/api/v1/submissions/{id}/evidence/{evidence_id}/"]["delete"]
    assert set(removal["responses"]) == {"204", "400", "401", "403", "404", "406", "409", "429", "503"}


def test_swagger_ui_is_served_from_the_sidecar_without_a_cdn(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "/static/drf_spectacular_sidecar/" in page
    assert not re.search(r"//[^\"' ]*(cdn|unpkg|jsdelivr)", page.lower())  # a CSRF token may hold "cdn"


def test_results_document_provisional_versions_and_group_ranks(document):
    results = document["paths"]["/api/v1/results/"]["get"]
    assert "version" in [p["name"] for p in results["parameters"]]
    examples = results["responses"]["200"]["content"]["application/json"]["examples"]
    assert len(examples) == 2
    row = document["components"]["schemas"]["Result"]["properties"]
    assert {"provisional", "publication", "participants", "approved", "ranks_shown", "group_ranks"} <= set(row)
    assert "/api/v1/cycles/{period}/publications/" in document["paths"]
    cycle = document["components"]["schemas"]["Cycle"]["properties"]
    assert {"provisional", "publication", "published_run", "groups", "min_participation"} <= set(cycle)


def parameter(document, path, name, method="get"):
    return next(p for p in document["paths"][path][method]["parameters"] if p["name"] == name)


def test_it_states_the_servers_real_constraints(document):
    assert parameter(document, "/api/v1/submissions/", "cycle")["schema"] == {
        "type": "integer", "minimum": 2000, "maximum": 2100}
    assert parameter(document, "/api/v1/results/", "level")["schema"]["minimum"] == 1
    assert parameter(document, "/api/v1/results/", "province")["schema"]["pattern"] == "^[A-Z0-9][A-Z0-9-]{1,19}$"
    assert parameter(document, "/api/v1/cycles/", "framework")["schema"]["pattern"] == "^[-a-zA-Z0-9_]+$"
    assert parameter(document, "/api/v1/regions/", "page_size")["schema"] == {
        "type": "integer", "minimum": 1, "maximum": 500}
    assert "allowEmptyValue" not in parameter(document, "/api/v1/regions/", "page_size")
    assert parameter(document, "/api/v1/regions/", "level")["allowEmptyValue"] is True
    assert parameter(document, "/api/v1/frameworks/{code}/{version}/", "code")["schema"]["pattern"]
    schemas = document["components"]["schemas"]
    for body in ("ScoreRunInRequest", "ReportInRequest"):
        assert schemas[body]["additionalProperties"] is False
        assert schemas[body]["properties"]["cycle"] | {"description": ""} == {
            "type": "integer", "minimum": 2000, "maximum": 2100, "description": ""}
    assert schemas["ReportInRequest"]["properties"]["region"]["pattern"] == "^[A-Z0-9][A-Z0-9-]{1,19}$"
    assert schemas["ScoreRunInRequest"]["properties"]["reason"]["oneOf"][0]["pattern"] == "^[^\\u0000]*$"
    comments = schemas["TransitionInRequest"]["properties"]["indicator_comments"]
    assert (comments["maxProperties"], comments["additionalProperties"]["pattern"]) == (500, "^[^\\u0000]*$")
    assert "^[A-Za-z0-9_.-]{1,20}$" in comments["description"]
    text = schemas["ValueInRequest"]["properties"]["value"]["oneOf"][1]
    assert text["pattern"] == "^-?[0-9]{1,15}(?:\\.[0-9]+)?$"


def test_every_operation_documents_the_answers_around_its_view(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            expected = {"400", "401", "406", "429", "503"} | ({"413", "415"} if "requestBody" in operation else set())
            assert expected <= set(operation["responses"]), (method, path)


def labels_of(value):
    """(status or level, its label, the model it is of) of an example, its items and its page's rows."""
    rows = value.get("results", [value]) if isinstance(value, dict) else []
    found = []
    for row in rows:
        kind = next((model for keys, model in LABELLED if keys <= set(row)), None)
        if kind is not None:
            field = "level" if kind is Region.Level else "status"
            found.append((row[field], row[f"{field}_label"], kind))
    return found


LABELLED = [({"filled", "status_label"}, Submission.Status), ({"entry_open", "status_label"}, Cycle.Status),
            ({"stage", "reason", "status_label"}, ScoreRun.Status), ({"kind", "pages", "status_label"}, Report.Status),
            ({"level", "level_label", "parent", "name_zh"}, Region.Level)]


def test_every_example_labels_its_status_as_the_api_does(document):
    """The examples are in Chinese, as the API answers by default: each label is the one its value has."""
    wrong = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                for content in response.get("content", {}).values():
                    for name, example in content.get("examples", {}).items():
                        for value, label, kind in labels_of(example["value"]):
                            with translation.override("zh-hans"):
                                if label != str(kind(value).label):
                                    wrong.append((method, path, status, name, value, label))
    assert wrong == []
