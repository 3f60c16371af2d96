import json

import pytest
from rest_framework.test import APIClient

from indicators.models import Framework
from indicators.selectors import framework_document

pytestmark = pytest.mark.django_db


def test_it_lists_the_published_frameworks(zj, framework):
    Framework.objects.create(code="draft-one", version=1, name_zh="草稿", name_en="Draft")
    response = zj.get("/api/v1/frameworks/")
    assert response.status_code == 200
    assert response.json() == {"count": 1, "next": None, "previous": None, "results": [{
        "code": "smartgov-maturity", "version": 1, "name_zh": framework.name_zh, "name_en": framework.name_en,
        "status": "published", "aggregation": "arithmetic", "weighting": framework.weighting,
        "published_at": response.json()["results"][0]["published_at"]}]}


def test_it_shows_drafts_to_a_platform_administrator_only(admin_client, zj, framework):
    Framework.objects.create(code="draft-one", version=1, name_zh="草稿", name_en="Draft")
    assert [f["code"] for f in admin_client.get("/api/v1/frameworks/?ordering=code").json()["results"]] == [
        "draft-one", "smartgov-maturity"]
    assert zj.get("/api/v1/frameworks/draft-one/1/").status_code == 404
    assert admin_client.get("/api/v1/frameworks/draft-one/1/").status_code == 200


def test_it_reads_a_framework_with_its_dimensions_indicators_and_bands(zj, framework):
    response = zj.get("/api/v1/frameworks/smartgov-maturity/1/")
    assert response.status_code == 200
    body = response.json()
    assert body.pop("status") == "published"
    assert body.pop("published_at")
    assert body == framework_document(framework)
    assert [d["code"] for d in body["dimensions"]] == ["RS", "MP", "SC", "PS"]
    assert body["bands"][0]["label"]["zh"]
    assert body["dimensions"][0]["indicators"][0]["code"] == "RS01"


def test_it_answers_404_for_an_unknown_version(zj, framework):
    assert zj.get("/api/v1/frameworks/smartgov-maturity/9/").json()["code"] == "not_found"


def test_it_serves_the_json_schema_of_framework_files_without_a_token(framework):
    from indicators.framework_schema import SCHEMA_FILE

    response = APIClient().get("/api/v1/frameworks/schema/")
    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert response.json() == json.loads(SCHEMA_FILE.read_text("utf-8"))


def test_the_schema_states_every_key_of_the_method_the_api_answers(zj, framework):
    schemas = APIClient().get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    method = zj.get("/api/v1/frameworks/smartgov-maturity/1/").json()["method"]
    assert set(schemas["Method"]["properties"]) == set(method)
    assert method["geometric_floor"] == framework.geometric_floor
