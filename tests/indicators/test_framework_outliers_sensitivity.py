"""Outlier treatments, the outlier rule and the sensitivity analysis declared in a framework file: read, checked
with the path of every refusal, stored and exported unchanged, and used by `compute`, `audit` and `sensitivity`."""

import copy
import dataclasses

import numpy as np
import pytest

from indicators.framework_file import FrameworkFileError, document_spec, parse_framework
from indicators.scoring import (
    OutlierRule,
    OutlierTreatment,
    SensitivitySpec,
    UncertainInputs,
    audit,
    compute,
    sensitivity,
    treat,
)
from indicators.selectors import framework_document
from indicators.services import framework_import
from tests.indicators.scoring.builders import make_spec, tidy
from tests.indicators.test_framework_file import _minimal


def _errors(document):
    with pytest.raises(FrameworkFileError) as caught:
        parse_framework(document)
    return dict(caught.value.errors)


def _declared(**method):
    document = _minimal()
    for dimension in document["dimensions"]:
        for indicator in dimension["indicators"]:
            indicator["normalisation"] = {"method": "minmax_observed"}
    document["dimensions"][0]["indicators"][0]["outliers"] = {"method": "winsorise", "max_points": 2}
    document["dimensions"][1]["indicators"][0]["outliers"] = {"method": "log"}
    document["method"] = method
    return document


def test_treatments_rule_and_analysis_are_read_into_the_spec():
    document = parse_framework(_declared(outlier_rule={"skew": 1.5}, sensitivity={
        "weights": {"range": 0.3, "level": "dimension"}, "normalisations": ["spec", "zscore"],
        "aggregations": ["arithmetic", "geometric"], "imputation": True, "outliers": True, "exclusion": True,
        "samples": 64, "seed": 9}))
    spec = document_spec(document)
    assert [i.outliers for i in spec.indicators] == [
        OutlierTreatment("winsorise", 2), OutlierTreatment(), OutlierTreatment("log", 5), OutlierTreatment()]
    assert spec.outlier_rule == OutlierRule(skew=1.5, kurtosis=3.5)
    assert spec.sensitivity == SensitivitySpec(
        inputs=UncertainInputs(weight_range=0.3, weight_level="dimension", normalisations=("spec", "zscore"),
                               aggregations=("arithmetic", "geometric"), imputation=True,
                               outliers=OutlierTreatment(), exclusion=True),
        samples=64, seed=9)
    assert spec.sensitivity.inputs.names() == ("weights", "normalisation", "aggregation", "imputation", "outliers",
                                               "exclusion")


def test_a_file_that_declares_nothing_gets_the_default_analysis_and_no_treatment():
    spec = document_spec(parse_framework(_minimal()))
    assert spec.sensitivity == SensitivitySpec()
    assert not spec.treats_outliers
    assert spec.outlier_rule == OutlierRule()


def test_the_canonical_document_reads_back_identically():
    document = parse_framework(_declared(sensitivity={"aggregations": ["geometric"], "outliers": {
        "method": "winsorise", "max_points": 3}}))
    assert parse_framework(copy.deepcopy(document)) == document


@pytest.mark.django_db
def test_it_exports_the_declarations_it_imported():
    document = parse_framework(_declared(outlier_rule={"kurtosis": 5}, sensitivity={"exclusion": True, "seed": 3}))
    assert framework_document(framework_import(document=document).framework) == document


@pytest.mark.parametrize(("method", "path", "reason"), [
    ({"sensitivity": {"weigths": {"range": 0.2}}}, "method.sensitivity.weigths", "did you mean `weights`"),
    ({"sensitivity": {"weights": {"rnage": 0.2}}}, "method.sensitivity.weights.rnage", "did you mean `range`"),
    ({"outlier_rul": {"skew": 2}}, "method.outlier_rul", "did you mean `outlier_rule`"),
    ({"sensitivity": {}}, "method.sensitivity", "declare at least one uncertain input"),
    ({"sensitivity": {"weights": {"range": 1.2}}}, "method.sensitivity.weights.range", ""),
    ({"sensitivity": {"samples": 1000, "exclusion": True}}, "method.sensitivity.samples", ""),
    ({"sensitivity": {"normalisations": ["rank"]}}, "method.sensitivity.normalisations[0]", ""),
])
def test_a_wrong_declaration_is_refused_with_its_path(method, path, reason):
    errors = _errors({**_minimal(), "method": method})
    assert path in errors
    assert reason in errors[path]


