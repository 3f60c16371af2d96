"""The OpenAPI schema: served, valid, every operation described; Swagger UI from the sidecar (no CDN)."""

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
    assert len(operations) == 25
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


def test_swagger_ui_is_served_from_the_sidecar_without_a_cdn(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()
    assert "unpkg" not in page.lower()
