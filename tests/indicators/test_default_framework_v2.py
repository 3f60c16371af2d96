"""The default framework's version 2 (issue 16): what every indicator declares, where the index comes from, which
levels it assesses, its gated bands — and that loading it leaves version 1 and its cycles as they are."""

import math
from itertools import pairwise

import pytest
from django.core.management import call_command

from indicators.framework_file import load_framework_file, parse_framework
from indicators.models import Framework
from indicators.scoring.spec import REGION_LEVELS
from indicators.selectors import framework_document

DIMENSIONS = {"RS": "资源共享度", "MP": "管理精准度", "SC": "服务便捷度", "PS": "公众满意度"}
INDEPENDENT = ("third_party", "provincial_survey")


@pytest.fixture
def v2(default_document_v2):
    return default_document_v2


def _indicators(document):
    return [(d, i) for d in document["dimensions"] for i in d["indicators"]]


def _share(document, keep):
    """Share of the index carried by the indicators `keep` accepts (dimension weight × indicator weight)."""
    return math.fsum(d["weight"] * i["weight"] for d, i in _indicators(document) if keep(i))


def test_it_is_version_2_of_the_default_framework_with_its_four_dimensions(v2, default_document):
    assert (v2["code"], v2["version"]) == (default_document["code"], 2)
    assert {d["code"]: d["name"]["zh"] for d in v2["dimensions"]} == DIMENSIONS


def test_every_indicator_declares_class_provenance_levels_control_and_calibration(v2):
    for _dimension, indicator in _indicators(v2):
        assert indicator["indicator_class"] in ("input", "process", "outcome"), indicator["code"]
        assert indicator["provenance"] is not None, indicator["code"]
        assert indicator["control"] in ("local", "vertical"), indicator["code"]
        assert indicator["applies_to"], indicator["code"]
        assert len(indicator["calibration"] or "") > 20, indicator["code"]


def test_what_the_city_does_not_control_is_monitored_without_weight(v2):
    vertical = {i["code"] for _d, i in _indicators(v2) if i["control"] == "vertical"}
    unweighted = {i["code"] for _d, i in _indicators(v2) if i["weight"] == 0}
    assert vertical == unweighted == {"RS09", "SC13"}


def test_independent_sources_carry_more_of_the_index_than_self_declared_values(v2):
    independent = _share(v2, lambda i: i["provenance"] in INDEPENDENT)
    declared = _share(v2, lambda i: i["provenance"] == "self_declared")
    assert independent == pytest.approx(0.2975)
    assert declared == pytest.approx(0.14)
    satisfaction = next(d for d in v2["dimensions"] if d["code"] == "PS")
    independent_ps = math.fsum(i["weight"] for i in satisfaction["indicators"] if i["provenance"] in INDEPENDENT)
    assert independent_ps == pytest.approx(0.80)


def test_every_level_is_assessed_in_every_dimension(v2):
    for level in REGION_LEVELS:
        for dimension in v2["dimensions"]:
            assert any(level in i["applies_to"] and i["weight"] > 0 for i in dimension["indicators"]), (
                level, dimension["code"])


def test_its_bands_are_gated_and_the_gates_rise(v2):
    bands = v2["bands"]
    assert [b["min_score"] for b in bands] == [0, 50, 65, 80, 90]
    assert bands[0]["gates"] == {}
    for lower, higher in pairwise(bands[1:]):
        assert set(lower["gates"]) == set(higher["gates"]) == set(DIMENSIONS)
        assert all(higher["gates"][d] >= lower["gates"][d] for d in DIMENSIONS)


@pytest.mark.django_db
def test_loading_it_publishes_version_2_and_leaves_version_1_as_it_is(framework, framework_v2_file, capsys):
    before = framework_document(framework)
    call_command("load_framework", str(framework_v2_file), publish=True)
    assert "smartgov-maturity v2: created (published)" in capsys.readouterr().out
    loaded = Framework.objects.get(code="smartgov-maturity", version=2)
    assert framework_document(loaded) == parse_framework(load_framework_file(framework_v2_file))
    assert framework_document(framework) == before
    assert loaded.indicators.count() == 46