def test_a_misspelt_treatment_key_is_refused_with_its_path():
    document = _minimal()
    document["dimensions"][0]["indicators"][1]["outliers"] = {"methd": "log"}
    assert "did you mean `method`" in _errors(document)["dimensions[0].indicators[1].outliers.methd"]


def test_a_log_treatment_needs_goalposts_taken_from_the_data():
    document = _minimal()
    document["dimensions"][1]["indicators"][1]["outliers"] = {"method": "log"}
    assert "minmax_fixed" in _errors(document)["dimensions[1].indicators[1].outliers.method"]


def test_toggling_the_treatment_needs_one_declared_or_given():
    assert "no indicator declares" in _errors({**_minimal(), "method": {"sensitivity": {"outliers": True}}})[
        "method.sensitivity.outliers"]
    parse_framework({**_minimal(), "method": {"sensitivity": {"outliers": {"method": "winsorise"}}}})


def test_a_log_treatment_for_every_indicator_needs_data_driven_normalisations():
    errors = _errors({**_minimal(), "method": {"sensitivity": {"outliers": {"method": "log"}}}})
    assert "minmax_fixed" in errors["method.sensitivity.outliers.method"]


def _skewed():
    rng = np.random.default_rng(5)
    x = rng.uniform(10, 20, size=(1, 30, 2))
    x[0, :3, 0] = [400.0, 380.0, 360.0]
    return x


def test_compute_scores_the_treated_values_and_reports_the_raw_ones():
    layout = {"A": ["A1", "A2"]}
    plain = make_spec(layout, normalisation=dataclasses.replace(make_spec(layout).indicators[0].normalisation,
                                                                method="minmax_observed", lower=None, upper=None))
    declared = dataclasses.replace(plain, indicators=(
        dataclasses.replace(plain.indicators[0], outliers=OutlierTreatment("winsorise", 10)), plain.indicators[1]))
    values = tidy(_skewed(), ["A1", "A2"])
    result = compute(values, declared)
    by_hand = compute(treat(values, plain, {"A1": OutlierTreatment("winsorise", 10)}), plain)
    np.testing.assert_allclose(result.indicators["score"], by_hand.indicators["score"])
    np.testing.assert_allclose(result.index["index"], by_hand.index["index"])
    np.testing.assert_array_equal(result.indicators["value"], compute(values, plain).indicators["value"])
    assert not np.allclose(result.index["index"], compute(values, plain).index["index"])
    [period] = audit(values, declared).periods
    [report] = period.treatments
    assert (report.indicator, report.method, report.applied) == ("A1", "winsorise", True)


def test_the_sensitivity_analysis_starts_from_the_treated_ranking_and_can_toggle_it():
    layout = {"A": ["A1", "A2"]}
    plain = make_spec(layout, normalisation=dataclasses.replace(make_spec(layout).indicators[0].normalisation,
                                                                method="minmax_observed", lower=None, upper=None))
    declared = dataclasses.replace(plain, indicators=(
        dataclasses.replace(plain.indicators[0], outliers=OutlierTreatment("winsorise", 10)), plain.indicators[1]))
    values = tidy(_skewed(), ["A1", "A2"])
    nominal = compute(values, declared).index
    toggled = sensitivity(values, declared, UncertainInputs(weight_range=None, outliers=OutlierTreatment()),
                          base_samples=32, seed=1)
    assert [r.rank for r in toggled.regions] == [int(r) for r in nominal["rank"]]
    assert toggled.mean_rank_shift > 0
    [shift] = toggled.rank_shift
    assert shift.input == "outliers"
    assert shift.st > 0.5


def test_an_uncertain_treatment_with_nothing_to_treat_is_refused():
    spec = make_spec({"A": ["A1", "A2"]})
    with pytest.raises(ValueError, match="no indicator declares a treatment"):
        sensitivity(tidy(_skewed(), ["A1", "A2"]), spec, UncertainInputs(outliers=OutlierTreatment()),
                    base_samples=16)
