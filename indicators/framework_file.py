"""Read, check and write framework files (`smartgov-framework/1`, see docs/framework-format.md).

Two passes. The published JSON Schema (`framework_schema`) refuses whatever has the wrong shape, unknown keys
among them; then the checks a schema cannot express are made here: weights summing to 1, AHP matrices,
goalposts, band order, unique codes and the indicators rules name. Both name the path of every refusal.

Pure Python, no Django: a notebook or the reference tests can turn a file into a `FrameworkSpec` directly.
`parse_framework` returns a *canonical* document (every optional field filled in, both languages of every
text, every weight, numbers as floats), so that exporting what was imported gives back the same document.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Collection, Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeAlias, cast

import yaml

from smartgov.errors import DomainError, ErrorCode

from .framework_schema import defaults, schema_errors
from .scoring import InconsistentMatrix, check_consistency
from .scoring.outliers import DATA_DRIVEN
from .scoring.spec import (
    REGION_LEVELS,
    BandSpec,
    DimensionSpec,
    FrameworkSpec,
    IndicatorSpec,
    NormalisationSpec,
    OutlierRule,
    OutlierTreatment,
    SensitivitySpec,
    UncertainInputs,
)

FORMAT = "smartgov-framework/1"
WEIGHT_TOLERANCE = 1e-3
"""The weights of a level may sum to 1 ± this (1/6 typed as 0.1667); they are then rescaled to sum 1."""
ROUNDING = 1e-6
"""A sum within this of 1 is kept as written: the engine rescales each level anyway, and documents accepted
before the tolerance was widened keep their canonical form (a published framework must import unchanged)."""
MATRIX_TOLERANCE = 1e-3
"""How far stated weights may lie from those of their AHP matrix."""
NEEDS_WEIGHTS = ("expert", "combined")
"""Weightings that use the weights of the file where a level has no pairwise matrix."""

Document: TypeAlias = dict[str, Any]
"""A framework file as parsed from YAML or JSON (and, canonical, as `parse_framework` returns it)."""
Errors: TypeAlias = list[tuple[str, str]]
"""(field path, reason) pairs."""
Matrix: TypeAlias = list[list[float]]


class FrameworkFileError(DomainError):
    """The file is refused; `errors` lists (field path, reason) pairs."""

    code = ErrorCode.FRAMEWORK_INVALID

    def __init__(self, errors: Errors) -> None:
        fields: dict[str, list[str]] = {}
        for path, reason in errors:
            fields.setdefault(path, []).append(reason)
        super().__init__("; ".join(f"{path}: {reason}" for path, reason in errors), fields=fields)
        self.errors = errors


def parse_framework(data: object) -> Document:
    """Check a framework document and return its canonical form, or raise FrameworkFileError."""
    errors = schema_errors(data)
    if errors:
        raise FrameworkFileError(errors)
    data = cast(Document, data)
    method = _with_defaults("method", data.get("method", {}))
    check = _Checker(method["weighting"])
    document: Document = {
        "format": FORMAT,
        "code": data["code"],
        "version": int(data["version"]),
        "name": _texts(data["name"]),
        "description": _texts(data.get("description")),
        "method": {
            "aggregation": method["aggregation"],
            "weighting": method["weighting"],
            "entropy_standardise": method["entropy_standardise"],
            "combine_alpha": float(method["combine_alpha"]),
            "min_share": float(method["min_share"]),
            "anomaly_threshold": float(method["anomaly_threshold"]),
            "rank_decimals": None if method["rank_decimals"] is None else int(method["rank_decimals"]),
            "geometric_floor": float(method["geometric_floor"]),
            "dimension_pairwise": _matrix(method["dimension_pairwise"]),
            "outlier_rule": _outlier_rule(method["outlier_rule"]),
            "sensitivity": None,
        },
        "dimensions": [_dimension(check, d, f"dimensions[{i}]") for i, d in enumerate(data["dimensions"])],
    }
    dimensions = document["dimensions"]
    weights = check.weights(
        [d.get("weight") for d in data["dimensions"]], document["method"]["dimension_pairwise"],
        level="dimensions", items=[f"dimensions[{i}]" for i in range(len(dimensions))],
        matrix_path="method.dimension_pairwise", what="the dimensions", name="dimensions")
    for dimension, weight in zip(dimensions, weights, strict=True):
        dimension["weight"] = weight
    _check_unique(check, [d["code"] for d in dimensions], "dimensions", "dimension")
    _check_unique(check, [i["code"] for d in dimensions for i in d["indicators"]], "dimensions", "indicator")

    codes = {i["code"] for d in dimensions for i in d["indicators"]}
    document["rules"] = [_rule(check, r, f"rules[{i}]", codes) for i, r in enumerate(data.get("rules", []))]
    _check_unique(check, [r["code"] for r in document["rules"]], "rules", "rule")
    document["method"]["sensitivity"] = _sensitivity(check, method["sensitivity"], dimensions)
    document["bands"] = [_band(b, [d["code"] for d in dimensions]) for b in data.get("bands", [])]
    _check_bands(check, document["bands"], {d["code"] for d in dimensions})
    _check_levels_covered(check, dimensions)
    if check.errors:
        raise FrameworkFileError(check.errors)
    return document


def _with_defaults(definition: str, data: Document) -> Document:
    """`data` with the schema's default for each key it leaves out."""
    return {**copy.deepcopy(defaults(definition)), **data}


