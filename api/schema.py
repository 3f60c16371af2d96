"""OpenAPI pieces shared by the views: the Bearer scheme, the error body and the error responses."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


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
    by = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    subject = serializers.CharField(help_text="The indicator code, or `status`.")
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    version = serializers.IntegerField(allow_null=True, help_text="The submission's version after this change.")


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
    409: ("stale_version", "Someone saved this submission after you opened it; your changes were not saved.", {}),
    429: ("throttled", "Request was throttled. Expected available in 12 seconds.", {}),
}
DESCRIPTIONS = {
    400: "Invalid input; `fields` names each field at fault.",
    401: "No token, an unknown token or a revoked one (`token_revoked`).",
    403: "Your roles do not allow this here; `message` says why.",
    404: "No such object in your regions (objects outside them are not revealed).",
    409: "The state changed or does not allow this (stale version, locked values, refused workflow step).",
    429: "Too many requests for this token; see the Retry-After header.",
}


def errors(*codes: int, conflict: bool = False) -> dict[tuple[int, str], OpenApiResponse]:
    """Error responses in the common format (always JSON, also for `?format=csv`), for
    `extend_schema(responses={**ok, **errors(400, 404)})`. 401 and 429 are added to every operation."""
    out = {}
    for code in sorted({*codes, 401, 429}):
        error_code, message, fields = EXAMPLES[code]
        out[(code, "application/json")] = OpenApiResponse(
            ConflictSerializer if code == 409 and conflict else ErrorSerializer, description=DESCRIPTIONS[code],
            examples=[OpenApiExample(f"{code} {error_code}", value={"code": error_code, "message": message,
                                                                    "fields": fields}, status_codes=[code])])
    return out
