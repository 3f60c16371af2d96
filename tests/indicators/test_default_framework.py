"""The default framework file: its shape, and what loading it writes."""

import math

import pytest
from django.core.management import call_command

from indicators.models import Framework, Indicator

DIMENSIONS = {"RS": "资源共享度", "MP": "管理精准度", "SC": "服务便捷度", "PS": "公众满意度"}


def test_it_has_the_four_dimensions_of_the_mission(default_document):
    assert {d["code"]: d["name"]["zh"] for d in default_document["dimensions"]} == DIMENSIONS


def test_it_has_six_to_ten_indicators_per_dimension(default_document):
    for dimension in default_document["dimensions"]:
        assert 6 <= len(dimension["indicators"]) <= 10, dimension["code"]


def test_its_weights_sum_to_one_at_each_level(default_document):
    assert math.isclose(sum(d["weight"] for d in default_document["dimensions"]), 1, abs_tol=1e-9)
    for dimension in default_document["dimensions"]:
        assert math.isclose(sum(i["weight"] for i in dimension["indicators"]), 1, abs_tol=1e-9), dimension["code"]


def test_every_indicator_is_bilingual_with_unit_direction_and_source(default_document):
    for dimension in default_document["dimensions"]:
        for indicator in dimension["indicators"]:
            for field in ("name", "definition", "unit"):
                assert indicator[field]["zh"], (indicator["code"], field)
                assert indicator[field]["en"], (indicator["code"], field)
            assert indicator["direction"] in ("higher", "lower")
            assert len(indicator["source"]) > 10, indicator["code"]


def test_it_traces_indicators_to_the_public_references(default_document):
    sources = " ".join(i["source"] for d in default_document["dimensions"] for i in d["indicators"])
    for reference in ("GB/T 33356-2022", "一体化政务服务", "LOSI", "GTMI"):
        assert reference in sources


def test_it_has_five_maturity_levels_from_zero(default_document):
    bands = default_document["bands"]
    assert [b["level"] for b in bands] == [1, 2, 3, 4, 5]
    assert bands[0]["min_score"] == 0
    assert all(b["label"]["zh"] and b["label"]["en"] for b in bands)


def test_it_includes_lower_is_better_indicators(default_document):
    directions = {i["direction"] for d in default_document["dimensions"] for i in d["indicators"]}
    assert directions == {"higher", "lower"}


@pytest.mark.django_db
def test_load_framework_writes_it_once_and_publishes_it(capsys):
    call_command("load_framework", publish=True)
    call_command("load_framework", publish=True)
    framework = Framework.objects.get(code="smartgov-maturity")
    assert framework.status == Framework.Status.PUBLISHED
    assert framework.dimensions.count() == 4
    assert Indicator.objects.filter(framework=framework).count() == sum(
        d.indicators.count() for d in framework.dimensions.all())
    assert capsys.readouterr().out.splitlines()[-1] == "smartgov-maturity v1: unchanged (published)"
