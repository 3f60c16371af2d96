"""When a service behind the platform is missing (the database, the broker, Redis), the answer is a 503 with
Retry-After, never a 500: our error page for pages, the one error body for the API and JSON requests.

Three places turn such an exception into that answer: `OutageMiddleware.process_exception` for pages' views,
`api.exceptions.exception_handler` for the REST API's views, and `smartgov.error_pages.server_error` (the 500
handler) for whatever fails outside a view (a middleware saving the session, say). The page is rendered without
the context processors and without the user: they would ask the database that is missing.
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .errors import DomainError, ErrorCode
from .middleware import bare_error_response

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
"""What Retry-After tells a client: long enough for a restart or a failover, short enough to be tried again."""

DATABASE_ERRORS = (DatabaseOperationalError, DatabaseInterfaceError)
# kombu raises its OperationalError (celery.exceptions.OperationalError is the same class) when a task cannot be
# published; Redis' own errors come from a Redis cache or broker used directly.
BROKER_ERRORS = (BrokerOperationalError, RedisConnectionError, RedisTimeoutError)


def outage_of(exception: BaseException) -> str | None:
    """"database" or "broker" (the broker, or Redis as a cache) when the exception says that service is
    unavailable, else None.

    Every OperationalError of the database counts (refused or lost connection, but also a lock timeout or a
    deadlock): each is transient, and a client that tries again later is what a 503 asks for."""
    if isinstance(exception, DATABASE_ERRORS):
        return "database"
    if isinstance(exception, BROKER_ERRORS):
        return "broker"
    return None


def unavailable(service: str) -> DomainError:
    if service == "database":
        message = _("The database is unavailable for a moment, so this could not be done. Please try again in a "
                    "minute.")
    else:
        message = _("A service behind the platform (the task queue or its cache) is unavailable for a moment. "
                    "Please try again in a minute.")
    return DomainError(message, code=ErrorCode.UNAVAILABLE)


def log_outage(service: str, exception: BaseException, request: HttpRequest | None = None) -> None:
    where = f" ({request.method} {request.path})" if request is not None else ""
    logger.error("%s unavailable: answered 503%s", service, where, exc_info=exception)


def unavailable_response(request: HttpRequest, service: str) -> HttpResponse:
    """The 503: JSON for the API and for requests that want JSON, else templates/error.html rendered without the
    context processors (no query at all: the user is shown as anonymous, the page links to the login)."""
    response = bare_error_response(request, unavailable(service))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class OutageMiddleware:
    """Answers 503 + Retry-After for a page's view (or its template) that failed because the database or the
    broker is missing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        service = outage_of(exception)
        if service is None:
            return None
        log_outage(service, exception, request)
        return unavailable_response(request, service)
