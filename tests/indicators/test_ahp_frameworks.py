"""AHP matrices: an inconsistent one (CR ≥ 0.10) is refused wherever a framework is imported, edited or
published, and the refusal names the matrix and its CR."""

import copy

import pytest
from django.core.exceptions import ValidationError

from indicators.framework_file import FrameworkFileError, parse_framework
from indicators.models import Dimension
from indicators.scoring import ahp_weights
from indicators.services import framework_import, framework_publish

INCONSISTENT = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
CONSISTENT = [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]


def _ahp_document(default_document, matrix):
    """The default framework, its first dimension reduced to three indicators weighted by `matrix`."""
    document = copy.deepcopy(default_document)
    document["code"] = "smartgov-ahp"
    document["method"]["weighting"] = "ahp"
    document["rules"] = []
    document["method"]["dimension_pairwise"] = [[1, 1, 1, 1]] * 4
    first = document["dimensions"][0]
    first["indicators"] = first["indicators"][:3]
    weights = ahp_weights(CONSISTENT).weights
    for indicator, weight in zip(first["indicators"], weights, strict=True):
        indicator["weight"] = round(float(weight), 6)
    first["indicators"][0]["weight"] += 1 - sum(i["weight"] for i in first["indicators"])
    first["pairwise"] = matrix
    for dimension in document["dimensions"][1:]:
        n = len(dimension["indicators"])
        dimension["pairwise"] = [[1] * n for _ in range(n)]
        for indicator in dimension["indicators"]:
            indicator["weight"] = 1 / n
    return document


def test_a_consistent_ahp_framework_is_accepted(default_document):
    parsed = parse_framework(_ahp_document(default_document, CONSISTENT))
    assert parsed["dimensions"][0]["pairwise"] == [[float(x) for x in row] for row in CONSISTENT]


def test_an_inconsistent_matrix_is_refused_with_its_name_and_cr(default_document):
    with pytest.raises(FrameworkFileError) as refused:
        parse_framework(_ahp_document(default_document, INCONSISTENT))
    path, reason = refused.value.errors[0]
    assert path == "dimensions[0].pairwise"
    assert "AHP matrix 'dimension RS' is inconsistent: CR = " in reason
    assert "≥ 0.10" in reason


def test_weights_that_disagree_with_the_matrix_are_refused(default_document):
    document = _ahp_document(default_document, CONSISTENT)
    document["dimensions"][0]["indicators"][0]["weight"] -= 0.05
    document["dimensions"][0]["indicators"][1]["weight"] += 0.05
    with pytest.raises(FrameworkFileError, match=r"the weights must be the ones this matrix gives: 0\.5714"):
        parse_framework(document)


@pytest.mark.django_db
def test_a_draft_edited_into_inconsistency_cannot_be_published(default_document):
    framework = framework_import(document=_ahp_document(default_document, CONSISTENT)).framework
    Dimension.objects.filter(framework=framework, code="RS").update(pairwise=INCONSISTENT)
    with pytest.raises(FrameworkFileError, match=r"AHP matrix 'dimension RS' is inconsistent: CR = \d\.\d+"):
        framework_publish(framework=framework)
    framework.refresh_from_db()
    assert framework.status == "draft"


@pytest.mark.django_db
def test_editing_a_matrix_in_the_admin_checks_it(default_document):
    framework = framework_import(document=_ahp_document(default_document, CONSISTENT)).framework
    dimension = framework.dimensions.get(code="RS")
    dimension.pairwise = INCONSISTENT
    with pytest.raises(ValidationError) as refused:
        dimension.full_clean()
    assert "CR = " in refused.value.message_dict["pairwise"][0]
