"""The OpenAPI schema: served, valid, every operation described; Swagger UI from the sidecar (no CDN)."""

import re

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

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
    assert len(operations) == 30
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
    assert set(evidence["post"]["responses"]) == {"201", "400", "401", "403", "404", "409", "429"}
    assert evidence["post"]["responses"]["201"]["content"]["application/json"]["examples"]
    assert evidence["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    upload = document["components"]["schemas"]["EvidenceInRequest"]
    assert (upload["required"], upload["properties"]["file"]["format"]) == (["file"], "binary")
    download = document["paths"]["/api/v1/submissions/{id}/evidence/{evidence_id}/download/"]["get"]
    assert set(download["responses"]["200"]["content"]) == {
        "application/pdf", "image/jpeg", "image/png",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    removal = document["paths"]["/api/v1/submissions/{id}/evidence/{evidence_id}/"]["delete"]
    assert set(removal["responses"]) == {"204", "401", "403", "404", "409", "429"}


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
