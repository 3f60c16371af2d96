"""One error format for every answer that is not a success:

    {"code": "values_invalid", "message": "…", "fields": {"values[3].value": ["…"]}}

`code` is stable and meant for programs (`smartgov.errors.ErrorCode`, plus DRF's own for authentication,
throttling and parsing), `message` is for people (in the request's language), `fields` names the input each
reason is about (empty when the error is about no field). A 409 `stale_version` adds `current_version` and
`changes`. The services' refusals (`smartgov.errors.DomainError`) are rendered here as the pages render them,
except where a page's message tells its reader what to do on the page (`_domain_body`); DRF's and Django's own
errors are put in the same shape.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from smartgov.errors import DomainError, ErrorCode, error_body
from smartgov.middleware import too_large
from smartgov.outages import RETRY_AFTER_SECONDS, log_outage, outage_of, unavailable

from .schema import ChangeSerializer

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception becomes the one error format; nothing leaks a traceback."""
    set_rollback()
    if service := outage_of(exc):  # the database or the broker is missing: 503, to be tried again
        log_outage(service, exc, getattr(context.get("request"), "_request", None))
        return Response(error_body(unavailable(service)), status=503,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    response = _answer(exc)
    if response is None:
        view = context.get("view")
        logger.exception("unexpected error in %s", type(view).__name__ if view else "the API", exc_info=exc)
        response = error_response(500, "server_error",
                                  _("An unexpected error occurred. It has been logged; please try again later."))
    return response


class FormatNotOffered(exceptions.NotAcceptable):
    """`?format=xml` where the endpoint has no such format: 406 `not_acceptable` naming `format` (DRF's own
    content negotiation answers a 404)."""

    def __init__(self, asked: str, offered: list[str]) -> None:
        message = _("“%(format)s” is not a format of this endpoint; use one of: %(offered)s.") % {
            "format": asked, "offered": ", ".join(offered)}
        super().__init__(message)
        self.fields = {"format": [message]}


def error_response(status_code: int, code: str, message: object, fields: dict[str, list[str]] | None = None,
                   headers: dict[str, str] | None = None, **extra: Any) -> Response:
    return Response({"code": code, "message": str(message), "fields": fields or {}, **extra},
                    status=status_code, headers=headers)


def _answer(exc: Exception) -> Response | None:
    if isinstance(exc, RequestDataTooBig):  # the fields of a multipart body (smartgov.middleware refuses the rest)
        exc = too_large()
    if isinstance(exc, DomainError):
        return Response(_domain_body(exc), status=exc.status)
    if isinstance(exc, exceptions.ValidationError):
        return error_response(400, "invalid", _("The request is not valid: see the reasons given per field."),
                              flatten(exc.detail))
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if auth_header := getattr(exc, "auth_header", None):  # NotAuthenticated, AuthenticationFailed
            headers["WWW-Authenticate"] = auth_header
        if wait := getattr(exc, "wait", None):  # Throttled
            headers["Retry-After"] = str(int(wait))
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        return error_response(exc.status_code, code, _detail_text(exc.detail), getattr(exc, "fields", None),
                              headers=headers)
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
    return None


def _domain_body(error: DomainError) -> dict[str, Any]:
    body = error_body(error)
    if error.code == ErrorCode.STALE_VERSION:
        # The page lists the changes below its message and asks to reload it; a client is told to GET again.
        body["message"] = _("The submission is at version %(version)s, not at the version you sent; `changes` "
                            "lists what changed since yours. GET the submission again for its current version, "
                            "then send your request with it.") % {"version": body.get("current_version")}
        body["changes"] = ChangeSerializer(getattr(error, "changes", []), many=True).data
    return body


def _detail_text(detail: object) -> str:
    if isinstance(detail, list | tuple):
        return " ".join(_detail_text(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(_detail_text(d) for d in detail.values())
    return str(detail)


def flatten(detail: object, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"values[3].value": ["reason", …]}; reasons about no field under
    "non_field_errors"."""
    out: dict[str, list[str]] = {}
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
