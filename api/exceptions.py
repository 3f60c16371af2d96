"""One error format for every answer that is not a success:

    {"code": "values_invalid", "message": "…", "fields": {"values[3].value": ["…"]}}

`code` is stable and meant for programs, `message` is for people (in the request's language), `fields` names
the input each reason is about (empty when the error is about no field). A 409 may add `changes`.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from assessments.services import EntryLocked, ScoringRefused, StaleEdit, ValuesInvalid
from assessments.workflow import WorkflowRefused

logger = logging.getLogger(__name__)


class ApiError(exceptions.APIException):
    """An error with its code, message, field reasons and any extra keys, as the API answers it."""

    def __init__(self, *, status_code: int, code: str, message, fields=None, **extra):
        super().__init__(detail=str(message), code=code)
        self.status_code, self.code, self.message = status_code, code, str(message)
        self.fields, self.extra = fields or {}, extra


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception becomes the one error format; nothing leaks a traceback."""
    set_rollback()
    response = _answer(exc)
    if response is None:
        view = context.get("view")
        logger.exception("unexpected error in %s", type(view).__name__ if view else "the API", exc_info=exc)
        response = error_response(500, "server_error",
                                  _("An unexpected error occurred. It has been logged; please try again later."))
    return response


def error_response(status_code, code, message, fields=None, headers=None, **extra):
    return Response({"code": code, "message": str(message), "fields": fields or {}, **extra},
                    status=status_code, headers=headers)


def _answer(exc):
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.code, exc.message, exc.fields, **exc.extra)
    if isinstance(exc, exceptions.ValidationError):
        return error_response(400, "invalid", _("The request is not valid: see the reasons given per field."),
                              flatten(exc.detail))
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        return error_response(exc.status_code, code, _detail_text(exc.detail), headers=headers)
    if isinstance(exc, Http404):
        return error_response(404, "not_found", _("Not found, or not in your regions."))
    if isinstance(exc, DjangoPermissionDenied):
        return error_response(403, "permission_denied", str(exc) or _("You may not do this."))
    if isinstance(exc, DjangoValidationError):
        fields = ({k: [str(m) for m in v] for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict")
                  else {})
        message = " ".join(exc.messages) if not fields else _("The request is not valid: see the reasons given "
                                                               "per field.")
        return error_response(400, "invalid", message, fields)
    if isinstance(exc, ValuesInvalid):
        return error_response(400, "values_invalid", _("Some values were refused; nothing was saved."),
                              {code: [str(reason)] for code, reason in exc.errors.items()})
    if isinstance(exc, StaleEdit):
        return error_response(409, "stale_version", str(exc), changes=[change_of(e) for e in exc.changes])
    if isinstance(exc, EntryLocked):
        return error_response(409, "locked", str(exc))
    if isinstance(exc, WorkflowRefused):
        return error_response(409, "workflow_refused", str(exc))
    if isinstance(exc, ScoringRefused):
        return error_response(409, "scoring_refused", str(exc))
    return None


def _detail_text(detail):
    if isinstance(detail, list | tuple):
        return " ".join(_detail_text(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(_detail_text(d) for d in detail.values())
    return str(detail)


def flatten(detail, prefix=""):
    """DRF's nested error detail as {"values[3].value": ["reason", …]}; reasons about no field under
    "non_field_errors"."""
    out = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors" and prefix:
                name = prefix
            elif isinstance(key, int) or str(key).isdigit():
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, reasons in flatten(value, name).items():
                out.setdefault(field, []).extend(reasons)
    elif isinstance(detail, list) and any(isinstance(d, dict | list) for d in detail):
        for index, value in enumerate(detail):
            for field, reasons in flatten(value, f"{prefix}[{index}]").items():
                out.setdefault(field, []).extend(reasons)
    elif isinstance(detail, list):
        if detail:
            out[prefix or "non_field_errors"] = [str(d) for d in detail]
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def change_of(event) -> dict:
    """An audit event as the API shows it in a 409: who changed what, when, from what to what."""
    actor = event.actor
    return {"by": (actor.get_full_name() or actor.get_username()) if actor else None, "at": event.at.isoformat(),
            "subject": event.subject, "old": event.old, "new": event.new, "version": event.submission_version}
