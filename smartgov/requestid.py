"""The id of the web request being served (or of the request that asked for the background work being run).

Every web request gets one (RequestIdMiddleware): the caller's X-Request-ID when it is well formed (8 to 64 of
A–Z a–z 0–9 . _ -, e.g. set by the reverse proxy), else a new one; it is sent back in the X-Request-ID response
header. It follows the work into Celery (smartgov.task_context: a message header) and into the outbox (a job
records current_request_id() and its task runs under request_id_context(job.request_id)); smartgov.logs puts it
on every log record. Outside any request or task it is "".
"""

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from django.http import HttpRequest, HttpResponseBase

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")

_current: ContextVar[str] = ContextVar("request_id", default="")
# The Celery task being run in this context: (name, id), or ("", "") outside tasks.
_task: ContextVar[tuple[str, str]] = ContextVar("celery_task", default=("", ""))


def current_request_id() -> str:
    return _current.get()


@contextmanager
def request_id_context(value: str) -> Iterator[None]:
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)


def well_formed(value: object) -> str:
    """The value when it may serve as a request id, else ""."""
    return value if isinstance(value, str) and _WELL_FORMED.fullmatch(value) else ""


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_task() -> tuple[str, str]:
    """The (name, id) of the Celery task being run, ("", "") outside tasks."""
    return _task.get()


def enter_task(request_id: str, name: str, task_id: str) -> tuple[Token[str], Token[tuple[str, str]]]:
    """Used by smartgov.task_context when a task starts; undone by leave_task when it ends."""
    return _current.set(request_id), _task.set((name, task_id))


def leave_task(tokens: tuple[Token[str], Token[tuple[str, str]]]) -> None:
    request_token, task_token = tokens
    _task.reset(task_token)
    _current.reset(request_token)


class RequestIdMiddleware:
    """Gives the request its id (request.request_id), serves it under request_id_context and returns it in the
    X-Request-ID response header. Placed early in MIDDLEWARE, so that what the other middlewares log carries it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = well_formed(request.headers.get(HEADER)) or new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        with request_id_context(request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response
