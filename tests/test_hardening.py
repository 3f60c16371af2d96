"""Clean failure and hardening: a missing database or broker is a 503 with Retry-After (our page, or the one error
body), never a 500; the API's throttle keeps counting when its cache is down; /healthz tells details only to
internal callers; every answer carries a Content-Security-Policy, logged-in pages and downloads `no-store`,
HTTPS answers HSTS."""

import json
import logging
import re

import pytest
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import include, path, reverse
from kombu.exceptions import OperationalError as BrokerOperationalError
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api.throttling import TokenRateThrottle
from smartgov.celery import app
from smartgov.middleware import NoStoreMiddleware
from smartgov.outages import RETRY_AFTER_SECONDS, unavailable_response
from tests.api.clients import client_for, user_with_token
from tests.factories import many_cities, scored_cycle, user_with_role

pytestmark = pytest.mark.django_db


# ---- a URLconf of the test's own: views that publish a task, around the project's URLs --------------------------

def _publish(request):
    app.send_task("outbox.sweep")
    return HttpResponse("sent")


@api_view(["POST"])
@permission_classes([AllowAny])
def _api_publish(request):
    app.send_task("outbox.sweep")
    return Response({"sent": True})


urlpatterns = [
    path("test-publish/", _publish),
    path("api/v1/test-publish/", _api_publish),
    path("", include("smartgov.urls")),
]
handler500 = "smartgov.error_pages.server_error"


@pytest.fixture
def own_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def database_down(monkeypatch):
    """Every new query fails as it does when PostgreSQL is unreachable."""

    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "postgres" (172.18.0.2), port 5432 failed: Connection refused')

    def down():
        monkeypatch.setattr(connection, "ensure_connection", refuse)

    return down


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise BrokerOperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(type(app), "send_task", refuse)


def _is_503(response):
    assert response.status_code == 503, response.content[:500]
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


def _is_503_json(response):
    _is_503(response)
    body = json.loads(response.content)
    assert body["code"] == "unavailable"
    assert body["fields"] == {}
    assert body["message"]
    assert "5432" not in body["message"]
    assert "redis" not in body["message"]


# ---- 503 + Retry-After --------------------------------------------------------------------------------------------


def test_a_page_whose_database_is_down_is_our_503_page_and_keeps_the_session(client, officer, database_down):
    client.force_login(officer)
    database_down()
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    _is_503(response)
    page = response.content.decode()
    assert 'id="refusal"' in page
    assert "Service unavailable" in page
    assert "5432" not in page
    session = response.cookies.get("sessionid")
    assert session is None or str(session["max-age"]) != "0", "an outage must not log the user out"
    assert "Content-Security-Policy" in response


def test_an_api_request_whose_database_is_down_is_a_503_in_the_api_error_format(regions, database_down):
    _user, _token, secret = user_with_token("zj-api", "province_analyst", regions["zhejiang"])
    api = client_for(secret)
    database_down()
    _is_503_json(api.get("/api/v1/regions/"))
    _is_503_json(api.get("/api/v1/regions/", HTTP_ACCEPT="text/html"))


def test_a_json_request_whose_database_is_down_is_a_503_in_the_error_format(client, officer, submission,
                                                                           database_down):
    client.force_login(officer)
    database_down()
    response = client.post(f"/submissions/{submission.pk}/autosave", content_type="application/json",
                           data=json.dumps({"version": 1, "entries": {}}))
    _is_503_json(response)


def test_a_failure_outside_any_view_is_a_503_too(monkeypatch):
    """The 500 handler: here the authentication middleware itself meets the missing database."""
    def refuse(self, request):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(AuthenticationMiddleware, "process_request", refuse)
    client = Client(raise_request_exception=False)
    _is_503(client.get("/dashboards/"))
    _is_503_json(client.get("/dashboards/", HTTP_ACCEPT="application/json"))


