"""Pages' side of the one error model: a service's refusal that a view did not handle itself is answered with
its status and message (JSON for requests that want JSON), never with a 500."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .errors import DomainError, ErrorCode, Invalid, error_body

FORM = "application/x-www-form-urlencoded"


def wants_json(request) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):  # the fields of a multipart form (BodySizeMiddleware: the rest)
            exception = too_large()
        if not isinstance(exception, DomainError):
            return None
        if wants_json(request):
            return JsonResponse(error_body(exception), status=exception.status)
        return render(request, "error.html", {"error": exception}, status=exception.status)


def answers_json(request) -> bool:
    """Whether an error is answered with the one error body rather than a page: the API, and requests that want
    JSON."""
    return request.path_info.startswith("/api/") or wants_json(request)


def bare_error_response(request, error: DomainError) -> HttpResponse:
    """The error as JSON (API, or a request that wants JSON) or as templates/error.html rendered without the
    context processors and as for an anonymous user: for answers given before the user is known, or when the
    database behind them is missing (it makes no query)."""
    if answers_json(request):
        return JsonResponse(error_body(error), status=error.status)
    page = render_to_string("error.html", {"error": error, "request": request, "user": AnonymousUser(),
                                           "csrf_token": get_token(request)})
    return HttpResponse(page, status=error.status)


def too_large(size: int | None = None) -> DomainError:
    from .workbooks import human_size

    limit = human_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    message = (_("The request is too large: %(size)s sent, at most %(limit)s accepted. Send fewer items at a "
                 "time.") % {"size": human_size(size), "limit": limit} if size else
               _("The request is too large: at most %(limit)s accepted. Send fewer items at a time.")
               % {"limit": limit})
    return DomainError(message, code=ErrorCode.TOO_LARGE)


class BodySizeMiddleware:
    """A request body over DATA_UPLOAD_MAX_MEMORY_SIZE (JSON, a form; uploads excepted, which are streamed to disk
    and bounded by their own limits) is refused with 413 and the one error body, before anything reads it: Django
    would raise RequestDataTooBig wherever the body is first read (a middleware, the CSRF check, a view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit and request.content_type != "multipart/form-data":
            return bare_error_response(request, too_large(length))
        return self.get_response(request)


class NulCharacterMiddleware:
    """PostgreSQL cannot store the NUL character (\\0): a path, query string, form or JSON body that carries one is
    refused here with a 400 and the one error body, before any view can hand it to a query (which would fail
    with a 500 on PostgreSQL, whichever view it is). Uploads (multipart) are checked by their readers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _carries_nul(request):
            return self.get_response(request)
        error = Invalid(_("The request contains a NUL character (\\0), which no field accepts."))
        if answers_json(request):
            return JsonResponse(error_body(error), status=error.status)
        return render(request, "error.html", {"error": error}, status=error.status)


def _carries_nul(request) -> bool:
    if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                      for key, values in request.GET.lists() for value in values):
        return True
    if request.content_type == "application/json":
        return b"\x00" in request.body or b"\\u0000" in request.body
    if request.content_type == FORM and request.method == "POST":
        return any("\x00" in key or "\x00" in value for key, values in request.POST.lists() for value in values)
    return False


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on what a browser or a proxy must not keep: every download (a response
    with Content-Disposition: evidence, PDF reports, Excel and CSV exports), whatever the view said, and every
    answer to a logged-in user (a session cookie or an Authorization header), unless the view chose its own
    Cache-Control (the API's results answer `private, no-cache` with their ETag, to be revalidated, not stored
    by proxies). Static files (WhiteNoise, earlier in the chain) keep their long caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Content-Disposition"):
            if "no-store" not in response.get("Cache-Control", ""):
                patch_cache_control(response, private=True, no_store=True)
        elif not response.has_header("Cache-Control") and _carries_credentials(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _carries_credentials(request) -> bool:
    """Whether the answer may depend on who asks. Decided without a query (the database may be the thing that
    failed): a session cookie or an Authorization header; without either, the user, if any, was logged in by
    this very request."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