def _texts(value: dict[str, str] | None) -> dict[str, str]:
    """Both languages of a text: one given alone stands for both."""
    zh, en = ((value or {}).get(lang, "").strip() for lang in ("zh", "en"))
    return {"zh": zh or en, "en": en or zh}


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _matrix(rows: Sequence[Sequence[float]] | None) -> Matrix | None:
    return None if rows is None else [[float(x) for x in row] for row in rows]


class _Checker:
    def __init__(self, weighting: str) -> None:
        self.weighting = weighting
        self.errors: Errors = []

    def fail(self, path: str, reason: str) -> None:
        self.errors.append((path, reason))

    def weights(self, given: Sequence[float | None], matrix: Matrix | None, *, level: str, items: Sequence[str],
                matrix_path: str, what: str, name: str) -> list[float]:
        """The weights of one level (the dimensions, or one dimension's indicators), filled in where the file
        may leave them out: from the level's AHP matrix, 1 for a lone item, equal where the weighting does
        not use them (equal, entropy; ahp, whose missing matrix is refused)."""
        size = len(given)
        derived = None if matrix is None else self.matrix(matrix, size, matrix_path, name)
        if self.weighting == "ahp" and matrix is None and size > 1:
            self.fail(matrix_path, "is required when weighting is ahp")
        stated = [float(w) for w in given if w is not None]
        if len(stated) == size:
            weights = self.summed(stated, level, what)
            gap = 0.0 if derived is None else max(abs(d - w) for d, w in zip(derived, weights, strict=True))
            if derived is not None and gap > MATRIX_TOLERANCE:
                self.fail(matrix_path, "the weights must be the ones this matrix gives: "
                          + ", ".join(f"{d:.4f}" for d in derived))
            return weights
        if not stated and (derived is not None or size == 1 or self.weighting not in NEEDS_WEIGHTS):
            return derived if derived is not None else [1.0 / size] * size
        reason = (f"is required when weighting is {self.weighting}" if not stated and derived is None
                  else f"give a weight to all of {what} or to none")
        for path, weight in zip(items, given, strict=True):
            if weight is None:
                self.fail(f"{path}.weight", reason)
        return [1.0 / size] * size

    def summed(self, weights: list[float], level: str, what: str) -> list[float]:
        total = math.fsum(weights)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            self.fail(level, f"the weights of {what} must sum to 1 (they sum to {total:.10g})")
        elif abs(total - 1) > ROUNDING:
            return [w / total for w in weights]
        return weights

    def matrix(self, rows: Matrix, size: int, path: str, name: str) -> list[float] | None:
        """The weights an AHP matrix gives, if it is square, of the level's size, reciprocal and has CR < 0.10."""
        if len(rows) != size or any(len(row) != size for row in rows):
            self.fail(path, f"must be a {size}×{size} matrix")
            return None
        try:
            return [float(w) for w in check_consistency(rows, name).weights]
        except (InconsistentMatrix, ValueError) as error:
            self.fail(path, str(error))
            return None