def test_a_page_or_an_api_call_whose_broker_is_down_is_a_503(own_urls, client, broker_down):
    response = client.get("/test-publish/")
    _is_503(response)
    assert 'id="refusal"' in response.content.decode()
    _is_503_json(client.get("/test-publish/", HTTP_ACCEPT="application/json"))
    _is_503_json(client_for().post("/api/v1/test-publish/", format="json", data={}))


def test_the_503_page_asks_nothing_of_the_database(officer, django_assert_num_queries):
    """Not the user's notifications nor their campaigns (the context processors): the database is what failed."""
    request = RequestFactory().get("/dashboards/")
    request.user = officer
    with django_assert_num_queries(0):
        response = unavailable_response(request, "database")
    assert response.status_code == 503
    assert "Log" in response.content.decode() or "登录" in response.content.decode()


# ---- the API's throttle when its cache is down -------------------------------------------------------------------


class BrokenCache:
    """A cache backend whose server is gone, as Django's RedisCache is when Redis is down."""

    def __init__(self, location, params):
        pass

    def get(self, *args, **kwargs):
        from redis.exceptions import ConnectionError as RedisConnectionError

        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    set = get

    def close(self, **kwargs):
        pass


@pytest.fixture
def throttle_cache_down(settings):
    fallback = TokenRateThrottle.cache
    fallback.local.clear()
    fallback.warned_at = fallback.down_until = 0.0
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.BrokenCache"}}
    yield
    fallback.local.clear()
    fallback.warned_at = fallback.down_until = 0.0


