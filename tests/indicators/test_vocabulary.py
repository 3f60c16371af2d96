"""Each closed vocabulary of a framework is defined once (`indicators.vocabulary`, which re-exports the engine's
own from `indicators.scoring.spec`), and the model choices, the database constraints, the framework-file
checker and the value checks all use that one definition."""

import copy
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import translation

from assessments import checks
from assessments.checks import submission_findings
from indicators import vocabulary
from indicators.framework_file import FrameworkFileError, parse_framework
from indicators.models import CrossRule, Framework, Indicator
from indicators.scoring import spec

CHOICES = [
    (Framework, "aggregation", Framework.Aggregation, vocabulary.AGGREGATIONS),
    (Framework, "weighting", Framework.Weighting, vocabulary.WEIGHTINGS),
    (Indicator, "data_type", Indicator.DataType, vocabulary.DATA_TYPES),
    (Indicator, "direction", Indicator.Direction, vocabulary.DIRECTIONS),
    (Indicator, "normalisation", Indicator.Normalisation, vocabulary.NORMALISATIONS),
    (CrossRule, "operator", CrossRule.Operator, vocabulary.RULE_OPERATORS),
    (CrossRule, "severity", CrossRule.Severity, vocabulary.SEVERITIES),
]
IDS = [field for _, field, _, _ in CHOICES]


def test_the_engines_vocabularies_are_the_ones_re_exported():
    assert vocabulary.NORMALISATIONS is spec.NORMALISATIONS
    assert vocabulary.DIRECTIONS is spec.DIRECTIONS
    assert vocabulary.AGGREGATIONS is spec.AGGREGATIONS
    assert vocabulary.WEIGHTINGS is spec.WEIGHTINGS
    assert vocabulary.RULE_OPERATORS == tuple(vocabulary.OPERATORS) == ("<=", "<", ">=", ">", "==")
    assert vocabulary.SEVERITIES == ("error", "warning")


@pytest.mark.parametrize(("model", "field", "choices", "values"), CHOICES, ids=IDS)
def test_model_choices_are_the_vocabulary_in_its_order(model, field, choices, values):
    assert choices.values == list(values)
    assert model._meta.get_field(field).choices == choices.choices
    assert all(len(value) <= model._meta.get_field(field).max_length for value in values)


@pytest.mark.parametrize(("model", "field", "choices", "values"), CHOICES, ids=IDS)
def test_model_choices_are_labelled_from_the_vocabulary(model, field, choices, values):
    if choices is CrossRule.Operator:
        expected = {op.code: op.symbol for op in vocabulary.OPERATORS.values()}
    else:
        expected = vocabulary.LABELS[field]
    with translation.override("en"):
        assert {value: str(label) for value, label in choices.choices} == expected


def test_labels_stay_translated_and_members_keep_their_names():
    with translation.override("zh-hans"):
        assert str(Indicator.Direction.LOWER.label) == "越低越好"
        assert str(CrossRule.Severity.ERROR.label) == "错误：必须更正"
        assert str(Framework.Weighting("entropy").label) == "熵权法"
    assert [m.name for m in CrossRule.Operator] == ["LE", "LT", "GE", "GT", "EQ"]
    assert Indicator.Normalisation.MINMAX_FIXED == "minmax_fixed"
    assert Indicator._meta.get_field("data_type").default == Indicator.DataType.NUMBER == "number"


@pytest.mark.parametrize(("model", "constraint", "values"), [
    (Indicator, "indicator_direction_valid", vocabulary.DIRECTIONS),
    (CrossRule, "rule_operator_valid", vocabulary.RULE_OPERATORS),
    (CrossRule, "rule_severity_valid", vocabulary.SEVERITIES),
])
def test_database_constraints_list_the_vocabulary(model, constraint, values):
    (found,) = [c for c in model._meta.constraints if c.name == constraint]
    ((_, listed),) = found.condition.children
    assert listed == list(values)


def _refusal(document, path):
    with pytest.raises(FrameworkFileError) as caught:
        parse_framework(document)
    return dict(caught.value.errors)[path]


@pytest.mark.parametrize(("key", "values"), [("operator", vocabulary.RULE_OPERATORS),
                                             ("severity", vocabulary.SEVERITIES)])
