"""TOPSIS against pymcdm (vector normalisation), batched and keyed forms."""

import numpy as np
import pandas as pd
import pytest
from pymcdm.methods import TOPSIS
from pymcdm.normalizations import vector_normalization

from indicators.scoring import topsis
from indicators.scoring.topsis import topsis_batch

REFERENCE = TOPSIS(vector_normalization)


@pytest.mark.parametrize(("m", "n", "seed"), [(4, 3, 0), (25, 6, 1), (300, 40, 2), (3, 2, 3)])
def test_topsis_equals_pymcdm_on_random_matrices(m, n, seed):
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(0.1, 500, size=(m, n))
    weights = rng.dirichlet(np.ones(n))
    benefit = rng.random(n) < 0.7
    expected = REFERENCE(matrix, weights, np.where(benefit, 1, -1))
    np.testing.assert_allclose(topsis(matrix, weights, benefit), expected, rtol=0, atol=1e-9)


def test_batched_topsis_equals_each_period():
    rng = np.random.default_rng(9)
    cube = rng.uniform(1, 100, size=(5, 40, 8))
    weights = rng.dirichlet(np.ones(8), size=5)
    benefit = np.array([True, False] * 4)
    batched = topsis(cube, weights, benefit)
    assert batched.shape == (5, 40)
    for p in range(5):
        expected = REFERENCE(cube[p], weights[p], np.where(benefit, 1, -1))
        np.testing.assert_allclose(batched[p], expected, rtol=0, atol=1e-9)


def test_weights_and_benefit_are_keyed_by_code():
    rng = np.random.default_rng(10)
    frame = pd.DataFrame(rng.uniform(1, 10, size=(15, 3)), columns=["A", "B", "C"],
                         index=[f"R{i}" for i in range(15)])
    weights = pd.Series({"C": 0.2, "A": 0.5, "B": 0.3})
    benefit = pd.Series({"B": False, "C": True, "A": True})
    result = topsis(frame, weights, benefit)
    shuffled = topsis(frame[["B", "C", "A"]], weights, benefit)
    pd.testing.assert_series_equal(result, shuffled)
    expected = REFERENCE(frame.to_numpy(), [0.5, 0.3, 0.2], [1, -1, 1])
    np.testing.assert_allclose(result.to_numpy(), expected, atol=1e-9)
    assert list(result.index) == list(frame.index)
    with pytest.raises(ValueError, match="missing 'C'"):
        topsis(frame, weights.drop("C"), benefit)


def test_excluded_rows_influence_nothing():
    rng = np.random.default_rng(11)
    matrix = rng.uniform(1, 10, size=(1, 12, 4))
    rows = np.ones((1, 12), dtype=bool)
    rows[0, [3, 8]] = False
    weights = np.full((1, 4), 0.25)
    masked = topsis_batch(matrix, weights, rows=rows)
    subset = topsis_batch(matrix[:, rows[0]], weights)
    np.testing.assert_allclose(masked[0, rows[0]], subset[0], rtol=1e-12)
    assert np.isnan(masked[0, [3, 8]]).all()


def test_identical_rows_are_all_ideal():
    np.testing.assert_array_equal(topsis(np.ones((3, 2)), [0.5, 0.5], [True, True]), [1.0, 1.0, 1.0])


def test_missing_values_and_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="complete, finite"):
        topsis(np.array([[1.0, np.nan], [2.0, 3.0]]), [0.5, 0.5], [True, True])
    with pytest.raises(ValueError, match="booleans"):
        topsis(np.ones((2, 2)), [0.5, 0.5], [1, -1])
    with pytest.raises(ValueError, match="non-negative"):
        topsis(np.ones((2, 2)), [-0.5, 1.5], [True, True])


@pytest.mark.parametrize(("matrix", "weights", "message"), [
    (np.ones((3, 4)), [0.25, 0.25, 0.5], r"3 weights were given for a matrix of 4 columns"),
    (np.ones((3, 2)), [0.2, 0.3, 0.5], r"3 weights were given for a matrix of 2 columns"),
    (np.ones((5, 3, 2)), np.full((4, 2), 0.5), r"weights are shaped \(4, 2\) for a matrix of 2 columns: give 2 "
                                               r"weights, or a \(5, 2\) array: one row per period"),
])
def test_weights_of_the_wrong_length_are_refused_naming_the_lengths(matrix, weights, message):
    with pytest.raises(ValueError, match=message):
        topsis(matrix, weights, [True] * matrix.shape[-1])


def test_benefit_flags_of_the_wrong_length_are_refused_naming_the_lengths():
    with pytest.raises(ValueError, match=r"benefit must be 3 booleans .* got 2"):
        topsis(np.ones((2, 3)), [0.2, 0.3, 0.5], [True, False])


def test_the_batched_form_refuses_weights_that_do_not_fit():
    with pytest.raises(ValueError, match=r"TOPSIS weights are shaped \(1, 3\), the data \(1, 4, 2\)"):
        topsis_batch(np.ones((1, 4, 2)), np.ones((1, 3)))
