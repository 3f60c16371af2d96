"""Log lines that can be followed across processes: every record carries the request id (smartgov.requestid) and,
inside a Celery task, the task's name and id. Two formats, chosen by LOG_FORMAT (settings.LOGGING):

- "text" (the default, for developers): `2026-03-01 10:00:00,123 INFO outbox.services [3f2a…
  outbox.run_job 9c1d…] message`, the bracket holding "-" outside requests and tasks;
- "json" (for log collectors): one JSON object per line with time (ISO 8601, UTC), level, logger, message,
  request_id, task, task_id, exception (the traceback, when there is one) and any `extra` given to the call.
"""

import json
import logging
from datetime import UTC, datetime
from typing import Any

from .requestid import current_request_id, current_task

# What every LogRecord has: anything else on a record came from `extra=` and goes into the JSON line as is.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "context",
                                                                          "request_id", "task_name", "task_id"}


class ContextFilter(logging.Filter):
    """Puts request_id, task_name and task_id on every record that reaches the handler ("" when none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id()
        if not getattr(record, "task_id", ""):
            record.task_name, record.task_id = current_task()
        return True


def _context(record: logging.LogRecord) -> tuple[str, str, str]:
    return (getattr(record, "request_id", "") or "", getattr(record, "task_name", "") or "",
            getattr(record, "task_id", "") or "")


class TextFormatter(logging.Formatter):
    """A readable line that still shows the request id (and the task, inside one)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.context = " ".join(part for part in _context(record) if part) or "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line (exceptions included: their newlines are escaped inside the string)."""

    def format(self, record: logging.LogRecord) -> str:
        request_id, task_name, task_id = _context(record)
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id,
            "task": task_name,
            "task_id": task_id,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in line:
                line[key] = value
        return json.dumps(line, ensure_ascii=False, default=str)