def test_the_throttle_keeps_counting_in_memory_and_warns_when_its_cache_is_down(regions, settings, caplog,
                                                                               throttle_cache_down):
    settings.API_THROTTLE_RATE = "3/min"
    api = client_for(user_with_token("zj-throttled", "province_analyst", regions["zhejiang"])[2])
    with caplog.at_level(logging.WARNING, logger="api.throttling"):
        statuses = [api.get("/api/v1/regions/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    warnings = [r for r in caplog.records if r.name == "api.throttling" and r.levelno == logging.WARNING]
    assert len(warnings) == 1, "one warning a minute, not one a request"
    assert "Connection refused" in warnings[0].getMessage()


# ---- /healthz -------------------------------------------------------------------------------------------------------


def test_healthz_tells_an_internal_caller_the_details(client):
    body = client.get("/healthz", REMOTE_ADDR="127.0.0.1").json()
    assert body["status"] == "ok"
    assert body["database"]["ok"]
    assert "vendor" in body["database"]
    assert body["broker"]["ok"]


@pytest.mark.parametrize("caller", [{"REMOTE_ADDR": "203.0.113.7"},
                                    {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},
                                    {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_REAL_IP": "203.0.113.7"}])
def test_healthz_tells_anyone_else_only_the_verdict(client, caller):
    response = client.get("/healthz", **caller)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_healthz_tells_an_outside_caller_of_an_outage_no_host_nor_port(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def refused(*args, **kwargs):
        raise OperationalError('connection to server at "db.internal" (10.0.0.5), port 5432 failed')

    monkeypatch.setattr(CursorWrapper, "execute", refused)
    outside = client.get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert (outside.status_code, outside.json()) == (503, {"status": "unavailable"})
    inside = client.get("/healthz")
    assert inside.status_code == 503
    assert "5432" in inside.json()["database"]["error"]


# ---- headers: CSP, Cache-Control, HSTS ------------------------------------------------------------------------------

CSP_DIRECTIVES = ("default-src 'self'", "img-src 'self' data:", "object-src 'none'", "base-uri 'self'",
                  "form-action 'self'", "frame-ancestors 'none'")


def _csp(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    for directive in CSP_DIRECTIVES:
        assert directive in policy, (directive, policy)
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    return directives


def _common_headers(response):
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_logged_in_page_has_a_csp_and_no_store(client, officer):
    client.force_login(officer)
    response = client.get("/")
    assert response.status_code == 200
    directives = _csp(response)
    assert directives["script-src"].startswith("'self'")
    assert "no-store" in response["Cache-Control"]
    _common_headers(response)


def test_the_dashboards_nonce_their_one_inline_style_and_keep_every_script_in_files(client, framework, regions):
    scored_cycle(framework, many_cities(3, regions["zhejiang"]), 2026)
    client.force_login(user_with_role("zj-reader", "province_analyst", regions["zhejiang"]))
    response = client.get(reverse("dashboard-overview"))
    assert response.status_code == 200
    page = response.content.decode()
    nonce = re.search(r'<style id="plotly.js-style-global" nonce="([^"]+)">', page).group(1)
    directives = _csp(response)
    assert f"'nonce-{nonce}'" in directives["style-src"]
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page), "an inline script"
    assert 'class="js-chart"' in page
    assert 'class="bar pct-' in page
    assert " style=" not in page


def test_an_anonymous_page_has_a_csp_and_may_be_cached(client):
    """The Swagger UI page: its script is a file of its own (?script), its one inline <style> has the nonce."""
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    nonce = re.search(r'<style nonce="([^"]+)">', page).group(1)
    assert f"'nonce-{nonce}'" in _csp(response)["style-src"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "an inline script"
    assert "no-store" not in response.get("Cache-Control", "")
    script = client.get(re.search(r'<script src="([^"]*script=[^"]*)"', page).group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_an_api_answer_has_a_csp_and_no_store(regions):
    api = client_for(user_with_token("zj-headers", "province_analyst", regions["zhejiang"])[2])
    response = api.get("/api/v1/regions/")
    assert response.status_code == 200
    _csp(response)
    assert "no-store" in response["Cache-Control"]


def test_downloads_have_a_csp_and_no_store(client, officer, submission, regions, framework):
    client.force_login(officer)
    excel = client.get(reverse("submission-excel", args=[submission.pk]))
    assert excel.status_code == 200
    assert excel["Content-Disposition"].startswith("attachment")
    _csp(excel)
    assert "no-store" in excel["Cache-Control"]
    scored_cycle(framework, many_cities(3, regions["zhejiang"]), 2025)
    api = client_for(user_with_token("zj-csv", "province_analyst", regions["zhejiang"])[2])
    csv = api.get("/api/v1/results/", {"format": "csv"})
    assert csv.status_code == 200
    assert csv["Content-Disposition"].startswith("attachment")
    _csp(csv)
    assert "no-store" in csv["Cache-Control"]
    # The same results as JSON are revalidated with their ETag, not stored by proxies: `private, no-cache`.
    results = api.get("/api/v1/results/")
    assert results["Cache-Control"] == "private, no-cache"
    assert api.get("/api/v1/results/", HTTP_IF_NONE_MATCH=results["ETag"]).status_code == 304


def test_no_store_is_added_to_any_download_but_a_page_keeps_the_cache_control_its_view_chose():
    def view_with(headers):
        def view(request):
            response = HttpResponse("x")
            for name, value in headers.items():
                response[name] = value
            return response
        return NoStoreMiddleware(view)

    request = RequestFactory().get("/", HTTP_AUTHORIZATION="Bearer x")
    revalidated = view_with({"Cache-Control": "private, no-cache", "ETag": '"abc"'})(request)
    assert revalidated["Cache-Control"] == "private, no-cache"
    download = view_with({"Cache-Control": "private, no-cache", "Content-Disposition": 'attachment; filename="r.csv"'})
    assert set(download(RequestFactory().get("/"))["Cache-Control"].split(", ")) == {"private", "no-cache",
                                                                                     "no-store"}
    anonymous = view_with({})(RequestFactory().get("/"))
    assert not anonymous.has_header("Cache-Control")


def test_https_answers_carry_hsts_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in Client().get("/accounts/login/")  # never over plain HTTP


def test_the_forwarded_protocol_is_trusted_only_when_configured(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = None
    assert Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 301
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="http").status_code == 301
    assert Client().get("/healthz").status_code == 200, "the container's health check asks over plain HTTP"