def _dimension(check: _Checker, data: Document, path: str) -> Document:
    indicators = [_indicator(check, d, f"{path}.indicators[{i}]") for i, d in enumerate(data["indicators"])]
    dimension: Document = {
        "code": data["code"],
        "name": _texts(data["name"]),
        "description": _texts(data.get("description")),
        "weight": None,
        "pairwise": _matrix(data.get("pairwise")),
        "indicators": indicators,
    }
    weights = check.weights(
        [i.get("weight") for i in data["indicators"]], dimension["pairwise"], level=f"{path}.indicators",
        items=[f"{path}.indicators[{i}]" for i in range(len(indicators))], matrix_path=f"{path}.pairwise",
        what=f"dimension {data['code']}'s indicators", name=f"dimension {data['code']}")
    for indicator, weight in zip(indicators, weights, strict=True):
        indicator["weight"] = weight
    return dimension


def _indicator(check: _Checker, data: Document, path: str) -> Document:
    item = _with_defaults("indicator", data)
    norm = _with_defaults("normalisation", item.get("normalisation", {}))
    indicator = {
        "code": item["code"],
        "name": _texts(item["name"]),
        "definition": _texts(item["definition"]),
        "unit": _texts(item.get("unit")),
        "data_type": item["data_type"],
        "direction": item["direction"],
        "normalisation": {"method": norm["method"], "lower": _float(norm["lower"]), "upper": _float(norm["upper"]),
                          "target": _float(norm["target"])},
        "weight": None,
        "valid_range": [_float(v) for v in item["valid_range"]],
        "source": item["source"].strip(),
        "evidence_required": item["evidence_required"],
        "indicator_class": item["indicator_class"],
        "provenance": item["provenance"],
        "control": item["control"],
        "applies_to": None if item["applies_to"] is None else [
            level for level in REGION_LEVELS if level in item["applies_to"]],
        "calibration": (item["calibration"] or "").strip() or None,
    }
    normalisation, npath = indicator["normalisation"], f"{path}.normalisation"
    if normalisation["method"] == "minmax_fixed":
        if normalisation["lower"] is None or normalisation["upper"] is None:
            check.fail(f"{npath}.lower", "minmax_fixed needs both goalposts, lower and upper")
        elif normalisation["lower"] >= normalisation["upper"]:
            check.fail(f"{npath}.lower", "must be less than upper")
    if normalisation["method"] == "target" and normalisation["target"] is None:
        check.fail(f"{npath}.target", "is required for target normalisation")
    low, high = indicator["valid_range"]
    if low is not None and high is not None and low > high:
        check.fail(f"{path}.valid_range", "min must not exceed max")
    indicator["outliers"] = _treatment(item["outliers"])
    if indicator["outliers"]["method"] == "log" and normalisation["method"] not in DATA_DRIVEN:
        check.fail(f"{path}.outliers.method", _log_refusal(normalisation["method"]))
    return indicator


def _log_refusal(normalisation: str) -> str:
    return (f"a log treatment needs a normalisation taken from the data ({', '.join(DATA_DRIVEN)}), "
            f"not {normalisation}: goalposts and targets are in the unit of the raw values")


def _treatment(data: Document) -> Document:
    item = _with_defaults("outlier_treatment", data)
    return {"method": item["method"], "max_points": int(item["max_points"])}


