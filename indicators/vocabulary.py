"""The closed vocabularies of a framework, each defined once: the one place to look for the words a framework
file, the database and the value checks accept.

Pure Python, no Django (like `framework_file`). The scoring engine's own vocabularies — normalisations,
directions, aggregations, weightings — are defined in `indicators.scoring.spec` (the engine imports nothing
outside itself) and re-exported here. The others are defined here: data types, the operators of
cross-indicator rules (each with its symbol and its comparison) and rule severities.

`indicators.models` builds its choices and check constraints from these tuples, in their order (the order is
part of the migrations' state), and labels them with `LABELS`, translated there with `gettext_lazy`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

from .scoring.spec import AGGREGATIONS, DIRECTIONS, NORMALISATIONS, TREATMENTS, WEIGHTINGS

__all__ = [
    "AGGREGATIONS",
    "CONTROLS",
    "DATA_TYPES",
    "DIRECTIONS",
    "INDICATOR_CLASSES",
    "LABELS",
    "NORMALISATIONS",
    "OPERATORS",
    "PROVENANCES",
    "RULE_OPERATORS",
    "SEVERITIES",
    "TREATMENTS",
    "WEIGHTINGS",
    "RuleOperator",
]


def gettext_noop(message: str) -> str:
    """Marks a label for `manage.py makemessages` without importing Django; models translate it lazily."""
    return message


DATA_TYPES = ("number", "percent", "boolean", "ordinal")
SEVERITIES = ("error", "warning")
"""An `error` must be corrected before sign-off; a `warning` needs an explanation in the values' notes."""
INDICATOR_CLASSES = ("input", "process", "outcome")
"""What an indicator measures: the means put in, how the work is done, or what it achieves."""
PROVENANCES = ("self_declared", "system_record", "provincial_survey", "third_party", "platform")
"""Where an indicator's value comes from, and so how far it is independent of the government assessed."""
CONTROLS = ("local", "vertical")
"""Whether the assessed government controls what the indicator measures, or 上级 / 国垂 systems decide it."""


@dataclass(frozen=True)
class RuleOperator:
    """How a cross-indicator rule compares the sum on its left with the sum (plus constant) on its right."""

    code: str
    """As written in a framework file and stored in `CrossRule.operator`."""
    name: str
    """The member of `CrossRule.Operator`."""
    symbol: str
    """Shown to people (the label of the choice)."""
    compare: Callable[[float, float], bool]

    def __call__(self, left: float, right: float) -> bool:
        return self.compare(left, right)


def _equal(left: float, right: float) -> bool:
    """Equal up to rounding: sums of decimal values are rarely equal to the last bit."""
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)


OPERATORS: dict[str, RuleOperator] = {
    rule_operator.code: rule_operator
    for rule_operator in (
        RuleOperator("<=", "LE", "≤", operator.le),
        RuleOperator("<", "LT", "<", operator.lt),
        RuleOperator(">=", "GE", "≥", operator.ge),
        RuleOperator(">", "GT", ">", operator.gt),
        RuleOperator("==", "EQ", "=", _equal),
    )
}
"""Code → operator, in the order files, forms and the database list them."""
RULE_OPERATORS = tuple(OPERATORS)


def _labelled(values: tuple[str, ...], labels: dict[str, str]) -> dict[str, str]:
    """`labels` in the order of `values`; refused at import unless it labels exactly those values."""
    if set(labels) != set(values) or len(labels) != len(values):
        raise ValueError(f"labels {sorted(labels)} do not match the vocabulary {list(values)}")
    return {value: labels[value] for value in values}


LABELS: dict[str, dict[str, str]] = {
    "aggregation": _labelled(AGGREGATIONS, {
        "arithmetic": gettext_noop("Weighted arithmetic mean"),
        "geometric": gettext_noop("Weighted geometric mean"),
        "topsis": gettext_noop("TOPSIS closeness"),
    }),
    "weighting": _labelled(WEIGHTINGS, {
        "expert": gettext_noop("Expert weights"),
        "equal": gettext_noop("Equal weights"),
        "ahp": gettext_noop("AHP (pairwise comparison)"),
        "entropy": gettext_noop("Entropy weights"),
        "combined": gettext_noop("Combined subjective and objective weights"),
    }),
    "data_type": _labelled(DATA_TYPES, {
        "number": gettext_noop("Number"),
        "percent": gettext_noop("Percentage"),
        "boolean": gettext_noop("Yes / no"),
        "ordinal": gettext_noop("Ordinal level"),
    }),
    "direction": _labelled(DIRECTIONS, {
        "higher": gettext_noop("Higher is better"),
        "lower": gettext_noop("Lower is better"),
    }),
    "normalisation": _labelled(NORMALISATIONS, {
        "minmax_observed": gettext_noop("Min-max, observed range"),
        "minmax_fixed": gettext_noop("Min-max, fixed goalposts"),
        "target": gettext_noop("Distance to target"),
        "zscore": gettext_noop("Z-score"),
        "percentile": gettext_noop("Rank percentile"),
        "log_minmax": gettext_noop("Logarithm, then min-max"),
    }),
    "outlier_treatment": _labelled(TREATMENTS, {
        "none": gettext_noop("No treatment"),
        "winsorise": gettext_noop("Winsorise"),
        "log": gettext_noop("Logarithm"),
    }),
    "severity": _labelled(SEVERITIES, {
        "error": gettext_noop("Error: must be corrected"),
        "warning": gettext_noop("Warning: needs an explanation"),
    }),
    "indicator_class": _labelled(INDICATOR_CLASSES, {
        "input": gettext_noop("Input"),
        "process": gettext_noop("Process"),
        "outcome": gettext_noop("Outcome"),
    }),
    "provenance": _labelled(PROVENANCES, {
        "self_declared": gettext_noop("Self-declared"),
        "system_record": gettext_noop("Computed from a system of record"),
        "provincial_survey": gettext_noop("Survey commissioned by the province"),
        "third_party": gettext_noop("Third-party sample"),
        "platform": gettext_noop("Computed by the platform"),
    }),
    "control": _labelled(CONTROLS, {
        "local": gettext_noop("Controlled by the government assessed"),
        "vertical": gettext_noop("Decided by higher-level or vertical systems"),
    }),
}
"""Vocabulary → value → English label, marked for translation (operators are labelled by their symbol)."""
