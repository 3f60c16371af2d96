"""One error format everywhere, never a traceback."""

from pathlib import Path

import pytest

from tests.api.clients import client_for

pytestmark = pytest.mark.django_db


def test_it_answers_an_unknown_endpoint_in_the_error_format(zj):
    response = zj.get("/api/v1/no-such-thing/")
    assert (response.status_code, response.json()) == (404, {
        "code": "not_found", "message": "There is no such endpoint; see /api/v1/docs/ (paths end with a slash).",
        "fields": {}})


def test_it_answers_a_wrong_method_in_the_error_format(zj):
    response = zj.delete("/api/v1/regions/")
    assert (response.status_code, response.json()) == (405, {"code": "method_not_allowed",
                                                             "message": "Method \"DELETE\" not allowed.",
                                                             "fields": {}})


def test_it_answers_malformed_json_in_the_error_format(zj, submission):
    response = zj.put(f"/api/v1/submissions/{submission.pk}/values/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert set(response.json()) == {"code", "message", "fields"}


def test_it_names_each_bad_query_parameter(zj):
    response = zj.get("/api/v1/submissions/?cycle=1900&status=lost&ordering=nonsense")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"cycle", "status", "ordering"}


def test_it_hides_an_unexpected_error_behind_a_json_500(zj, monkeypatch, caplog):
    from api.views import cycles

    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(cycles, "cycles_all", broken)
    client = client_for(zj._credentials["HTTP_AUTHORIZATION"].split()[1])
    client.raise_request_exception = False
    response = client.get("/api/v1/cycles/")
    assert (response.status_code, response.json()) == (500, {
        "code": "server_error", "message": "An unexpected error occurred. It has been logged; please try again "
                                           "later.", "fields": {}})
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "secret internals" in caplog.text


def test_it_answers_in_chinese_by_default(zhejiang_aggregator, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["message"] == "身份认证信息未提供。"


@pytest.mark.parametrize("path", ["/api/v1/regions%0A/", "/api/v1/no%0Asuch/thing/", "/api/v1/%0D%0A/",
                                  "/api/v1/results/330100%09/", "/api/v1/submissions/1%0B/values/",
                                  "/api/v1/regions/330100%0A/"])
def test_a_path_with_control_characters_is_a_json_404(zj, path):
    response = zj.get(path)
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {"code": "not_found", "message": "There is no such endpoint; see /api/v1/docs/ "
                                                               "(paths end with a slash).", "fields": {}}


@pytest.mark.parametrize("path", ["/api/", "/api/v2/results/", "/api/v1", "/api/v1/regions"])
def test_every_path_under_api_answers_in_the_error_format(zj, path):
    response = zj.get(path)
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert set(response.json()) == {"code", "message", "fields"}
    assert response.json()["code"] == "not_found"


def test_the_docs_list_every_code_the_api_can_answer():
    """Every ErrorCode, DRF's own codes (authentication, negotiation, parsing, throttling) and the token's."""
    from rest_framework import exceptions

    from api.authentication import TokenRevoked
    from smartgov.errors import ErrorCode

    drf = {cls.default_code for cls in vars(exceptions).values()
           if isinstance(cls, type) and issubclass(cls, exceptions.APIException) and cls is not exceptions.APIException}
    codes = {*ErrorCode, *drf, TokenRevoked.default_code}
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    errors = text[text.index("## Errors"):text.index("## Lists")]
    assert sorted(code for code in codes if f"`{code}`" not in errors) == []
    assert {"unsupported_media_type", "not_acceptable"} <= codes



@pytest.mark.parametrize("path", ["/api/v1/regions/%00/", "/api/v1/regions/?search=a%00b", "/api/v1/no%00such/"])
def test_a_nul_character_in_an_api_path_or_query_is_a_json_400(zj, path):
    response = zj.get(path, HTTP_ACCEPT="text/html")
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json() == {"code": "invalid", "message": "The request contains a NUL character (\\0), which no "
                                                             "field accepts.", "fields": {}}
