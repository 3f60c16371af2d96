"""The published JSON Schema of framework files (`framework.schema.json`, draft 2020-12) and its refusals.

Every refusal is a (path, reason) pair whose path is written as the other checks write it
(`dimensions[0].indicators[2].direction`); an unknown key is refused with the nearest known one
("unknown key; did you mean `aggregation`?"), so that a misspelt key never falls back to a default unseen.
Pure Python, no Django.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

SCHEMA_FILE = Path(__file__).with_name("framework.schema.json")
TYPE_NAMES = {"string": "text", "number": "a number", "integer": "a whole number", "boolean": "true or false",
              "object": "a mapping", "array": "a list", "null": "null"}
NOT_BLANK = r"\S"
CODE_PATTERN = re.compile(r"\^\[A-Za-z0-9_-\]\{1,(\d+)\}\$")
"""The schema's pattern of codes, of at most N characters."""


@cache
def framework_schema() -> dict[str, Any]:
    """The schema as a JSON document (cached; do not change it)."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> Draft202012Validator:
    schema = framework_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def resolved(spec: dict[str, Any]) -> dict[str, Any]:
    """A property's schema merged over the definition it refers to (`$ref` to `#/$defs/…`), if any."""
    reference = spec.get("$ref")
    if reference is None:
        return spec
    return {**framework_schema()["$defs"][reference.rpartition("/")[2]], **spec}


def defaults(definition: str) -> dict[str, Any]:
    """key → default of the properties of `$defs/<definition>` that declare one (here or where they refer)."""
    properties = framework_schema()["$defs"][definition]["properties"]
    return {key: full["default"] for key, spec in properties.items() if "default" in (full := resolved(spec))}


def dotted(path: Sequence[str | int]) -> str:
    """('dimensions', 0, 'weight') → 'dimensions[0].weight'; the empty path is the file itself."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


def schema_errors(data: object) -> list[tuple[str, str]]:
    """The refusals of the schema, and of numbers that are not finite (which JSON cannot hold), in file order."""
    found: dict[tuple[str, str], tuple[Any, ...]] = {}
    for error in _validator().iter_errors(data):
        for path, reason in _explained(error):
            found.setdefault((dotted(path), reason), _position(data, path))
    for path in _not_finite(data, ()):
        found.setdefault((dotted(path), "must be a finite number"), _position(data, path))
    return sorted(found, key=found.__getitem__)


def _explained(error: ValidationError) -> Iterator[tuple[tuple[str | int, ...], str]]:
    path = tuple(error.absolute_path)
    schema, value, instance = error.schema, error.validator_value, error.instance
    if error.validator == "additionalProperties" and isinstance(schema, dict) and isinstance(instance, dict):
        known = list(schema.get("properties", {}))
        for key in instance:
            if key not in known:
                yield (*path, str(key)), _unknown_key(str(key), known)
    elif error.validator == "required" and isinstance(instance, dict):
        for key in value:
            if key not in instance:
                yield (*path, key), "is required"
    else:
        yield path, _reason(error.validator, value, schema if isinstance(schema, dict) else {})


def _unknown_key(key: str, known: list[str]) -> str:
    nearest = difflib.get_close_matches(key, known, n=1)
    if nearest:
        return f"unknown key; did you mean `{nearest[0]}`?"
    return f"unknown key; the keys here are {', '.join(known)}"


def _number(value: float) -> str:
    return f"{value:g}"


def _reason(validator: object, value: Any, schema: dict[str, Any]) -> str:
    if validator in ("type", "minimum") and schema.get("type") == "integer" and schema.get("minimum") == 1:
        return "must be a positive whole number"
    if validator == "type":
        names = [value] if isinstance(value, str) else list(value)
        return "must be " + " or ".join(TYPE_NAMES.get(name, name) for name in names)
    if validator == "enum":
        return f"must be one of {', '.join(map(str, value))}"
    if validator == "const":
        return f"must be {value}"
    if validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return _range(schema)
    if validator == "pattern":
        return _pattern(value)
    if validator == "maxLength":
        return f"must be at most {value} characters"
    if validator in ("minItems", "maxItems"):
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        if low == high:
            return f"must be a list of {low} items"
        return "must be a non-empty list" if low == 1 and high is None else f"must have {low} to {high} items"
    if validator == "minProperties":
        return "needs a text in zh, en or both"
    return f"is invalid ({validator})"


def _pattern(pattern: str) -> str:
    if pattern == NOT_BLANK:
        return "must not be blank"
    code = CODE_PATTERN.fullmatch(pattern)
    if code:
        return f"must be 1 to {code[1]} letters, digits, '-' or '_'"
    return f"must match {pattern}"


def _range(schema: dict[str, Any]) -> str:
    """'must be between 0 and 1' for an inclusive range, else e.g. 'must be more than 0 and at most 100'."""
    if "minimum" in schema and "maximum" in schema:
        return f"must be between {_number(schema['minimum'])} and {_number(schema['maximum'])}"
    bounds = [(word, schema[key]) for key, word in (("minimum", "at least"), ("exclusiveMinimum", "more than"),
                                                    ("maximum", "at most"), ("exclusiveMaximum", "less than"))
              if key in schema]
    return "must be " + " and ".join(f"{word} {_number(bound)}" for word, bound in bounds)


def _not_finite(data: object, path: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(data, float) and not math.isfinite(data):
        yield path
    elif isinstance(data, dict):
        for key, item in data.items():
            yield from _not_finite(item, (*path, str(key)))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _not_finite(item, (*path, index))


def _position(data: object, path: Sequence[str | int]) -> tuple[int, ...]:
    """Where `path` lies in the file, to list refusals in file order (a key that is not there sorts last)."""
    position = []
    for part in path:
        if isinstance(data, dict):
            keys = [str(key) for key in data]
            position.append(keys.index(str(part)) if str(part) in keys else len(keys))
            data = data.get(part) if part in data else None
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            position.append(part)
            data = data[part]
        else:
            position.append(0)
            data = None
    return tuple(position)