def test_the_file_checker_refuses_an_unknown_rule_word_with_the_vocabulary(default_document, key, values):
    document = copy.deepcopy(default_document)
    document["rules"][0][key] = "!="
    assert _refusal(document, f"rules[0].{key}") == f"must be one of {', '.join(values)}"


@pytest.mark.parametrize(("key", "values"), [("data_type", vocabulary.DATA_TYPES),
                                             ("direction", vocabulary.DIRECTIONS)])
def test_the_file_checker_refuses_an_unknown_indicator_word_with_the_vocabulary(default_document, key, values):
    document = copy.deepcopy(default_document)
    document["dimensions"][0]["indicators"][0][key] = "other"
    assert _refusal(document, f"dimensions[0].indicators[0].{key}") == f"must be one of {', '.join(values)}"


@pytest.mark.parametrize("operator", vocabulary.RULE_OPERATORS)
def test_the_file_checker_accepts_every_operator_of_the_vocabulary(default_document, operator):
    document = copy.deepcopy(default_document)
    document["rules"][0]["operator"] = operator
    assert parse_framework(document)["rules"][0]["operator"] == operator


@pytest.mark.parametrize(("operator", "left", "right", "holds"), [
    ("<=", 1, 2, True), ("<=", 2, 2, True), ("<=", 3, 2, False),
    ("<", 1, 2, True), ("<", 2, 2, False),
    (">=", 3, 2, True), (">=", 2, 2, True), (">=", 1, 2, False),
    (">", 3, 2, True), (">", 2, 2, False),
    ("==", 0.1 + 0.2, 0.3, True),  # equal up to rounding: math.isclose(rel_tol=1e-9, abs_tol=1e-9)
    ("==", 0, 1e-10, True), ("==", 1, 1 + 1e-6, False), ("==", 2, 3, False),
])
def test_each_operator_compares_as_documented(operator, left, right, holds):
    assert vocabulary.OPERATORS[operator](left, right) is holds
    rule = SimpleNamespace(code="T1", left=["A"], right=[], constant=right, operator=operator,
                           severity=CrossRule.Severity.ERROR, message="broken")
    findings = submission_findings(indicators=[], values={"A": left}, notes={}, previous={}, rules=[rule],
                                   threshold=0.5)
    assert [f.kind for f in findings] == ([] if holds else ["rule_error"])


def test_the_value_checks_use_the_vocabularys_operators():
    assert checks.OPERATORS is vocabulary.OPERATORS
    assert {code: op.symbol for code, op in vocabulary.OPERATORS.items()} == {
        "<=": "≤", "<": "<", ">=": "≥", ">": ">", "==": "="}


def test_labels_must_name_exactly_the_vocabularys_values():
    with pytest.raises(ValueError, match="do not match"):
        vocabulary._labelled(("a", "b"), {"a": "A"})


def test_the_vocabulary_and_the_engine_import_no_django():
    code = ("import sys, indicators.vocabulary, indicators.scoring; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'django', 'assessments', 'rest_framework'}))")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert done.stdout.strip() == "[]"


def _documented(key):
    """The values docs/framework-format.md lists in the comment of `key:` in its example file."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "framework-format.md").read_text("utf-8")
    (comment,) = re.findall(rf"^\s*(?:- )?{key}: .*?# (.*)$", text, flags=re.MULTILINE)
    if key == "operator":
        return tuple(comment.split())
    if key == "severity":
        return tuple(part.split(":")[0].strip() for part in comment.split(";"))
    return tuple(word.split("(")[0].strip() for word in comment.split("|"))


@pytest.mark.parametrize(("key", "values"), [
    ("aggregation", vocabulary.AGGREGATIONS), ("weighting", vocabulary.WEIGHTINGS),
    ("data_type", vocabulary.DATA_TYPES), ("direction", vocabulary.DIRECTIONS),
    ("method", vocabulary.NORMALISATIONS), ("operator", vocabulary.RULE_OPERATORS),
    ("severity", vocabulary.SEVERITIES),
])
def test_the_format_documentation_lists_the_vocabulary(key, values):
    assert _documented(key) == values