def _outlier_rule(data: Document) -> Document:
    rule = {**defaults("method")["outlier_rule"], **data}
    return {"skew": float(rule["skew"]), "kurtosis": float(rule["kurtosis"])}


def _sensitivity(check: _Checker, data: Document | None, dimensions: Sequence[Document]) -> Document | None:
    """The declared uncertain inputs, every key present; None when the file declares none (the default
    analysis then runs: `scoring.spec.SensitivitySpec`)."""
    if data is None:
        return None
    path = "method.sensitivity"
    outliers = data.get("outliers", False)
    block: Document = {
        "weights": None if data.get("weights") is None else {
            "range": float(data["weights"]["range"]), "level": data["weights"].get("level", "indicator")},
        "normalisations": list(data.get("normalisations", [])),
        "aggregations": list(data.get("aggregations", [])),
        "imputation": bool(data.get("imputation", False)),
        "outliers": _treatment(outliers) if isinstance(outliers, dict) else bool(outliers),
        "exclusion": bool(data.get("exclusion", False)),
        "samples": data.get("samples"),
        "seed": data.get("seed"),
    }
    declared = [block["weights"] is not None, bool(block["normalisations"]), bool(block["aggregations"]),
                block["imputation"], block["outliers"] is not False, block["exclusion"]]
    if not any(declared):
        check.fail(path, "declare at least one uncertain input (weights, normalisations, aggregations, "
                         "imputation, outliers, exclusion), or leave the block out for the default analysis")
    indicators = [i for d in dimensions for i in d["indicators"]]
    treated = any(i["outliers"]["method"] != "none" for i in indicators)
    if block["outliers"] is True and not treated:
        check.fail(f"{path}.outliers", "no indicator declares an outlier treatment to toggle: give one here, "
                                       "e.g. {method: winsorise, max_points: 5}")
    if isinstance(block["outliers"], dict):
        if block["outliers"]["method"] == "none" and not treated:
            check.fail(f"{path}.outliers.method", "none treats nothing: give winsorise or log")
        if block["outliers"]["method"] == "log":
            _check_log_everywhere(check, f"{path}.outliers.method", block["normalisations"], indicators)
    return block


def _check_log_everywhere(check: _Checker, path: str, normalisations: Sequence[str],
                          indicators: Sequence[Document]) -> None:
    """A log treatment for every indicator needs every normalisation a run may use to be taken from the data."""
    used = {n for n in normalisations if n != "spec"}
    if not normalisations or "spec" in normalisations:
        used |= {i["normalisation"]["method"] for i in indicators if i["outliers"]["method"] == "none"}
    bad = sorted(used - set(DATA_DRIVEN))
    if bad:
        check.fail(path, _log_refusal(", ".join(bad)))


def _rule(check: _Checker, data: Document, path: str, indicator_codes: Collection[str]) -> Document:
    item = _with_defaults("rule", data)
    for key in ("left", "right"):
        for code in item[key]:
            if code not in indicator_codes:
                check.fail(f"{path}.{key}", f"{code} is not an indicator of this framework")
    return {
        "code": item["code"],
        "left": list(item["left"]),
        "operator": item["operator"],
        "right": list(item["right"]),
        "constant": float(item["constant"]),
        "severity": item["severity"],
        "message": _texts(item["message"]),
    }


def _band(data: Document, dimension_codes: Sequence[str]) -> Document:
    """A band, its gates in the order of the dimensions (those naming no dimension after them, to be refused)."""
    gates = data.get("gates", {})
    ordered = [c for c in dimension_codes if c in gates] + [c for c in gates if c not in dimension_codes]
    return {
        "level": int(data["level"]),
        "min_score": float(data["min_score"]),
        "label": _texts(data["label"]),
        "description": _texts(data.get("description")),
        "gates": {code: float(gates[code]) for code in ordered},
    }


