"""Our own error pages (smartgov.error_pages) in every mode: a stale link, a refused permission, a failure, a bad
request and a refused CSRF check answer our page, in Chinese by default and in English when asked, with a way
back; the API and JSON requests the one error body. Django's technical pages (URL patterns, settings, traceback)
only when a developer asks for them (DEBUG_TECHNICAL_PAGES), never by DEBUG alone — `make run` runs with DEBUG on."""

import json
import logging

import pytest
from django.contrib.messages.middleware import MessageMiddleware
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import include, path

from smartgov.error_pages import server_error_response
from smartgov.errors import NotFound

pytestmark = pytest.mark.django_db

TECHNICAL = ("URLconf", "DEBUG = True", "Traceback", "Request Method", "settings file", "ALLOWED_HOSTS",
             "Using the URLconf")


# ---- a URLconf of the test's own: views that fail, around the project's URLs -------------------------------------

def _fails(request):
    raise RuntimeError("the secret inner state 0xDEADBEEF")


def _forbids(request):
    raise PermissionDenied


def _misses(request):
    raise Http404("No Submission matches the given query.")


def _suspicious(request):
    raise SuspiciousOperation("Attempted access to '/etc/passwd' denied.")


def _refuses(request):
    raise NotFound("没有这份报告。")


def _database_down(request):
    raise OperationalError("connection to server at \"postgres\", port 5432 failed")


urlpatterns = [
    path("test-fails/", _fails),
    path("test-forbids/", _forbids),
    path("test-misses/", _misses),
    path("test-suspicious/", _suspicious),
    path("test-refuses/", _refuses),
    path("test-database-down/", _database_down),
    path("", include("smartgov.urls")),
]
handler400 = "smartgov.error_pages.bad_request"
handler403 = "smartgov.error_pages.permission_denied"
handler404 = "smartgov.error_pages.page_not_found"
handler500 = "smartgov.error_pages.server_error"


@pytest.fixture
def own_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture(params=[True, False], ids=["debug-on", "debug-off"])
def debug(request, settings):
    """Both modes: DEBUG on as `make run` runs it (no DEBUG_TECHNICAL_PAGES), and off as in production."""
    settings.DEBUG = request.param
    settings.DEBUG_TECHNICAL_PAGES = False
    return request.param


def _our_page(response, status):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'id="error-page"' in page
    assert f'data-status="{status}"' in page
    assert 'href="/" id="back-home"' in page
    for technical in TECHNICAL:
        assert technical not in page, technical
    return page


def _our_json(response, status, code):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["code"] == code
    assert body["fields"] == {}
    assert body["message"]
    return body


# ---- 404 ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stale", ["/no-such-page/", "/submissions/12/old-tab/", "/reports/2019/summary.pdf"])
def test_a_stale_link_is_our_404_in_chinese_by_default(client, debug, stale):
    page = _our_page(client.get(stale), 404)
    assert '<html lang="zh-hans">' in page
    assert "页面不存在" in page
    assert "该页面不存在，或您无权查看。" in page
    assert 'href="/accounts/login/" id="log-in"' in page, "an anonymous visitor is offered the login"


@pytest.mark.parametrize("how", ["cookie", "accept-language"])
def test_a_stale_link_is_our_404_in_english_when_asked(client, debug, settings, how):
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get("/no-such-page/")
    else:
        response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = _our_page(response, 404)
    assert '<html lang="en">' in page
    assert "Page not found" in page
    assert "This page does not exist, or it is not open to you." in page
    assert "Back to the home page" in page


def test_a_stale_link_is_our_404_in_english_for_an_english_site(client, debug, english):
    page = _our_page(client.get("/no-such-page/"), 404)
    assert "Page not found" in page
    assert "页面不存在" not in page


def test_a_logged_in_user_keeps_the_navigation_on_the_404(client, debug, officer):
    client.force_login(officer)
    page = _our_page(client.get("/no-such-page/"), 404)
    assert 'class="site-nav"' in page
    assert "我的工作" in page
    assert 'id="log-in"' not in page


def test_something_outside_the_users_regions_is_our_404_without_django_s_text(client, debug, officer, own_urls):
    client.force_login(officer)
    page = _our_page(client.get("/submissions/999999/"), 404)
    assert "No Submission matches" not in page
    page = _our_page(client.get("/test-misses/"), 404)
    assert "No Submission matches" not in page


def test_a_missing_slash_is_still_redirected(client, debug):
    response = client.get("/accounts/login")
    assert (response.status_code, response["Location"]) == (301, "/accounts/login/")


@pytest.mark.parametrize("address", ["/api/v2/regions/", "/api/", "/api/v1/no-such-thing/"])
def test_an_api_address_that_does_not_exist_is_a_json_404(client, debug, address):
    """Outside /api/v1/ our 404 answers (JSON even to a browser); inside it, the API's own (it names its
    documentation)."""
    accept = {} if address.startswith("/api/v1/") else {"HTTP_ACCEPT": "text/html,*/*;q=0.8"}
    body = _our_json(client.get(address, **accept), 404, "not_found")
    assert body["message"] in ("该页面不存在，或您无权查看。链接可能已过期或有误。",
                               "没有此接口；请参阅 /api/v1/docs/（路径以斜杠结尾）。")


