"""Pages under the Content-Security-Policy, in Chromium: what the policy refuses shows in the console, which fails the
test (the `page` fixture). The dashboards are in test_dashboards.py; here the Swagger UI page (drf-spectacular's
script served as a file, its one inline style with the nonce) and the 503 page."""

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_swagger_ui_renders_the_api_under_the_policy(page):
    response = page.goto(f"{page.base_url}/api/v1/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("SmartGov API")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px", "the nonced inline style applies"


def test_the_503_page_renders_under_the_policy(page, monkeypatch):
    """A visitor with a session while the database is unreachable: the session cannot be read."""

    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", refuse)
    page.allowed_errors = ["status of 503"]
    page.context.add_cookies([{"name": "sessionid", "value": "x" * 32, "url": page.base_url}])
    response = page.goto(f"{page.base_url}/")
    assert response.status == 503
    assert response.headers["retry-after"] == "30"
    expect(page.locator("#refusal")).to_be_visible()
