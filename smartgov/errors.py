"""One error model for the whole platform.

A service that refuses something raises a `DomainError` (or one of its kinds below): a stable `code` for
programs, a `message` for people (already translated), optional `fields` naming the input each reason is about,
and any `extra` facts that belong in a JSON answer (the version a stale edit should have had). The code decides
the HTTP status; subclasses may carry more for the pages (the changes behind a stale version, the dry run
behind a refused import). Pages (`smartgov.middleware`), JSON endpoints and the REST API (`api.exceptions`)
render it through `error_body` and `DomainError.status`, so a refusal reads the same everywhere and never becomes a
500.

Plain Python: the framework-file reader, which runs without Django, raises these too.
"""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Every code the platform answers with. The values are part of the API: never rename one."""

    INVALID = "invalid"
    VALUES_INVALID = "values_invalid"
    FILE_REFUSED = "file_refused"
    IMPORT_REFUSED = "import_refused"
    FRAMEWORK_INVALID = "framework_invalid"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    NOT_PUBLISHED = "not_published"
    NO_RESULT = "no_result"
    LOCKED = "locked"
    STALE_VERSION = "stale_version"
    WORKFLOW_REFUSED = "workflow_refused"
    SCORING_REFUSED = "scoring_refused"
    FRAMEWORK_LOCKED = "framework_locked"
    REPORT_REFUSED = "report_refused"
    NOT_READY = "not_ready"
    SATISFACTION_REFUSED = "satisfaction_refused"
    SURVEY_CLOSED = "survey_closed"
    ALREADY_ANSWERED = "already_answered"
    TOO_MANY_RESPONSES = "too_many_responses"
    UNAVAILABLE = "unavailable"
    TOO_LARGE = "too_large"
    SERVER_ERROR = "server_error"


STATUS = {
    ErrorCode.INVALID: 400,
    ErrorCode.VALUES_INVALID: 400,
    ErrorCode.FILE_REFUSED: 400,
    ErrorCode.IMPORT_REFUSED: 400,
    ErrorCode.FRAMEWORK_INVALID: 400,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.NOT_PUBLISHED: 404,
    ErrorCode.NO_RESULT: 404,
    ErrorCode.LOCKED: 409,
    ErrorCode.STALE_VERSION: 409,
    ErrorCode.WORKFLOW_REFUSED: 409,
    ErrorCode.SCORING_REFUSED: 409,
    ErrorCode.FRAMEWORK_LOCKED: 409,
    ErrorCode.REPORT_REFUSED: 409,
    ErrorCode.NOT_READY: 409,
    ErrorCode.SATISFACTION_REFUSED: 409,
    ErrorCode.SURVEY_CLOSED: 409,
    ErrorCode.ALREADY_ANSWERED: 409,
    ErrorCode.TOO_MANY_RESPONSES: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.SERVER_ERROR: 500,
}
"""The HTTP status each code maps to: 400 the input is wrong, 403 not for this user, 404 nothing (visible) there,
409 the state of things refuses it, 413 the request body is too large, 429 too often, 500 a failure of ours (no
refusal raises it: the error pages answer it, smartgov.error_pages), 503 a service behind the platform is missing."""


class DomainError(Exception):
    """A refusal the user can act on. Subclasses only set a default code (and carry extra facts)."""

    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: Any, *, code: ErrorCode | None = None,
                 fields: dict[str, list[Any]] | None = None, **extra: Any):
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = ErrorCode(code)
        self.fields = fields or {}
        self.extra = extra

    @property
    def status(self) -> int:
        return STATUS[self.code]


class Invalid(DomainError):
    """The input is wrong; `fields` say where."""

    code = ErrorCode.INVALID


class PermissionRefused(DomainError):
    """This user may not do this here."""

    code = ErrorCode.PERMISSION_DENIED


class NotFound(DomainError):
    """Nothing there, or nothing the user may see (the two are not told apart)."""

    code = ErrorCode.NOT_FOUND


class Refused(DomainError):
    """The state of things does not allow it now; the message says why and what would."""

    code = ErrorCode.WORKFLOW_REFUSED


def error_body(error: DomainError) -> dict[str, Any]:
    """The error as every JSON answer carries it: {"code", "message", "fields", …extra}."""
    fields = {name: [str(reason) for reason in reasons] for name, reasons in error.fields.items()}
    return {"code": str(error.code), "message": str(error.message), "fields": fields, **error.extra}
