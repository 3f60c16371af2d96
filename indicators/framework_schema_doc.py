"""The reference of every key of a framework file, rendered from `framework.schema.json` into
docs/framework-format.md (between the markers below) by `manage.py framework_schema_doc`; a test keeps the page
in step with the schema. Pure Python, no Django.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .framework_schema import framework_schema, resolved

PAGE = Path(__file__).resolve().parents[1] / "docs" / "framework-format.md"
START = ("<!-- Generated from indicators/framework.schema.json by `manage.py framework_schema_doc`: "
         "edit the schema, not this section. -->")
END = "<!-- End of the generated section. -->"
TEXTS = ("name", "definition", "label", "message", "optional_text", "unit")
"""Definitions of texts in two languages: shown as one value, not as their `zh` and `en` keys."""
SECTIONS = (
    (None, "The file"),
    ("method", "`method`"),
    ("outlier_rule", "`method.outlier_rule`"),
    ("sensitivity", "`method.sensitivity`"),
    ("uncertain_weights", "`method.sensitivity.weights`"),
    ("dimension", "Each of `dimensions[]`"),
    ("indicator", "Each of `dimensions[].indicators[]`"),
    ("normalisation", "`dimensions[].indicators[].normalisation`"),
    ("outlier_treatment", "`dimensions[].indicators[].outliers` (and `method.sensitivity.outliers`)"),
    ("rule", "Each of `rules[]`"),
    ("band", "Each of `bands[]`"),
)
"""(definition of the schema, heading): the mappings of a file, each in a table."""


class SchemaOutOfStep(Exception):
    """The page lacks the markers between which the reference is written."""


def reference() -> str:
    """The generated section, markers included."""
    lines = [START, ""]
    for definition, title in SECTIONS:
        schema = framework_schema() if definition is None else framework_schema()["$defs"][definition]
        lines += [f"#### {title}", ""]
        if definition is not None and "description" in schema:
            lines += [schema["description"], ""]
        lines += ["| key | value | required | default | meaning |", "|---|---|---|---|---|"]
        lines += _rows(schema)
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def with_reference(page: str) -> str:
    """`page` with its generated section replaced by the current one."""
    before, start, rest = page.partition(START)
    _, end, after = rest.partition(END)
    if not start or not end:
        raise SchemaOutOfStep(f"the page has no section between {START!r} and {END!r}")
    return before + reference() + after


def _rows(schema: dict[str, Any]) -> Iterator[str]:
    required = set(schema.get("required", ()))
    for key, spec in schema["properties"].items():
        full = resolved(spec)
        default = f"`{json.dumps(full['default'], ensure_ascii=False)}`" if "default" in full else ""
        yield (f"| `{key}` | {_value(spec)} | {'yes' if key in required else 'no'} | {default} | "
               f"{full.get('description', '')} |")


def _value(spec: dict[str, Any]) -> str:
    reference_name = spec.get("$ref", "").rpartition("/")[2]
    full = resolved(spec)
    if reference_name in TEXTS:
        limit = full["properties"]["zh"]["maxLength"]
        optional = " or `null`" if "null" in full["type"] else ""
        return f"text in `zh`, `en` or both, ≤ {limit:,} characters{optional}"
    if "properties" in full:
        return "mapping (keys below)" + (" or `null`" if "null" in full["type"] else "")
    if "oneOf" in full:
        return " or ".join(_value(option) for option in full["oneOf"])
    if reference_name == "matrix":
        return "square matrix (list of rows) of positive numbers, or `null`"
    if "const" in full:
        return f"exactly `{full['const']}`"
    if "enum" in full:
        return "one of " + ", ".join(f"`{v if isinstance(v, str) else json.dumps(v)}`" for v in full["enum"])
    types = [full["type"]] if isinstance(full.get("type"), str) else list(full.get("type", []))
    if "array" in types:
        return _array(full)
    text = " or ".join(_type(name, full) for name in types if name != "null")
    return text + (" or `null`" if "null" in types else "")


def _type(name: str, schema: dict[str, Any]) -> str:
    if name == "string":
        if schema.get("pattern", "").startswith("^"):
            return f"code matching `{schema['pattern']}`"
        return f"text, ≤ {schema['maxLength']:,} characters" if "maxLength" in schema else "text"
    if name == "boolean":
        return "`true` or `false`"
    word = "whole number" if name == "integer" else "number"
    return word + _range(schema)


def _range(schema: dict[str, Any]) -> str:
    low = ("[", schema["minimum"]) if "minimum" in schema else (
        ("(", schema["exclusiveMinimum"]) if "exclusiveMinimum" in schema else None)
    high = ("]", schema["maximum"]) if "maximum" in schema else (
        (")", schema["exclusiveMaximum"]) if "exclusiveMaximum" in schema else None)
    if low and high:
        return f" in {low[0]}{_number(low[1])}, {_number(high[1])}{high[0]}"
    if low:
        return f" {'≥' if low[0] == '[' else '>'} {_number(low[1])}"
    return ""


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _array(schema: dict[str, Any]) -> str:
    if "prefixItems" in schema:
        return "[" + ", ".join(_value(item) for item in schema["prefixItems"]) + "]"
    items = schema["items"]
    name = items.get("$ref", "").rpartition("/")[2]
    what = f"`{name}` mappings (keys below)" if name in framework_schema()["$defs"] and name != "code" else (
        "indicator codes" if name == "code" else _value(items))
    least = schema.get("minItems", 0)
    return f"list of {what}" + (f", at least {least}" if least else "")
