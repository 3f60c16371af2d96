"""One error model: a service's refusal has a stable code, a message, the fields it is about and an HTTP
status, and pages, JSON endpoints and the API answer it the same way."""

import json

import pytest
from django.test import RequestFactory

from assessments.models import Submission
from smartgov.errors import STATUS, DomainError, ErrorCode, Invalid, NotFound, PermissionRefused, error_body
from smartgov.middleware import DomainErrorMiddleware
from tests.api.clients import client_for, user_with_token


def test_every_code_has_a_status():
    assert set(STATUS) == set(ErrorCode)
    assert all(400 <= status < 600 for status in STATUS.values())


def test_the_body_names_the_code_the_message_the_fields_and_the_extra_facts():
    error = Invalid("Not valid.", fields={"closes": ["Before the opening date."]}, current_version=3)
    assert (error.status, error_body(error)) == (400, {
        "code": "invalid", "message": "Not valid.", "fields": {"closes": ["Before the opening date."]},
        "current_version": 3})
    assert (PermissionRefused("x").status, NotFound("x").status) == (403, 404)
    assert DomainError("x", code=ErrorCode.NOT_READY).status == 409


@pytest.mark.django_db
def test_a_refusal_no_view_handled_is_a_page_with_its_status_or_json(people):
    middleware = DomainErrorMiddleware(lambda request: None)
    request = RequestFactory().get("/somewhere")
    request.user = people["officer"]
    page = middleware.process_exception(request, PermissionRefused("您无权这样做。"))
    assert page.status_code == 403
    assert "您无权这样做。" in page.content.decode()
    request = RequestFactory().get("/somewhere", HTTP_ACCEPT="application/json")
    answer = middleware.process_exception(request, PermissionRefused("您无权这样做。"))
    assert (answer.status_code, json.loads(answer.content)["code"]) == (403, "permission_denied")
    assert middleware.process_exception(request, ValueError("not ours")) is None


@pytest.mark.django_db
def test_the_page_and_the_api_answer_a_refusal_alike(client, submission, regions, settings):
    settings.LANGUAGE_CODE = "en"
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.SUBMITTED)
    user, _token, secret = user_with_token("hz-officer", "city_officer", regions["hangzhou"])
    client.force_login(user)
    page = client.post(f"/submissions/{submission.pk}/autosave", content_type="application/json",
                       HTTP_ACCEPT_LANGUAGE="en",
                       data=json.dumps({"version": submission.version, "entries": {"RS01": {"value": "42"}}}))
    api = client_for(secret).put(f"/api/v1/submissions/{submission.pk}/values/", format="json", data={
        "version": submission.version, "values": [{"indicator": "RS01", "value": 42}]})
    assert page.status_code == api.status_code == 409
    assert page.json() == api.json()
    assert page.json()["code"] == "locked"


NUL_REQUESTS = {
    "a page's query string": lambda client, api, s: client.get("/dashboards/compare/", {"cities": "330100\x00"}),
    "a query string's key": lambda client, api, s: client.get("/dashboards/", {"cycle\x00": "2026"}),
    "the API's query string": lambda client, api, s: api.get("/api/v1/results/", {"cycle": "2026\x00"}),
    "a JSON body (escaped)": lambda client, api, s: client.post(
        f"/submissions/{s.pk}/autosave", content_type="application/json",
        data='{"version": 1, "entries": {"RS01": {"value": "42", "note": "a\\u0000b"}}}'),
    "the API's JSON body": lambda client, api, s: api.put(
        f"/api/v1/submissions/{s.pk}/values/", format="json",
        data={"version": s.version, "values": [{"indicator": "RS01", "value": 42, "note": "a\x00b"}]}),
    "a form": lambda client, api, s: client.post(f"/submissions/{s.pk}/", {"version": s.version,
                                                                          "value_RS01": "42\x00"}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("where", list(NUL_REQUESTS))
def test_a_nul_character_anywhere_is_refused_with_400_and_changes_nothing(client, submission, regions, where):
    """PostgreSQL cannot store NUL: before the refusal at the edge, a NUL in ?cities= gave a 500 there."""
    user, _token, secret = user_with_token("hz-officer", "city_officer", regions["hangzhou"])
    client.force_login(user)
    response = NUL_REQUESTS[where](client, client_for(secret), submission)
    assert response.status_code == 400, response.content[:300]
    assert not submission.values.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    '{"version": 1e400, "entries": {}}',
    '{"version": -1e400, "entries": {}}',
    '{"version": 1, "entries": {"RS01": {"value": 1e400}}}',
    '{"version": 1, "entries": {"RS01": {"value": "1e400"}}}',
])
def test_numbers_too_large_for_a_float_are_refused_not_500(client, submission, regions, body):
    user, _token, _secret = user_with_token("hz-officer", "city_officer", regions["hangzhou"])
    client.force_login(user)
    response = client.post(f"/submissions/{submission.pk}/autosave", content_type="application/json", data=body)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] in ("invalid", "values_invalid")
    assert not submission.values.exists()
