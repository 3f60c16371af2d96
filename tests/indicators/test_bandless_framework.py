"""A framework without maturity bands (and, here, without weights: entropy weighting) imports, publishes and
scores through the cycle pipeline; its regions have an index and ranks, and no level."""

import copy

import pytest

from assessments.models import RegionScore
from indicators.framework_file import parse_framework
from indicators.models import MaturityBand
from indicators.selectors import framework_document
from indicators.services import framework_import, framework_publish, framework_spec
from tests.factories import approved_cycle, many_cities, score

pytestmark = pytest.mark.django_db


def _bandless(default_document, *, weighting="expert"):
    document = copy.deepcopy(default_document)
    document.update(code="smartgov-bandless", rules=[])
    del document["bands"]
    document["method"]["weighting"] = weighting
    if weighting == "entropy":
        for dimension in document["dimensions"]:
            del dimension["weight"]
            for indicator in dimension["indicators"]:
                del indicator["weight"]
    return document


@pytest.mark.parametrize("weighting", ["expert", "entropy"])
def test_a_framework_without_bands_imports_publishes_and_scores_without_levels(default_document, regions,
                                                                               weighting):
    framework = framework_publish(
        framework=framework_import(document=_bandless(default_document, weighting=weighting)).framework)
    assert not MaturityBand.objects.filter(framework=framework).exists()
    assert framework_document(framework)["bands"] == []
    assert framework_spec(framework).bands == ()

    cities = many_cities(6, regions["zhejiang"])
    run = score(approved_cycle(framework, cities, 2025, seed=3))
    scores = list(RegionScore.objects.filter(run=run).values_list("index", "rank", "level"))
    assert len(scores) == len(cities)
    assert all(index is not None and rank is not None for index, rank, _level in scores)
    assert {level for _index, _rank, level in scores} == {None}
    assert run.method["spec"]["bands"] == []
    assert run.method["spec"]["weighting"] == weighting


def test_an_exported_bandless_framework_imports_unchanged(default_document):
    framework = framework_import(document=_bandless(default_document, weighting="entropy")).framework
    document = framework_document(framework)
    assert parse_framework(document) == document
    assert framework_import(document=document).action == "unchanged"
