"""Import and export in the framework file format: round trip, and refusals that name the field."""

import copy

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from indicators.framework_file import (
    FrameworkFileError,
    document_spec,
    dump_framework,
    load_framework_text,
    parse_framework,
)
from indicators.models import Dimension, Framework, Indicator, MaturityBand
from indicators.selectors import framework_document
from indicators.services import framework_import


def _errors(document):
    with pytest.raises(FrameworkFileError) as caught:
        parse_framework(document)
    return dict(caught.value.errors)


@pytest.mark.django_db
def test_it_exports_what_it_imported(default_document):
    framework = framework_import(document=default_document).framework
    assert framework_document(framework) == default_document


@pytest.mark.django_db
def test_it_round_trips_through_the_commands(tmp_path, default_document):
    call_command("load_framework")
    out = tmp_path / "exported.yaml"
    call_command("export_framework", "smartgov-maturity", "1", output=str(out))
    assert load_framework_text(out.read_text("utf-8")) == default_document
    call_command("export_framework", "smartgov-maturity", "1", json=True, output=str(tmp_path / "x.json"))
    assert load_framework_text((tmp_path / "x.json").read_text("utf-8")) == default_document


def test_dumped_yaml_reads_back_identically(default_document):
    assert load_framework_text(dump_framework(default_document)) == default_document


def _copy(document, code="smartgov-copy"):
    """The document under another code: the default framework itself is in the test database already."""
    return {**copy.deepcopy(document), "code": code}


@pytest.mark.django_db
def test_importing_the_same_document_twice_changes_nothing(default_document):
    first = framework_import(document=_copy(default_document))
    second = framework_import(document=_copy(default_document))
    assert (first.action, second.action) == ("created", "unchanged")
    assert Framework.objects.filter(code="smartgov-copy").count() == 1


@pytest.mark.django_db
def test_importing_a_changed_draft_updates_it_in_place(default_document):
    framework = framework_import(document=_copy(default_document)).framework
    ids = set(framework.indicators.values_list("pk", flat=True))
    changed = _copy(default_document)
    changed["dimensions"][0]["indicators"][0]["name"]["en"] = "Renamed"
    assert framework_import(document=changed).action == "updated"
    assert framework.indicators.get(code=changed["dimensions"][0]["indicators"][0]["code"]).name_en == "Renamed"
    assert set(framework.indicators.values_list("pk", flat=True)) == ids


def test_a_weight_out_of_range_is_named():
    document = _minimal()
    document["dimensions"][0]["indicators"][0]["weight"] = 1.5
    assert _errors(document)["dimensions[0].indicators[0].weight"] == "must be between 0 and 1"


def test_weights_that_do_not_sum_to_one_are_refused_with_the_real_sum():
    document = _minimal()
    document["dimensions"][0]["weight"] = 0.4
    assert _errors(document)["dimensions"] == "the weights of the dimensions must sum to 1 (they sum to 0.9)"


@pytest.mark.parametrize(("weights", "shown"), [([0.5, 0.4989], "0.9989"), ([0.5, 0.5011], "1.0011"),
                                                ([0.1, 0.2], "0.3")])
def test_the_refused_sum_is_shown_with_the_digits_it_has(weights, shown):
    document = _minimal()
    for dimension, weight in zip(document["dimensions"], weights, strict=True):
        dimension["weight"] = weight
    assert _errors(document)["dimensions"] == f"the weights of the dimensions must sum to 1 (they sum to {shown})"


def test_a_sixth_typed_to_four_decimals_is_accepted_and_rescaled():
    document = _minimal()
    dimension = document["dimensions"][0]
    dimension["indicators"] = [{**dimension["indicators"][0], "code": f"A{i}", "weight": 0.1667} for i in range(6)]
    weights = [i["weight"] for i in parse_framework(document)["dimensions"][0]["indicators"]]
    assert weights == pytest.approx([1 / 6] * 6, abs=1e-15)
    assert sum(weights) == pytest.approx(1, abs=1e-15)


