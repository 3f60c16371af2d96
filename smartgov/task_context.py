"""The request id follows work into Celery: every message sent carries the current request id in its headers
(`request_id`), and a task runs with it as its current request id (and its own name and id as the current task,
for smartgov.logs). Connected once, by smartgov.celery.

With tasks run in-process (CELERY_TASK_ALWAYS_EAGER, the embedded default) no message is sent: the task runs in
the caller's context and keeps the caller's request id, unless apply_async(headers={"request_id": …}) names one.
"""

import logging.config
from contextvars import Token
from typing import Any

from celery import signals

from .requestid import current_request_id, enter_task, leave_task, well_formed

HEADER = "request_id"

# Tokens of the tasks running in this process, by task id, from task_prerun to task_postrun (tasks nest when run
# in-process; a thread pool runs several at once, each in its own thread and context).
_running: dict[str, tuple[Token[str], Token[tuple[str, str]]]] = {}


@signals.before_task_publish.connect(weak=False, dispatch_uid="smartgov.task_context.publish")
def _send_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = current_request_id()
    if request_id and headers is not None and not headers.get(HEADER):
        headers[HEADER] = request_id


def _request_id_of(task: Any) -> str:
    request = task.request
    sent = request.get(HEADER)  # a worker: the message's headers are the task's request
    if sent is None:
        sent = (request.get("headers") or {}).get(HEADER)  # in-process: apply_async(headers=…)
    if sent is None:
        return current_request_id() if request.get("is_eager") else ""
    return well_formed(sent)


@signals.task_prerun.connect(weak=False, dispatch_uid="smartgov.task_context.prerun")
def _enter(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task_id is None or task is None:
        return
    _running[task_id] = enter_task(_request_id_of(task), task.name, task_id)


@signals.task_postrun.connect(weak=False, dispatch_uid="smartgov.task_context.postrun")
def _leave(task_id: str | None = None, **kwargs: Any) -> None:
    tokens = _running.pop(task_id or "", None)
    if tokens is not None:
        leave_task(tokens)


@signals.setup_logging.connect(weak=False, dispatch_uid="smartgov.task_context.logging")
def _django_logging(**kwargs: Any) -> None:
    """A worker (or beat) logs through Django's LOGGING, like the web processes (same format, request and task
    ids on every line): Celery configures no logging of its own when this signal has a receiver. The level is
    LOG_LEVEL; the worker's --loglevel is not used."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
