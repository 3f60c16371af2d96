"""AHP weights and consistency against published worked examples."""

import numpy as np
import pandas as pd
import pytest

from indicators.scoring import RANDOM_INDEX, InconsistentMatrix, ahp_weights, check_consistency

# Saaty, T. L. (1990). How to make a decision: the analytic hierarchy process. European Journal of
# Operational Research 48(1), 9–26, Table 2 ("buying a house"): eight criteria, priority vector
# (.173, .054, .188, .018, .031, .036, .167, .333), λmax = 9.669, CI = 0.238, CR = 0.169.
HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]

# Saaty, T. L. (2008). Decision making with the analytic hierarchy process. International Journal of
# Services Sciences 1(1), 83–98, Table 2 ("which drink is consumed more in the US?"): derived scale
# coffee .177, wine .019, tea .042, beer .116, sodas .190, milk .129, water .327; CR = .022.
DRINKS = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]


def test_saaty_1990_house_example():
    result = ahp_weights(HOUSE)
    np.testing.assert_allclose(result.weights, [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333],
                               atol=5e-4)
    assert result.lambda_max == pytest.approx(9.669, abs=5e-4)
    assert result.ci == pytest.approx(0.238, abs=5e-4)
    assert result.cr == pytest.approx(0.169, abs=5e-4)
    assert result.random_index == 1.41
    assert not result.consistent


def test_saaty_2008_drinks_example():
    result = ahp_weights(DRINKS)
    np.testing.assert_allclose(result.weights, [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327], atol=5e-4)
    assert result.cr == pytest.approx(0.022, abs=5e-4)
    assert result.consistent
    assert result.weights.sum() == pytest.approx(1.0)


def test_formulas_hold_for_the_classic_three_by_three():
    matrix = np.array([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    result = ahp_weights(matrix)
    np.testing.assert_allclose(matrix @ result.weights, result.lambda_max * result.weights, rtol=1e-12)
    assert result.ci == pytest.approx((result.lambda_max - 3) / 2)
    assert result.cr == pytest.approx(result.ci / 0.58)
    np.testing.assert_allclose(result.weights, [0.637, 0.258, 0.105], atol=5e-4)


def test_consistent_matrix_recovers_the_ratios():
    w = np.array([0.5, 0.3, 0.15, 0.05])
    result = ahp_weights(w[:, None] / w[None, :])
    np.testing.assert_allclose(result.weights, w, rtol=1e-12)
    assert result.lambda_max == pytest.approx(4.0)
    assert abs(result.cr) < 1e-12


@pytest.mark.parametrize("n", [1, 2])
def test_small_matrices_are_consistent_by_definition(n):
    matrix = np.array([[1.0]]) if n == 1 else np.array([[1, 4], [1 / 4, 1]])
    result = ahp_weights(matrix)
    assert result.cr == 0.0
    assert result.ci == 0.0
    np.testing.assert_allclose(result.weights, [1.0] if n == 1 else [0.8, 0.2])


def test_other_random_index_table():
    result = ahp_weights(HOUSE, random_index="donegan_dodd")
    assert result.random_index == RANDOM_INDEX["donegan_dodd"][8]
    assert result.cr == pytest.approx(result.ci / 1.3171)
    custom = ahp_weights(HOUSE, random_index={8: 2.0})
    assert custom.cr == pytest.approx(custom.ci / 2.0)


def test_matrix_larger_than_the_table_is_refused():
    with pytest.raises(ValueError, match="no value for n = 11"):
        ahp_weights(np.ones((11, 11)))
    assert ahp_weights(np.ones((11, 11)), random_index="donegan_dodd").cr == pytest.approx(0.0, abs=1e-12)


def test_inconsistent_matrix_is_named_with_its_cr():
    with pytest.raises(InconsistentMatrix, match=r"AHP matrix 'dimension RS' is inconsistent: CR = 0\.169 ≥ 0\.10"):
        check_consistency(HOUSE, "dimension RS")
    assert issubclass(InconsistentMatrix, ValueError)
    assert check_consistency(DRINKS, "drinks").cr < 0.10


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2, 3], [0.5, 1, 2]], "square"),
        ([[1, -2], [-0.5, 1]], "positive"),
        ([[1, 3], [3, 1]], r"not reciprocal: a\[0\]\[1\]·a\[1\]\[0\] = 9"),
        ([[1, np.nan], [1, 1]], "positive finite"),
    ],
)
def test_invalid_matrices(matrix, message):
    with pytest.raises(ValueError, match=message):
        ahp_weights(matrix)


def test_rounded_reciprocals_are_accepted():
    result = ahp_weights([[1, 3, 5], [0.33, 1, 3], [0.2, 0.33, 1]])
    assert result.cr < 0.1


def test_labelled_matrix_gives_weights_keyed_by_code():
    codes = ["RS01", "RS02", "RS03"]
    frame = pd.DataFrame([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]], index=codes, columns=codes)
    weights = ahp_weights(frame).weights
    assert list(weights.index) == codes
    assert weights["RS01"] == pytest.approx(0.637, abs=5e-4)
    with pytest.raises(ValueError, match="same labels"):
        ahp_weights(frame.rename(index={"RS01": "X"}))
