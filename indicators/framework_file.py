"""Read, check and write framework files (`smartgov-framework/1`, see docs/framework-format.md).

Pure Python, no Django: a notebook or the reference tests can turn a file into a `FrameworkSpec` directly.
`parse_framework` returns a *canonical* document (every optional field filled in, numbers as floats), so
that exporting what was imported gives back the same document.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeAlias

import yaml

from smartgov.errors import DomainError, ErrorCode

from .scoring import InconsistentMatrix, check_consistency
from .scoring.spec import BandSpec, DimensionSpec, FrameworkSpec, IndicatorSpec, NormalisationSpec
from .vocabulary import AGGREGATIONS, DATA_TYPES, DIRECTIONS, NORMALISATIONS, RULE_OPERATORS, SEVERITIES, WEIGHTINGS

FORMAT = "smartgov-framework/1"
WEIGHT_TOLERANCE = 1e-6
CODE = re.compile(r"^[A-Za-z0-9_-]{1,60}$")

Document: TypeAlias = dict[str, Any]
"""A framework file as parsed from YAML or JSON (and, canonical, as `parse_framework` returns it)."""
Errors: TypeAlias = list[tuple[str, str]]
"""(field path, reason) pairs."""


class FrameworkFileError(DomainError):
    """The file is refused; `errors` lists (field path, reason) pairs."""

    code = ErrorCode.FRAMEWORK_INVALID

    def __init__(self, errors: Errors) -> None:
        fields: dict[str, list[str]] = {}
        for path, reason in errors:
            fields.setdefault(path, []).append(reason)
        super().__init__("; ".join(f"{path}: {reason}" for path, reason in errors), fields=fields)
        self.errors = errors


class _Checker:
    def __init__(self) -> None:
        self.errors: Errors = []

    def fail(self, path: str, reason: str) -> None:
        self.errors.append((path, reason))

    def mapping(self, data: object, path: str) -> Document:
        if not isinstance(data, dict):
            self.fail(path or "(file)", "must be a mapping")
            return {}
        return data

    def text(self, data: Document, key: str, path: str, *, required: bool = True, max_length: int = 500) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(f"{path}{key}", "is required")
            return ""
        if not isinstance(value, str):
            self.fail(f"{path}{key}", "must be text")
            return ""
        if len(value) > max_length:
            self.fail(f"{path}{key}", f"must be at most {max_length} characters")
        return value.strip()

    def code(self, data: Document, key: str, path: str) -> str:
        value = self.text(data, key, path, max_length=60)
        if value and not CODE.match(value):
            self.fail(f"{path}{key}", "may hold only letters, digits, '-' and '_'")
        return value

    def bilingual(self, data: Document, key: str, path: str, *, required: bool = True, max_length: int = 500
                  ) -> dict[str, str]:
        value = data.get(key)
        if value is None and not required:
            return {"zh": "", "en": ""}
        value = self.mapping(value, f"{path}{key}")
        return {
            lang: self.text(value, lang, f"{path}{key}.", required=required, max_length=max_length)
            for lang in ("zh", "en")
        }

    def number(self, data: Document, key: str, path: str, *, required: bool = True, default: float | None = None,
               low: float | None = None, high: float | None = None) -> float | None:
        value = data.get(key)
        if value is None:
            if required and default is None:
                self.fail(f"{path}{key}", "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(f"{path}{key}", "must be a number")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail(f"{path}{key}", f"must be between {low} and {high}")
        return float(value)

    def choice(self, data: Document, key: str, path: str, choices: Sequence[str], default: str | None = None
               ) -> Any:
        value = data.get(key, default)
        if value not in choices:
            self.fail(f"{path}{key}", f"must be one of {', '.join(choices)}")
        return value

    def boolean(self, data: Document, key: str, path: str, default: bool) -> Any:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{path}{key}", "must be true or false")
        return value

    def matrix(self, data: Document, key: str, path: str, weights: Sequence[float | None], name: str
               ) -> list[list[float]] | None:
        """An AHP matrix: square, reciprocal, CR < 0.10, and giving the weights the file states."""
        value = data.get(key)
        if value is None:
            return None
        size = len(weights)
        rows = value if isinstance(value, list) else None
        if rows is None or len(rows) != size or any(not isinstance(r, list) or len(r) != size for r in rows):
            self.fail(f"{path}{key}", f"must be a {size}×{size} matrix")
            return None
        try:
            derived = check_consistency(rows, name).weights
        except (InconsistentMatrix, TypeError, ValueError) as error:
            self.fail(f"{path}{key}", str(error))
            return None
        stated = [w for w in weights if w is not None]
        if len(stated) == size and max(abs(d - w) for d, w in zip(derived, stated, strict=True)) > 1e-3:
            self.fail(f"{path}{key}", "the weights must be the ones this matrix gives: "
                      + ", ".join(f"{d:.4f}" for d in derived))
        return [[float(x) for x in row] for row in rows]

    def weights_sum(self, weights: Sequence[float | None], path: str, what: str) -> None:
        stated = [w for w in weights if w is not None]
        if len(stated) == len(weights) and abs(sum(stated) - 1) > WEIGHT_TOLERANCE:
            self.fail(path, f"the weights of {what} must sum to 1 (they sum to {sum(stated):.6g})")


def parse_framework(data: object) -> Document:
    """Check a framework document and return its canonical form, or raise FrameworkFileError."""
    check = _Checker()
    data = check.mapping(data, "")
    if data.get("format") != FORMAT:
        check.fail("format", f"must be {FORMAT}")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        check.fail("version", "must be a positive whole number")
    method = check.mapping(data.get("method", {}), "method")
    document: Document = {
        "format": FORMAT,
        "code": check.code(data, "code", ""),
        "version": version,
        "name": check.bilingual(data, "name", "", max_length=200),
        "description": check.bilingual(data, "description", "", required=False, max_length=5000),
        "method": {
            "aggregation": check.choice(method, "aggregation", "method.", AGGREGATIONS, "arithmetic"),
            "weighting": check.choice(method, "weighting", "method.", WEIGHTINGS, "expert"),
            "entropy_standardise": check.boolean(method, "entropy_standardise", "method.", True),
            "combine_alpha": check.number(method, "combine_alpha", "method.", default=0.5, low=0, high=1),
            "min_share": check.number(method, "min_share", "method.", default=0.75, low=0.01, high=1),
            "anomaly_threshold": check.number(method, "anomaly_threshold", "method.", default=0.5, low=0.01, high=100),
            "rank_decimals": method.get("rank_decimals"),
            "dimension_pairwise": None,
        },
    }
    canonical_method = document["method"]
    rank_decimals = canonical_method["rank_decimals"]
    if rank_decimals is not None and (isinstance(rank_decimals, bool) or not isinstance(rank_decimals, int)
                                      or not 0 <= rank_decimals <= 10):
        check.fail("method.rank_decimals", "must be empty or a whole number from 0 to 10")

    dimensions = data.get("dimensions")
    if not isinstance(dimensions, list) or not dimensions:
        check.fail("dimensions", "must be a non-empty list")
        dimensions = []
    document["dimensions"] = [_parse_dimension(check, d, f"dimensions[{i}].") for i, d in enumerate(dimensions)]
    canonical_method["dimension_pairwise"] = check.matrix(
        method, "dimension_pairwise", "method.", [d["weight"] for d in document["dimensions"]], "dimensions"
    )
    check.weights_sum([d["weight"] for d in document["dimensions"]], "dimensions", "the dimensions")
    _check_unique(check, [d["code"] for d in document["dimensions"]], "dimensions", "dimension")
    _check_unique(
        check, [i["code"] for d in document["dimensions"] for i in d["indicators"]], "dimensions", "indicator"
    )
    if canonical_method["weighting"] == "ahp":
        if canonical_method["dimension_pairwise"] is None and len(dimensions) > 1:
            check.fail("method.dimension_pairwise", "is required when weighting is ahp")
        for i, dimension in enumerate(document["dimensions"]):
            if dimension["pairwise"] is None and len(dimension["indicators"]) > 1:
                check.fail(f"dimensions[{i}].pairwise", "is required when weighting is ahp")

    rules = data.get("rules", [])
    if not isinstance(rules, list):
        check.fail("rules", "must be a list")
        rules = []
    codes = {i["code"] for d in document["dimensions"] for i in d["indicators"]}
    document["rules"] = [_parse_rule(check, r, f"rules[{i}].", codes) for i, r in enumerate(rules)]
    _check_unique(check, [r["code"] for r in document["rules"]], "rules", "rule")

    bands = data.get("bands")
    if not isinstance(bands, list) or not bands:
        check.fail("bands", "must be a non-empty list")
        bands = []
    document["bands"] = [_parse_band(check, b, f"bands[{i}].") for i, b in enumerate(bands)]
    _check_bands(check, document["bands"])

    if check.errors:
        raise FrameworkFileError(check.errors)
    return document


def _parse_dimension(check: _Checker, data: object, path: str) -> Document:
    data = check.mapping(data, path.rstrip("."))
    indicators = data.get("indicators")
    if not isinstance(indicators, list) or not indicators:
        check.fail(f"{path}indicators", "must be a non-empty list")
        indicators = []
    dimension: Document = {
        "code": check.code(data, "code", path),
        "name": check.bilingual(data, "name", path, max_length=200),
        "description": check.bilingual(data, "description", path, required=False, max_length=5000),
        "weight": check.number(data, "weight", path, low=0, high=1),
        "pairwise": None,
        "indicators": [_parse_indicator(check, d, f"{path}indicators[{i}].") for i, d in enumerate(indicators)],
    }
    dimension["pairwise"] = check.matrix(
        data, "pairwise", path, [i["weight"] for i in dimension["indicators"]], f"dimension {dimension['code']}"
    )
    check.weights_sum([i["weight"] for i in dimension["indicators"]], f"{path}indicators",
                      f"dimension {dimension['code']}'s indicators")
    return dimension


def _parse_indicator(check: _Checker, data: object, path: str) -> Document:
    data = check.mapping(data, path.rstrip("."))
    normalisation = check.mapping(data.get("normalisation", {}), f"{path}normalisation")
    npath = f"{path}normalisation."
    indicator = {
        "code": check.code(data, "code", path),
        "name": check.bilingual(data, "name", path, max_length=200),
        "definition": check.bilingual(data, "definition", path, max_length=5000),
        "unit": check.bilingual(data, "unit", path, required=False, max_length=40),
        "data_type": check.choice(data, "data_type", path, DATA_TYPES, "number"),
        "direction": check.choice(data, "direction", path, DIRECTIONS, "higher"),
        "normalisation": {
            "method": check.choice(normalisation, "method", npath, NORMALISATIONS, "minmax_fixed"),
            "lower": check.number(normalisation, "lower", npath, required=False),
            "upper": check.number(normalisation, "upper", npath, required=False),
            "target": check.number(normalisation, "target", npath, required=False),
        },
        "weight": check.number(data, "weight", path, low=0, high=1),
        "valid_range": _parse_range(check, data, f"{path}valid_range"),
        "source": check.text(data, "source", path),
        "evidence_required": check.boolean(data, "evidence_required", path, False),
    }
    norm = indicator["normalisation"]
    if norm["method"] == "minmax_fixed":
        if norm["lower"] is None or norm["upper"] is None:
            check.fail(f"{npath}lower", "minmax_fixed needs both goalposts, lower and upper")
        elif norm["lower"] >= norm["upper"]:
            check.fail(f"{npath}lower", "must be less than upper")
    if norm["method"] == "target" and norm["target"] is None:
        check.fail(f"{npath}target", "is required for target normalisation")
    return indicator


def _parse_range(check: _Checker, data: Document, path: str) -> list[float | None]:
    value = data.get("valid_range", [None, None])
    if not isinstance(value, list) or len(value) != 2:
        check.fail(path, "must be [min, max]; either may be null")
        return [None, None]
    low, high = (check.number({"v": v}, "v", f"{path}.", required=False) for v in value)
    if low is not None and high is not None and low > high:
        check.fail(path, "min must not exceed max")
    return [low, high]


def _parse_rule(check: _Checker, data: object, path: str, indicator_codes: Collection[str]) -> Document:
    data = check.mapping(data, path.rstrip("."))
    rule = {
        "code": check.code(data, "code", path),
        "left": _indicator_list(check, data, "left", path, indicator_codes, required=True),
        "operator": check.choice(data, "operator", path, RULE_OPERATORS),
        "right": _indicator_list(check, data, "right", path, indicator_codes, required=False),
        "constant": check.number(data, "constant", path, default=0.0),
        "severity": check.choice(data, "severity", path, SEVERITIES, "error"),
        "message": check.bilingual(data, "message", path, max_length=300),
    }
    return rule


def _indicator_list(check: _Checker, data: Document, key: str, path: str, indicator_codes: Collection[str], *,
                    required: bool) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value) or (required and not value):
        check.fail(f"{path}{key}", "must be a list of indicator codes" + ("" if not required else ", not empty"))
        return []
    for code in value:
        if code not in indicator_codes:
            check.fail(f"{path}{key}", f"{code} is not an indicator of this framework")
    return value


def _parse_band(check: _Checker, data: object, path: str) -> Document:
    data = check.mapping(data, path.rstrip("."))
    level = data.get("level")
    if isinstance(level, bool) or not isinstance(level, int) or level < 1:
        check.fail(f"{path}level", "must be a positive whole number")
    return {
        "level": level,
        "min_score": check.number(data, "min_score", path, low=0, high=100),
        "label": check.bilingual(data, "label", path, max_length=60),
        "description": check.bilingual(data, "description", path, required=False, max_length=2000),
    }


def _check_bands(check: _Checker, bands: Sequence[Document]) -> None:
    if not bands:
        return
    if [b["level"] for b in bands] != list(range(1, len(bands) + 1)):
        check.fail("bands", "levels must be 1, 2, 3, … in order")
    scores = [b["min_score"] for b in bands]
    if None in scores:
        return
    if scores[0] != 0:
        check.fail("bands[0].min_score", "the first band must start at 0")
    if any(later <= earlier for earlier, later in pairwise(scores)):
        check.fail("bands", "min_score must rise strictly from band to band")


def _check_unique(check: _Checker, codes: Iterable[str], path: str, what: str) -> None:
    seen = set()
    for code in codes:
        if code and code in seen:
            check.fail(path, f"{what} code {code} appears more than once")
        seen.add(code)


def load_framework_text(text: str) -> Document:
    """Parse YAML or JSON text (JSON is YAML) and check it."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FrameworkFileError([("(file)", f"is not valid YAML or JSON: {error}")]) from error
    return parse_framework(data)


