"""OpenAPI pieces shared by the views: the Bearer scheme, the error body and the error responses, and the
AutoSchema of every API view, which states what the framework around the views refuses (the answers any
operation may give, the NUL character no text accepts, the length of lists)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

NO_NUL = "^[^\\u0000]*$"
"""No text accepts the NUL character (smartgov.middleware.NulCharacterMiddleware refuses it with a 400)."""


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer",
                "description": "An API token: `Authorization: Bearer <token>` (see docs/api.md)."}


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: e.g. `invalid`, `not_found`, `stale_version`.")
    message = serializers.CharField(help_text="For people, in the request's language (Accept-Language).")
    # A declared field, not Serializer.fields: DRF's metaclass takes it off the class (the stubs cannot tell).
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Reasons per input field, e.g. `values[3].value`; empty when no field is at fault.")


class ChangeSerializer(serializers.Serializer):
    """One change another client made since the version a request was based on (an audit event)."""

    by = serializers.SerializerMethodField(help_text="Who changed it (null: the platform itself).")
    at = serializers.DateTimeField(help_text="When, in the platform's time zone (+08:00).")
    subject = serializers.CharField(help_text="The indicator code, or `status`.")
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    version = serializers.IntegerField(source="submission_version", allow_null=True,
                                       help_text="The submission's version after this change.")

    def get_by(self, event: Any) -> str | None:
        actor = event.actor
        return (actor.get_full_name() or actor.get_username()) if actor is not None else None


class ConflictSerializer(ErrorSerializer):
    current_version = serializers.IntegerField(required=False, allow_null=True,
                                               help_text="The submission's version now (stale_version only).")
    changes = ChangeSerializer(many=True, required=False,
                               help_text="What others changed since the version you sent (stale_version only).")


EXAMPLES = {
    400: ("invalid", "The request is not valid: see the reasons given per field.",
          {"page_size": ["A whole number from 1 to 500 is required."]}),
    401: ("not_authenticated", "Authentication credentials were not provided.", {}),
    403: ("permission_denied", "“Approve” needs one of these roles for this region: Provincial reviewer and analyst、"
          "Platform administrator.", {}),
    404: ("not_found", "Not found, or not in your regions.", {}),
    406: ("not_acceptable", "“xml” is not a format of this endpoint; use one of: json.",
          {"format": ["“xml” is not a format of this endpoint; use one of: json."]}),
    409: ("stale_version", "The submission is at version 5, not at the version you sent; `changes` lists what "
                           "changed since yours. GET the submission again for its current version, then send your "
                           "request with it.", {"version": ["The submission is at version 5."]}),
    413: ("too_large", "The request is too large: 3.1 MB sent, at most 2.5 MB accepted. Send fewer items at a time.",
          {}),
    415: ("unsupported_media_type", "Unsupported media type \"text/plain\" in request.", {}),
    429: ("throttled", "Request was throttled. Expected available in 12 seconds.", {}),
    503: ("unavailable", "The database is unavailable for a moment, so this could not be done. Please try again in "
                         "a minute.", {}),
}
DESCRIPTIONS = {
    400: "Invalid input; `fields` names each field at fault.",
    401: "No token, an unknown token or a revoked one (`token_revoked`).",
    403: "Your roles do not allow this here; `message` says why.",
    404: "No such object in your regions (objects outside them are not revealed).",
    406: "No representation you accept: a `format` the endpoint does not offer, or an Accept header it cannot "
         "satisfy.",
    409: "The state changed or does not allow this (stale version, locked values, refused workflow step).",
    413: "The body is larger than the server accepts (2.5 MB by default); nothing was read.",
    415: "The body is not of the media type the operation reads (JSON, or multipart for uploads).",
    429: "Too many requests for this token; see the Retry-After header.",
    503: "The database or the task queue is unavailable for a moment; see the Retry-After header.",
}
EVERY_OPERATION = (400, 401, 406, 429, 503)
"""Answers any operation may give, whatever its view: a NUL character in the path or the query (refused before any
view by smartgov.middleware.NulCharacterMiddleware), authentication, content negotiation, throttling, outages."""
WITH_A_BODY = (413, 415)
"""And any operation that reads a body: too large, or not of a media type it parses."""


def error_response(code: int, *, conflict: bool = False) -> OpenApiResponse:
    error_code, message, fields = EXAMPLES[code]
    return OpenApiResponse(
        ConflictSerializer if code == 409 and conflict else ErrorSerializer, description=DESCRIPTIONS[code],
        examples=[OpenApiExample(f"{code} {error_code}", value={"code": error_code, "message": message,
                                                                "fields": fields}, status_codes=[code])])


def errors(*codes: int, conflict: bool = False) -> dict[tuple[int, str], OpenApiResponse]:
    """Error responses in the common format (always JSON, also for `?format=csv`), for
    `extend_schema(responses={**ok, **errors(400, 404)})`. ApiAutoSchema adds those of every operation."""
    return {(code, "application/json"): error_response(code, conflict=conflict) for code in sorted(set(codes))}


class ApiAutoSchema(AutoSchema):
    """The schema of an API view (`ApiView.schema`): drf-spectacular's, plus what is refused before or around
    the view — the answers of EVERY_OPERATION (and WITH_A_BODY), `minItems`/`maxItems` of lists as the
    serializers check them, and the NUL character excluded from every text of a request."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)
        codes = [*EVERY_OPERATION, *(WITH_A_BODY if self._reads_a_body() else ())]
        for code in codes:
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(error_response(code), str(code),
                                                                ["application/json"])
        return dict(sorted(bodies.items()))

    def _get_parameters(self) -> list[dict[str, Any]]:
        """An optional query parameter sent empty (`?status=`) is read as left out (django-filter's filters, DRF's
        serializers of a form's data, `format`); `page` and `page_size` are the exception (a 400)."""
        paging = self._get_pagination_parameters()
        strict = {parameter["name"] for parameter in paging}
        return [{**parameter, "allowEmptyValue": True}
                if parameter["in"] == "query" and not parameter.get("required") and parameter["name"] not in strict
                else parameter for parameter in super()._get_parameters()]

    def _reads_a_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and isinstance(schema, dict) and "$ref" not in schema:
            # What the field's validators state first (a filter's field and a dict's values are not passed to
            # _insert_field_validators otherwise; a second pass changes nothing), then what they leave out.
            self._insert_field_validators(field, schema)
            _state_request_limits(field, schema)
        return schema


def _state_request_limits(field: Any, schema: dict[str, Any]) -> None:
    kind = schema.get("type")
    if "string" in (kind if isinstance(kind, list) else [kind]) and not ({"pattern", "enum", "format"} & set(schema)):
        schema["pattern"] = NO_NUL
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        low: int | None = getattr(field, "min_length", None)
        high: int | None = getattr(field, "max_length", None)
        if not getattr(field, "allow_empty", True):
            low = max(low or 0, 1)
        if low is not None:
            schema["minItems"] = max(schema.get("minItems", 0), low)
        if high is not None:
            schema["maxItems"] = min(schema.get("maxItems", high), high)