def test_weights_summing_to_one_up_to_rounding_are_kept_as_written():
    document = _minimal()
    for dimension in document["dimensions"]:
        dimension["weight"] = 0.5000001
    assert [d["weight"] for d in parse_framework(document)["dimensions"]] == [0.5000001, 0.5000001]


def test_an_entropy_framework_needs_no_weights():
    document = _minimal()
    document["method"] = {"weighting": "entropy"}
    for dimension in document["dimensions"]:
        del dimension["weight"]
        for indicator in dimension["indicators"]:
            del indicator["weight"]
    parsed = parse_framework(document)
    assert [d["weight"] for d in parsed["dimensions"]] == [0.5, 0.5]
    assert [i["weight"] for i in parsed["dimensions"][1]["indicators"]] == [0.5, 0.5]


def test_an_ahp_framework_takes_its_weights_from_the_matrices():
    document = _minimal()
    document["method"] = {"weighting": "ahp", "dimension_pairwise": [[1, 3], [1 / 3, 1]]}
    for dimension in document["dimensions"]:
        del dimension["weight"]
        dimension["pairwise"] = [[1, 1], [1, 1]]
        for indicator in dimension["indicators"]:
            del indicator["weight"]
    parsed = parse_framework(document)
    assert [d["weight"] for d in parsed["dimensions"]] == pytest.approx([0.75, 0.25])
    assert [i["weight"] for i in parsed["dimensions"][0]["indicators"]] == pytest.approx([0.5, 0.5])
    assert parse_framework(parsed) == parsed


def test_expert_weights_are_required_with_their_path():
    document = _minimal()
    del document["dimensions"][1]["indicators"][1]["weight"]
    del document["dimensions"][1]["indicators"][0]["weight"]
    errors = _errors(document)
    assert errors["dimensions[1].indicators[0].weight"] == "is required when weighting is expert"
    assert errors["dimensions[1].indicators[1].weight"] == "is required when weighting is expert"


def test_weights_are_given_to_all_of_a_level_or_to_none():
    document = _minimal()
    document["method"] = {"weighting": "equal"}
    del document["dimensions"][1]["indicators"][1]["weight"]
    assert _errors(document) == {
        "dimensions[1].indicators[1].weight": "give a weight to all of dimension B's indicators or to none"}


def test_a_lone_indicator_weighs_one():
    document = _minimal()
    dimension = document["dimensions"][1]
    dimension["indicators"] = dimension["indicators"][:1]
    del dimension["indicators"][0]["weight"]
    assert parse_framework(document)["dimensions"][1]["indicators"][0]["weight"] == 1.0


def test_a_framework_without_bands_has_no_levels():
    document = _minimal()
    del document["bands"]
    parsed = parse_framework(document)
    assert parsed["bands"] == []
    assert document_spec(parsed).bands == ()


def test_the_geometric_floor_is_read_from_the_method():
    document = _minimal()
    document["method"] = {"aggregation": "geometric", "geometric_floor": 5}
    parsed = parse_framework(document)
    assert parsed["method"]["geometric_floor"] == 5.0
    assert document_spec(parsed).geometric_floor == 5.0
    assert parse_framework(_minimal())["method"]["geometric_floor"] == 1.0


def test_a_text_in_one_language_stands_for_both():
    document = _minimal()
    indicator = document["dimensions"][0]["indicators"][0]
    indicator["name"] = {"en": "Online Service Index"}
    indicator["definition"] = {"zh": "联合国公布的在线服务指数"}
    document["name"] = {"zh": "迷你"}
    del indicator["unit"]["zh"]
    parsed = parse_framework(document)
    indicator = parsed["dimensions"][0]["indicators"][0]
    assert indicator["name"] == {"zh": "Online Service Index", "en": "Online Service Index"}
    assert indicator["definition"] == {"zh": "联合国公布的在线服务指数", "en": "联合国公布的在线服务指数"}
    assert indicator["unit"] == {"zh": "%", "en": "%"}
    assert parsed["name"] == {"zh": "迷你", "en": "迷你"}
    assert parsed["description"] == {"zh": "", "en": ""}