def load_framework_file(path: str | Path) -> Document:
    return load_framework_text(Path(path).read_text(encoding="utf-8"))


def dump_framework(document: Document, *, as_json: bool = False) -> str:
    if as_json:
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def document_spec(document: Document) -> FrameworkSpec:
    """The scoring engine's view of a checked framework document."""
    method = document["method"]

    def matrix(rows: Sequence[Sequence[float]] | None) -> tuple[tuple[float, ...], ...] | None:
        return None if rows is None else tuple(tuple(row) for row in rows)

    return FrameworkSpec(
        code=document["code"],
        version=document["version"],
        dimensions=tuple(
            DimensionSpec(code=d["code"], weight=d["weight"], pairwise=matrix(d["pairwise"]))
            for d in document["dimensions"]
        ),
        indicators=tuple(
            IndicatorSpec(
                code=i["code"],
                dimension=d["code"],
                weight=i["weight"],
                direction=i["direction"],
                normalisation=NormalisationSpec(**i["normalisation"]),
            )
            for d in document["dimensions"]
            for i in d["indicators"]
        ),
        bands=tuple(BandSpec(level=b["level"], min_score=b["min_score"], label=b["label"]["zh"])
                    for b in document["bands"]),
        aggregation=method["aggregation"],
        weighting=method["weighting"],
        entropy_standardise=method["entropy_standardise"],
        combine_alpha=method["combine_alpha"],
        min_share=method["min_share"],
        rank_decimals=method["rank_decimals"],
        dimension_pairwise=matrix(method["dimension_pairwise"]),
    )
