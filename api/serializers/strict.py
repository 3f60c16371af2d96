"""Request bodies read strictly: every JSON type as documented, and no field the body does not have.

DRF is lenient by default: a `CharField` takes `5` as "5", an `IntegerField` takes "3" and `true`, and a field
a serializer does not declare is dropped without a word (so that a client sending `"dry_run": true` in the body
believed it ran a dry run while it wrote). Bodies built from these refuse all of that with a 400 `invalid`
naming the path of each fault (`values[2].note`), and their schema says so (`additionalProperties: false`).
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers


class TextOnly(serializers.CharField):
    """A JSON string; a number or a boolean is refused, not turned into text."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumber(serializers.IntegerField):
    """A JSON integer: `"3"`, `3.0` and `true` are refused (OpenAPI 3.0 takes none of them as an integer)."""

    def to_internal_value(self, data: object) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ClosedSerializer(serializers.Serializer):
    """An object that takes only its declared fields: any other is refused by name. `hints` may say, per
    misplaced field, where it belongs; `schema_extra` states in the schema what the fields alone do not (one of
    two fields required)."""

    hints: Mapping[str, Any] = {}
    """Field name → a (lazy) text."""
    schema_extra: Mapping[str, Any] = {}

    def to_internal_value(self, data: Any) -> Any:
        unknown = [name for name in data if name not in self.fields] if isinstance(data, Mapping) else []
        errors = {str(name): [self.hints.get(name) or _("Unknown field; the fields here are: %(names)s.") % {
            "names": ", ".join(self.fields)}] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as refused:
            if errors and isinstance(refused.detail, dict):
                raise serializers.ValidationError({**refused.detail, **errors}) from refused
            raise
        if errors:
            raise serializers.ValidationError(errors)
        return value


class ClosedSerializerSchema(OpenApiSerializerExtension):
    """The schema of a ClosedSerializer: its fields, and `additionalProperties: false` (without the docstring of
    ClosedSerializer itself, which is not about the body)."""

    target_class = ClosedSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if type(self.target).__doc__ is None:
            schema.pop("description", None)
        return {**schema, **type(self.target).schema_extra, "additionalProperties": False}


class ExactChoice(serializers.ChoiceField):
    """A choice in a query string taken as sent: an empty `?dry_run=` is refused, not read as absent (DRF's
    reading of an HTML form)."""

    def get_value(self, dictionary: Mapping[str, Any]) -> Any:
        return dictionary.get(self.field_name or "", serializers.empty)