def _check_bands(check: _Checker, bands: Sequence[Document], dimension_codes: Collection[str]) -> None:
    """Bands are optional; given, their levels are 1, 2, 3, …, their lowest scores rise from 0, their gates name
    dimensions and no gate falls from one band to the next (a higher level never asks less)."""
    for i, band in enumerate(bands):
        for code in band["gates"]:
            if code not in dimension_codes:
                check.fail(f"bands[{i}].gates.{code}", "is not a dimension of this framework")
    for i, (lower, higher) in enumerate(pairwise(bands), start=1):
        for code, least in lower["gates"].items():
            if higher["gates"].get(code, 0.0) < least:
                check.fail(f"bands[{i}].gates.{code}", f"must be at least {least:g}, the gate of level "
                                                       f"{lower['level']}: a higher level asks no less")
    if not bands:
        return
    if [b["level"] for b in bands] != list(range(1, len(bands) + 1)):
        check.fail("bands", "levels must be 1, 2, 3, … in order")
    scores = [b["min_score"] for b in bands]
    if scores[0] != 0:
        check.fail("bands[0].min_score", "the first band must start at 0")
    if any(later <= earlier for earlier, later in pairwise(scores)):
        check.fail("bands", "min_score must rise strictly from band to band")


def _check_levels_covered(check: _Checker, dimensions: Sequence[Document]) -> None:
    """Every region level some indicator is assessed at must find, in every dimension, an indicator with weight
    that applies to it: else no region of that level could ever have that dimension scored."""
    def applies(indicator: Document, level: str) -> bool:
        return indicator["applies_to"] is None or level in indicator["applies_to"]

    indicators = [i for d in dimensions for i in d["indicators"]]
    for level in (lv for lv in REGION_LEVELS if any(applies(i, lv) for i in indicators)):
        for k, dimension in enumerate(dimensions):
            if not any(applies(i, level) and i["weight"] > 0 for i in dimension["indicators"]):
                check.fail(f"dimensions[{k}].indicators", f"no indicator with weight applies to {level}: a {level} "
                                                          f"could never have dimension {dimension['code']} scored")


def _check_unique(check: _Checker, codes: Iterable[str], path: str, what: str) -> None:
    seen = set()
    for code in codes:
        if code in seen:
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
                outliers=OutlierTreatment(**i["outliers"]),
                applies_to=None if i["applies_to"] is None else tuple(i["applies_to"]),
            )
            for d in document["dimensions"]
            for i in d["indicators"]
        ),
        bands=tuple(BandSpec(level=b["level"], min_score=b["min_score"], label=b["label"]["zh"],
                             gates=tuple(b["gates"].items()))
                    for b in document["bands"]),
        aggregation=method["aggregation"],
        geometric_floor=method["geometric_floor"],
        weighting=method["weighting"],
        entropy_standardise=method["entropy_standardise"],
        combine_alpha=method["combine_alpha"],
        min_share=method["min_share"],
        rank_decimals=method["rank_decimals"],
        dimension_pairwise=matrix(method["dimension_pairwise"]),
        outlier_rule=OutlierRule(**method["outlier_rule"]),
        sensitivity=sensitivity_spec(method["sensitivity"]),
    )


def sensitivity_spec(block: Document | None) -> SensitivitySpec:
    """The engine's view of a canonical `method.sensitivity` block (None: the default analysis)."""
    if block is None:
        return SensitivitySpec()
    weights, outliers = block["weights"], block["outliers"]
    return SensitivitySpec(
        inputs=UncertainInputs(
            weight_range=None if weights is None else weights["range"],
            weight_level="indicator" if weights is None else weights["level"],
            normalisations=tuple(block["normalisations"]),
            aggregations=tuple(block["aggregations"]),
            imputation=block["imputation"],
            outliers=(OutlierTreatment(**outliers) if isinstance(outliers, dict)
                      else OutlierTreatment() if outliers else None),
            exclusion=block["exclusion"],
        ),
        samples=block["samples"],
        seed=block["seed"],
    )