def test_a_json_request_for_an_address_that_does_not_exist_is_a_json_404(client, debug):
    _our_json(client.get("/no-such-page/", HTTP_ACCEPT="application/json"), 404, "not_found")
    body = _our_json(client.get("/no-such-page/", HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en"), 404,
                     "not_found")
    assert body["message"].startswith("This page does not exist")


# ---- 403 ----------------------------------------------------------------------------------------------------------


def test_a_refused_page_is_our_403_with_the_views_reason(client, debug, officer):
    client.force_login(officer)
    page = _our_page(client.get("/cycles/"), 403)
    assert "无权访问" in page
    assert "这些页面仅供全国统筹员和省级协调员使用。" in page
    page = _our_page(client.get("/cycles/", HTTP_ACCEPT_LANGUAGE="en"), 403)
    assert "Access denied" in page
    assert "These pages are for the national and provincial coordinators." in page


def test_a_403_without_a_reason_says_so_and_offers_the_login_to_a_visitor(client, debug, own_urls):
    page = _our_page(client.get("/test-forbids/?x=1"), 403)
    assert "您无权查看此页面。" in page
    assert 'href="/accounts/login/?next=/test-forbids/%3Fx%3D1"' in page


def test_a_refused_json_request_is_the_error_body(client, debug, officer):
    client.force_login(officer)
    body = _our_json(client.get("/cycles/", HTTP_ACCEPT="application/json"), 403, "permission_denied")
    assert body["message"] == "这些页面仅供全国统筹员和省级协调员使用。"


# ---- 500 ----------------------------------------------------------------------------------------------------------


def test_a_failing_view_is_our_500_and_is_logged(debug, own_urls, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/test-fails/", HTTP_X_REQUEST_ID="support-ref-1234")
    page = _our_page(response, 500)
    assert "出错了" in page
    assert "发生意外错误，已记录在案，请稍后重试。" in page
    assert "support-ref-1234" in page, "the request id, for support"
    assert "0xDEADBEEF" not in page
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert len(logged) == 1, caplog.records
    assert logged[0].exc_info[0] is RuntimeError
    assert logged[0].levelno == logging.ERROR


def test_a_failing_view_raises_in_the_test_client_as_django_signals_it(debug, own_urls):
    """got_request_exception is sent in both modes (the test client raises the exception again; Sentry-like
    handlers see it)."""
    with pytest.raises(RuntimeError):
        Client().get("/test-fails/")


def test_a_failing_view_answers_a_json_request_with_the_error_body(debug, own_urls):
    client = Client(raise_request_exception=False)
    body = _our_json(client.get("/test-fails/", HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en"), 500,
                     "server_error")
    assert body["message"] == "An unexpected error occurred. It has been logged; please try again later."


def test_a_failing_middleware_is_our_500_too(debug, monkeypatch, caplog):
    """Outside any view: handler500 with DEBUG off, Django's exception reporter (ours) with DEBUG on."""
    def fail(self, request):
        raise RuntimeError("the secret inner state 0xDEADBEEF")

    monkeypatch.setattr(MessageMiddleware, "process_request", fail)
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        page = _our_page(client.get("/dashboards/", HTTP_ACCEPT_LANGUAGE="en"), 500)
    assert "Something went wrong" in page
    assert "0xDEADBEEF" not in page
    assert any(r.name == "django.request" and r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)


def test_the_500_page_asks_nothing_of_the_database(officer, django_assert_num_queries):
    request = RequestFactory().get("/dashboards/")
    request.user = officer
    with django_assert_num_queries(0):
        response = server_error_response(request)
    assert response.status_code == 500
    assert 'id="log-in"' in response.content.decode()


def test_an_outage_and_a_refusal_keep_their_own_answers(client, debug, own_urls):
    response = Client(raise_request_exception=False).get("/test-database-down/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert 'id="refusal"' in response.content.decode()
    response = client.get("/test-refuses/")
    assert response.status_code == 404
    assert 'id="refusal"' in response.content.decode()
    assert "没有这份报告。" in response.content.decode()


# ---- 400 ----------------------------------------------------------------------------------------------------------


def test_a_suspicious_request_is_our_400(debug, own_urls):
    client = Client(raise_request_exception=False)
    page = _our_page(client.get("/test-suspicious/"), 400)
    assert "请求无效" in page
    assert "/etc/passwd" not in page


def test_an_unknown_host_is_our_400(debug):
    page = _our_page(Client().get("/", HTTP_HOST="evil.example"), 400)
    assert "请求无效" in page
    assert "evil.example" not in page


# ---- CSRF ---------------------------------------------------------------------------------------------------------


def test_a_form_without_its_csrf_token_is_our_403(debug, settings):
    client = Client(enforce_csrf_checks=True)
    page = _our_page(client.post("/accounts/login/", {"username": "x", "password": "y"}), 403)
    assert "表单未被接受" in page
    assert "CSRF cookie not set" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = _our_page(client.post("/accounts/login/", {"username": "x", "password": "y"}), 403)
    assert "The form could not be accepted" in page
    assert "reload the page" in page


def test_a_json_request_without_its_csrf_token_is_the_error_body(debug, officer, submission):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    _our_json(client.post(f"/submissions/{submission.pk}/autosave", content_type="application/json",
                          data=json.dumps({"version": 1, "entries": {}})), 403, "permission_denied")


# ---- Django's technical pages, only when asked ----------------------------------------------------------------------


def test_a_developer_who_asks_gets_django_s_technical_pages(client, settings, own_urls):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_PAGES = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "URLconf" in response.content.decode()
    assert 'id="error-page"' not in response.content.decode()
    response = Client(raise_request_exception=False).get("/test-fails/")
    assert response.status_code == 500
    assert "0xDEADBEEF" in response.content.decode()
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()


def test_asking_for_the_technical_pages_does_nothing_with_debug_off(client, settings):
    settings.DEBUG = False
    settings.DEBUG_TECHNICAL_PAGES = True
    _our_page(client.get("/no-such-page/"), 404)
