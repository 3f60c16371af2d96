"""The published JSON Schema of framework files: valid draft 2020-12, held to the vocabularies and the engine's
defaults, met by the shipped frameworks, rendered into docs/framework-format.md, served by the API; and its
refusals, each naming its path, an unknown key with the nearest known one."""

import copy
import json
from dataclasses import MISSING, asdict, fields
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from jsonschema import Draft202012Validator
from rest_framework.test import APIRequestFactory

from api.views.framework_schema import FrameworkFileSchema
from indicators import vocabulary
from indicators.framework_file import FrameworkFileError, load_framework_file, parse_framework, sensitivity_spec
from indicators.framework_schema import SCHEMA_FILE, defaults, framework_schema
from indicators.framework_schema_doc import PAGE, reference, with_reference
from indicators.scoring import FrameworkSpec, OutlierRule, OutlierTreatment, SensitivitySpec

FRAMEWORKS = sorted((Path(__file__).resolve().parents[2] / "indicators" / "frameworks").glob("*.yaml"))


def _refusals(document):
    with pytest.raises(FrameworkFileError) as caught:
        parse_framework(document)
    return caught.value.errors


def test_the_schema_is_a_valid_draft_2020_12_schema():
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def _mappings(schema):
    """Every subschema of `schema` that describes the keys of a mapping."""
    if isinstance(schema, dict):
        if "properties" in schema:
            yield schema
        for value in schema.values():
            yield from _mappings(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _mappings(value)


def test_every_mapping_of_the_schema_refuses_unknown_keys():
    mappings = list(_mappings(framework_schema()))
    # the file, method, its outlier rule, its sensitivity block and the block's weights, dimension, indicator, its
    # outlier treatment, normalisation, rule, band, 6 kinds of text
    assert len(mappings) == 17
    assert all(mapping["additionalProperties"] is False for mapping in mappings)


@pytest.mark.parametrize("path", FRAMEWORKS, ids=[p.stem for p in FRAMEWORKS])
def test_the_shipped_frameworks_meet_the_schema(path):
    data = yaml.safe_load(path.read_text("utf-8"))
    assert list(Draft202012Validator(framework_schema()).iter_errors(data)) == []
    document = load_framework_file(path)
    assert list(Draft202012Validator(framework_schema()).iter_errors(document)) == []


@pytest.mark.parametrize(("definition", "key", "values"), [
    ("method", "aggregation", vocabulary.AGGREGATIONS), ("method", "weighting", vocabulary.WEIGHTINGS),
    ("indicator", "data_type", vocabulary.DATA_TYPES), ("indicator", "direction", vocabulary.DIRECTIONS),
    ("normalisation", "method", vocabulary.NORMALISATIONS), ("rule", "operator", vocabulary.RULE_OPERATORS),
    ("rule", "severity", vocabulary.SEVERITIES),
])
def test_the_schemas_closed_lists_are_the_vocabulary(definition, key, values):
    assert tuple(framework_schema()["$defs"][definition]["properties"][key]["enum"]) == values


def test_the_method_defaults_are_the_engines():
    plain = {f.name: f.default for f in fields(FrameworkSpec)
             if f.name in defaults("method") and f.default is not MISSING}
    assert plain == {key: value for key, value in defaults("method").items() if key in plain}
    assert set(plain) == {"aggregation", "weighting", "entropy_standardise", "combine_alpha", "min_share",
                          "rank_decimals", "geometric_floor", "dimension_pairwise"}


def test_the_outlier_defaults_are_the_engines():
    assert defaults("method")["outlier_rule"] == asdict(OutlierRule())
    assert defaults("outlier_treatment") == asdict(OutlierTreatment())
    assert defaults("indicator")["outliers"] == asdict(OutlierTreatment())


def test_no_sensitivity_block_is_the_engines_default_analysis():
    assert defaults("method")["sensitivity"] is None
    assert sensitivity_spec(None) == SensitivitySpec()
    assert SensitivitySpec().inputs.names() == ("weights", "normalisation")


def test_the_format_page_holds_the_reference_rendered_from_the_schema():
    page = PAGE.read_text("utf-8")
    assert with_reference(page) == page, "run: manage.py framework_schema_doc"
    assert reference() in page


def test_the_reference_documents_every_key_of_the_schema():
    page = PAGE.read_text("utf-8")
    for definition in (framework_schema(), *framework_schema()["$defs"].values()):
        if "properties" in definition and set(definition["properties"]) != {"zh", "en"}:
            for key, spec in definition["properties"].items():
                assert f"| `{key}` |" in page
                assert spec.get("description") or spec.get("$ref"), key


def test_the_command_rewrites_a_page_out_of_step(tmp_path, monkeypatch):
    page = tmp_path / "framework-format.md"
    current = PAGE.read_text("utf-8")
    page.write_text(current.replace("| `geometric_floor` |", "| `floor` |"), "utf-8")
    monkeypatch.setattr("indicators.management.commands.framework_schema_doc.PAGE", page)
    with pytest.raises(CommandError, match="out of step"):
        call_command("framework_schema_doc", check=True)
    call_command("framework_schema_doc")
    assert page.read_text("utf-8") == current


MISSPELT = [
    (("method",), "aggregaton", "geometric", "method.aggregaton", "aggregation"),
    (("method",), "weigthing", "entropy", "method.weigthing", "weighting"),
    (("method",), "rank_decimal", 1, "method.rank_decimal", "rank_decimals"),
    (("dimensions", 0, "indicators", 2), "directon", "lower", "dimensions[0].indicators[2].directon", "direction"),
]


@pytest.mark.parametrize(("where", "key", "value", "path", "meant"), MISSPELT, ids=[m[1] for m in MISSPELT])
def test_a_misspelt_key_is_refused_with_the_key_it_was_meant_to_be(default_document, where, key, value, path,
                                                                   meant):
    document = copy.deepcopy(default_document)
    target = document
    for step in where:
        target = target[step]
    target[key] = value
    assert _refusals(document) == [(path, f"unknown key; did you mean `{meant}`?")]


def test_the_message_of_a_misspelt_key_reads_with_its_path(default_document):
    document = copy.deepcopy(default_document)
    document["method"]["aggregaton"] = "geometric"
    with pytest.raises(FrameworkFileError, match=r"^method\.aggregaton: unknown key; did you mean `aggregation`\?$"):
        parse_framework(document)


def test_an_unknown_key_like_no_known_one_is_refused_with_the_keys_allowed(default_document):
    document = copy.deepcopy(default_document)
    document["bands"][1]["colour"] = "green"
    assert _refusals(document) == [
        ("bands[1].colour", "unknown key; the keys here are level, min_score, label, description, gates")]


def test_every_refusal_names_its_path_in_file_order(default_document):
    document = copy.deepcopy(default_document)
    document["version"] = "one"
    del document["name"]
    document["method"]["min_share"] = 0
    document["dimensions"][1]["code"] = "a code"
    indicator = document["dimensions"][2]["indicators"][0]
    indicator["weight"] = 1.5
    indicator["valid_range"] = [0]
    indicator["name"] = {}
    indicator["normalisation"]["lower"] = float("nan")
    document["rules"][0]["operator"] = "!="
    document["bands"][0]["label"]["en"] = "x" * 61
    assert _refusals(document) == [
        ("version", "must be a positive whole number"),
        ("method.min_share", "must be between 0.01 and 1"),
        ("dimensions[1].code", "must be 1 to 20 letters, digits, '-' or '_'"),
        ("dimensions[2].indicators[0].name", "needs a text in zh, en or both"),
        ("dimensions[2].indicators[0].normalisation.lower", "must be a finite number"),
        ("dimensions[2].indicators[0].weight", "must be between 0 and 1"),
        ("dimensions[2].indicators[0].valid_range", "must be a list of 2 items"),
        ("rules[0].operator", "must be one of <=, <, >=, >, =="),
        ("bands[0].label.en", "must be at most 60 characters"),
        ("name", "is required"),  # a key that is not there comes after those of its mapping that are
    ]


@pytest.mark.parametrize(("change", "path", "reason"), [
    (lambda d: d.update(format="smartgov-framework/2"), "format", "must be smartgov-framework/1"),
    (lambda d: d.update(dimensions=[]), "dimensions", "must be a non-empty list"),
    (lambda d: d["method"].update(geometric_floor=0), "method.geometric_floor", "must be more than 0 and at most 100"),
    (lambda d: d["method"].update(entropy_standardise="yes"), "method.entropy_standardise", "must be true or false"),
    (lambda d: d["method"].update(rank_decimals=1.5), "method.rank_decimals", "must be a whole number or null"),
    (lambda d: d["method"].update(dimension_pairwise=[[1, -2], [0.5, 1]]), "method.dimension_pairwise[0][1]",
     "must be more than 0"),
    (lambda d: d["dimensions"][0]["name"].update(zh=" "), "dimensions[0].name.zh", "must not be blank"),
    (lambda d: d["dimensions"][0].update(indicators="RS01"), "dimensions[0].indicators", "must be a list"),
    (lambda d: d.update(method=None), "method", "must be a mapping"),
])
def test_each_kind_of_refusal_reads_plainly(default_document, change, path, reason):
    document = copy.deepcopy(default_document)
    change(document)
    assert _refusals(document) == [(path, reason)]


def test_a_file_that_is_not_a_mapping_is_refused_as_a_whole():
    assert _refusals(["format"]) == [("(file)", "must be a mapping")]


def test_the_api_serves_the_schema_to_anyone():
    response = FrameworkFileSchema.as_view()(APIRequestFactory().get("/api/v1/frameworks/schema/"))
    assert response.status_code == 200
    assert response.data == json.loads(SCHEMA_FILE.read_text("utf-8"))
