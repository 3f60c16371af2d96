"""Import and export in the framework file format: round trip, and refusals that name the field."""

import copy

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from indicators.framework_file import FrameworkFileError, dump_framework, load_framework_text, parse_framework
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


def test_weights_that_do_not_sum_to_one_are_refused():
    document = _minimal()
    document["dimensions"][0]["weight"] = 0.6
    assert "must sum to 1" in _errors(document)["dimensions"]


def test_a_missing_translation_is_named():
    document = _minimal()
    del document["dimensions"][0]["indicators"][0]["name"]["en"]
    assert _errors(document)["dimensions[0].indicators[0].name.en"] == "is required"


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
