"""A request body over the limit is refused with 413 and the one error body (never a 500 nor a bare 400), on the
API and on the pages, before anything is read or written."""

import json
from urllib.parse import urlencode

import pytest

from assessments.models import IndicatorValue
from tests.api.clients import client_for, user_with_token

pytestmark = pytest.mark.django_db
OVER = 2_621_440 + 1


def test_a_json_body_over_the_limit_is_refused_with_413_naming_the_limit(submission, regions, english):
    client = client_for(user_with_token("hz-api", "city_officer", regions["hangzhou"])[2])
    body = json.dumps({"values": [{"indicator": "RS01", "value": 1, "note": "x" * 100}] * 20_000})
    assert len(body) > OVER
    response = client.generic("PUT", f"/api/v1/submissions/{submission.pk}/values/", body,
                              content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "at most 2.5 MB accepted" in response.json()["message"]
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_over_the_limit_gets_our_page_with_413(client, officer, submission, english, encoding):
    client.force_login(officer)
    form = {"comment": "x" * OVER, "version": 1}
    url = f"/submissions/{submission.pk}/act/submit"
    response = (client.post(url, urlencode(form), content_type="application/x-www-form-urlencoded")
                if encoding == "urlencoded" else client.post(url, form))
    assert response.status_code == 413
    assert "The request is too large" in response.content.decode()
    assert submission.status == "draft"


def test_multipart_fields_over_the_limit_are_refused_with_413_on_the_api(submission, regions, english):
    client = client_for(user_with_token("hz-api", "city_officer", regions["hangzhou"])[2])
    response = client.post(f"/api/v1/submissions/{submission.pk}/evidence/",
                           {"indicator": "RS01", "note": "x" * OVER}, format="multipart")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_a_body_within_the_limit_passes(client, officer, submission):
    client.force_login(officer)
    response = client.post(f"/submissions/{submission.pk}/act/submit", {"comment": "x" * 1000, "version": 1})
    assert response.status_code == 302
