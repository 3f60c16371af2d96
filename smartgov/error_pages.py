"""Our own error pages, in every mode: 400, 403, 404, 500 and a refused CSRF check, in the user's language, with a
way back (the home page, and the login when anonymous); for the API (`/api/…`) and requests that want JSON, the
one error body (`smartgov.errors.error_body`). A service's refusal (`DomainError`) and an outage (503) keep their
own answers (`smartgov.middleware`, `smartgov.outages`).

With DEBUG off Django answers with the handlers below (`smartgov.urls`, `CSRF_FAILURE_VIEW`). With DEBUG on (as
`make run` runs) it would show its technical pages (the URL patterns, the settings, the traceback) to anyone who
follows a stale link; instead `ErrorPagesMiddleware` answers with our 404 and 500, and `PageExceptionReporter`
(smartgov.error_reporter, DEFAULT_EXCEPTION_REPORTER) puts our page in what Django shows for any other exception
(one raised by a middleware, a 400). A developer who wants the technical pages sets DEBUG_TECHNICAL_PAGES=true.

The 400 and 500 pages are rendered without the context processors and without the user (shown as anonymous):
they would ask the database, which may be what failed, or read a session that may be what was refused.
"""

import sys
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.log import log_response
from django.utils.translation import gettext as _
from django.views import csrf

from .error_reporter import technical_pages
from .errors import DomainError, ErrorCode, error_body
from .middleware import answers_json
from .outages import outage_of, unavailable, unavailable_response
from .requestid import current_request_id

TEMPLATE = "errors/page.html"
BAD_REQUESTS = (BadRequest, SuspiciousOperation, MultiPartParserError)
"""The exceptions Django answers with 400."""


def _not_found() -> DomainError:
    return DomainError(_("This page does not exist, or it is not open to you. The link may be out of date or "
                         "mistyped."), code=ErrorCode.NOT_FOUND)


def _denied(exception: BaseException | None) -> DomainError:
    """The reason, when the view gave one, is ours (already translated): it is shown."""
    return DomainError(str(exception or "") or _("You do not have permission to see this page."),
                       code=ErrorCode.PERMISSION_DENIED)


def _bad_request() -> DomainError:
    return DomainError(_("The request could not be understood. Check the address, or go back and try again."),
                       code=ErrorCode.INVALID)


def _failed() -> DomainError:
    return DomainError(_("An unexpected error occurred. It has been logged; please try again later."),
                       code=ErrorCode.SERVER_ERROR)


def error_for(exception: BaseException | None) -> DomainError:
    """What an exception no view handled is, for the user: Django's own text (in English, naming models, URL
    patterns or headers) is never shown, only the reason our views give a PermissionDenied."""
    if isinstance(exception, Http404):
        return _not_found()
    if isinstance(exception, PermissionDenied):
        return _denied(exception)
    if isinstance(exception, BAD_REQUESTS):
        return _bad_request()
    if exception is not None and (service := outage_of(exception)):
        return unavailable(service)
    return _failed()


def _json(error: DomainError) -> JsonResponse:
    return JsonResponse(error_body(error), status=error.status)


def _page(request: HttpRequest, heading: str, error: DomainError, **context: object) -> HttpResponse:
    """The page with the normal base (navigation for the logged-in user): for 403, 404 and the CSRF refusal."""
    return render(request, TEMPLATE, {"status": error.status, "heading": heading, "message": error.message,
                                      **context}, status=error.status)


def _plain_page(request: HttpRequest, heading: str, error: DomainError, **context: object) -> HttpResponse:
    """The page without the context processors nor the user: no query at all (for 400 and 500). The language
    buttons still work: the CSRF token comes from its cookie, not from the database."""
    page = render_to_string(TEMPLATE, {
        "status": error.status, "heading": heading, "message": error.message, "request": request,
        "user": AnonymousUser(), "csrf_token": get_token(request), **context})
    return HttpResponse(page, status=error.status)


# ---- the handlers (smartgov.urls: handler400, handler403, handler404, handler500; CSRF_FAILURE_VIEW) -------------


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    error = _bad_request()
    return _json(error) if answers_json(request) else _plain_page(request, _("Bad request"), error)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    error = _denied(exception)
    if answers_json(request):
        return _json(error)
    return _page(request, _("Access denied"), error, login_next=request.get_full_path())


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: a stale or mistyped link, or something the user may not see (the two are not told apart)."""
    error = _not_found()
    return _json(error) if answers_json(request) else _page(request, _("Page not found"), error)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage met outside a view (in a middleware, say) is a 503 (smartgov.outages); anything else
    is our 500. (Django logs the exception either way.)"""
    exception = sys.exc_info()[1]
    service = outage_of(exception) if exception is not None else None
    if service is not None:
        return unavailable_response(request, service)
    return server_error_response(request)


def server_error_response(request: HttpRequest) -> HttpResponse:
    error = _failed()
    if answers_json(request):
        return _json(error)
    return _plain_page(request, _("Something went wrong"), error, reference=current_request_id())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from a page that is out of date (the session changed since: a logout, a
    login elsewhere) or without the CSRF cookie. Nothing was done. (Django logs the reason.)"""
    if technical_pages():
        return csrf.csrf_failure(request, reason)
    error = DomainError(_("Nothing was done: the page you sent this from was out of date, or your browser did not "
                          "send this site's security cookie. Go back, reload the page and try again (cookies must "
                          "be allowed for this site)."), code=ErrorCode.PERMISSION_DENIED)
    return _json(error) if answers_json(request) else _page(request, _("The form could not be accepted"), error)


def response_for(request: HttpRequest, exception: BaseException | None) -> HttpResponse:
    """Our answer to an exception no view handled, as the handlers give it with DEBUG off."""
    if isinstance(exception, Http404):
        return page_not_found(request, exception)
    if isinstance(exception, PermissionDenied):
        return permission_denied(request, exception)
    if isinstance(exception, BAD_REQUESTS):
        return bad_request(request, exception)
    if exception is not None and (service := outage_of(exception)):
        return unavailable_response(request, service)
    return server_error_response(request)


# ---- with DEBUG on ------------------------------------------------------------------------------------------------


class ErrorPagesMiddleware:
    """With DEBUG on (and no DEBUG_TECHNICAL_PAGES), our 404 and 500 instead of Django's technical pages: an
    address no URL pattern matches (Django would answer it with its list of URL patterns, before any
    process_exception), an Http404 or an unexpected exception raised by a view. The exception is logged and
    signalled as Django does (got_request_exception: the test client raises it again). A service's refusal and an
    outage are left to DomainErrorMiddleware (below this one) and OutageMiddleware (above); PermissionDenied and
    the 400s to Django, which answers them with our handler403 / PageExceptionReporter. With DEBUG off this does
    nothing: Django calls our handlers itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if settings.DEBUG and not technical_pages():
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as missing:
                return page_not_found(request, missing)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG or technical_pages():
            return None
        if isinstance(exception, (DomainError, PermissionDenied, *BAD_REQUESTS)) or outage_of(exception):
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        signals.got_request_exception.send(sender=None, request=request)
        response = server_error_response(request)
        log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request,
                     exception=exception)
        return response