def test_a_text_in_no_language_is_refused():
    document = _minimal()
    document["dimensions"][0]["indicators"][0]["name"] = {}
    assert _errors(document)["dimensions[0].indicators[0].name"] == "needs a text in zh, en or both"


@pytest.mark.django_db
def test_a_one_language_framework_imports_and_exports_both_languages():
    document = _minimal()
    for dimension in document["dimensions"]:
        dimension["name"] = {"en": dimension["name"]["en"]}
        for indicator in dimension["indicators"]:
            indicator["name"] = {"en": indicator["name"]["en"]}
    framework = framework_import(document=document).framework
    indicator = framework.indicators.get(code="A1")
    assert (indicator.name_zh, indicator.name_en) == ("Indicator A1", "Indicator A1")
    assert framework_import(document=framework_document(framework)).action == "unchanged"


def test_an_unknown_normalisation_is_named():
    document = _minimal()
    document["dimensions"][0]["indicators"][0]["normalisation"]["method"] = "magic"
    assert _errors(document)["dimensions[0].indicators[0].normalisation.method"].startswith("must be one of")


def test_fixed_goalposts_must_be_ordered():
    document = _minimal()
    document["dimensions"][0]["indicators"][0]["normalisation"].update(lower=100, upper=0)
    assert _errors(document)["dimensions[0].indicators[0].normalisation.lower"] == "must be less than upper"


def test_duplicate_indicator_codes_are_refused():
    document = _minimal()
    document["dimensions"][1]["indicators"][0]["code"] = "A1"
    assert "indicator code A1 appears more than once" in _errors(document)["dimensions"]


def test_bands_must_start_at_zero_and_rise():
    document = _minimal()
    document["bands"][0]["min_score"] = 10
    document["bands"][1]["min_score"] = 5
    errors = _errors(document)
    assert errors["bands[0].min_score"] == "the first band must start at 0"


def test_text_that_is_not_yaml_is_refused():
    with pytest.raises(FrameworkFileError) as caught:
        load_framework_text("code: [unclosed")
    assert caught.value.errors[0][0] == "(file)"


@pytest.mark.django_db
def test_a_refused_file_writes_nothing(tmp_path):
    document = _minimal()
    document["dimensions"][1]["indicators"][0]["weight"] = 0.3
    path = tmp_path / "bad.yaml"
    path.write_text(dump_framework(document), encoding="utf-8")
    before = [model.objects.count() for model in (Framework, Dimension, Indicator, MaturityBand)]
    with pytest.raises(CommandError, match=r"dimensions\[1\]\.indicators: the weights"):
        call_command("load_framework", str(path))
    assert [model.objects.count() for model in (Framework, Dimension, Indicator, MaturityBand)] == before


def _minimal():
    def indicator(code, weight):
        return {
            "code": code, "name": {"zh": f"指标{code}", "en": f"Indicator {code}"},
            "definition": {"zh": "定义", "en": "Definition"}, "unit": {"zh": "%", "en": "%"},
            "data_type": "percent", "direction": "higher",
            "normalisation": {"method": "minmax_fixed", "lower": 0, "upper": 100},
            "weight": weight, "valid_range": [0, 100], "source": "GB/T 33356-2022",
        }

    return {
        "format": "smartgov-framework/1", "code": "mini", "version": 1,
        "name": {"zh": "迷你", "en": "Mini"},
        "dimensions": [
            {"code": "A", "name": {"zh": "甲", "en": "A"}, "weight": 0.5,
             "indicators": [indicator("A1", 0.5), indicator("A2", 0.5)]},
            {"code": "B", "name": {"zh": "乙", "en": "B"}, "weight": 0.5,
             "indicators": [indicator("B1", 0.7), indicator("B2", 0.3)]},
        ],
        "bands": [
            {"level": 1, "min_score": 0, "label": {"zh": "起步级", "en": "Initial"}},
            {"level": 2, "min_score": 50, "label": {"zh": "发展级", "en": "Developing"}},
        ],
    }
