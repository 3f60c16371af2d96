"""Entropy weights (against pymcdm) and the combination of subjective and objective weights."""

import numpy as np
import pandas as pd
import pytest
from pymcdm.weights import entropy_weights as pymcdm_entropy

from indicators.scoring import combine_weights, entropy_weights


@pytest.mark.parametrize(("m", "n", "seed"), [(5, 3, 0), (30, 8, 1), (200, 40, 2), (2, 2, 3)])
def test_entropy_equals_pymcdm_on_random_positive_matrices(m, n, seed):
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(0.01, 1000, size=(m, n)) ** rng.uniform(0.2, 2, size=n)
    np.testing.assert_allclose(entropy_weights(matrix), pymcdm_entropy(matrix), rtol=0, atol=1e-9)


def test_batched_entropy_equals_each_period():
    rng = np.random.default_rng(4)
    cube = rng.uniform(1, 50, size=(6, 25, 7))
    batched = entropy_weights(cube)
    assert batched.shape == (6, 7)
    for p in range(6):
        np.testing.assert_allclose(batched[p], pymcdm_entropy(cube[p]), rtol=0, atol=1e-9)


def test_standardised_entropy_follows_the_chinese_practice_formula():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.uniform(0, 100, size=(20, 4)), columns=["a", "b", "c", "d"])
    benefit = pd.Series({"a": True, "b": False, "c": True, "d": False})
    standardised = (frame - frame.min()) / (frame.max() - frame.min())
    standardised[["b", "d"]] = 1 - standardised[["b", "d"]]
    p = standardised / standardised.sum()
    plogp = (p * np.log(p.where(p > 0, 1.0))).sum()  # 0 · ln 0 = 0
    d = 1 + plogp / np.log(len(frame))
    expected = d / d.sum()
    result = entropy_weights(frame, standardise=True, benefit=benefit)
    pd.testing.assert_series_equal(result, expected.rename("weight"), rtol=1e-12)


def test_constant_columns_carry_no_weight_and_all_constant_gives_equal_weights():
    matrix = np.array([[1.0, 5.0, 3.0], [2.0, 5.0, 9.0], [4.0, 5.0, 1.0]])
    weights = entropy_weights(matrix)
    assert weights[1] == 0.0
    assert weights.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(entropy_weights(np.full((4, 3), 2.0)), np.full(3, 1 / 3))
    np.testing.assert_array_equal(entropy_weights(np.array([[1.0, 2.0, 3.0]])), np.full(3, 1 / 3))


def test_zeros_count_as_zero_p_log_p():
    matrix = np.array([[0.0, 1.0], [2.0, 1.5], [4.0, 2.0]])
    p = matrix[:, 0] / 6
    e0 = -(p[1:] * np.log(p[1:])).sum() / np.log(3)
    q = matrix[:, 1] / 4.5
    e1 = -(q * np.log(q)).sum() / np.log(3)
    np.testing.assert_allclose(entropy_weights(matrix), np.array([1 - e0, 1 - e1]) / (2 - e0 - e1))


def test_missing_values_are_left_out_of_their_column():
    rng = np.random.default_rng(6)
    matrix = rng.uniform(1, 10, size=(12, 3))
    with_gap = matrix.copy()
    with_gap[[2, 7], 1] = np.nan
    result = entropy_weights(with_gap)
    d = [1 - pd.Series(c).pipe(lambda s: -(s / s.sum() * np.log(s / s.sum())).sum() / np.log(s.count()))
         for c in (matrix[:, 0], np.delete(matrix[:, 1], [2, 7]), matrix[:, 2])]
    np.testing.assert_allclose(result, np.array(d) / sum(d), rtol=1e-12)


def test_raw_entropy_refuses_negative_columns():
    with pytest.raises(ValueError, match=r"non-negative.*'b'"):
        entropy_weights(pd.DataFrame({"a": [1.0, 2.0], "b": [-1.0, 2.0]}))


def test_dataframe_weights_are_keyed_by_column():
    rng = np.random.default_rng(8)
    frame = pd.DataFrame(rng.uniform(1, 9, size=(10, 4)), columns=["w", "x", "y", "z"])
    shuffled = frame[["z", "x", "w", "y"]]
    pd.testing.assert_series_equal(entropy_weights(frame), entropy_weights(shuffled).reindex(frame.columns))


def test_combine_multiplicative_and_linear():
    s = pd.Series({"a": 0.5, "b": 0.3, "c": 0.2})
    o = pd.Series({"c": 0.5, "a": 0.25, "b": 0.25})
    product = (s * o) / (s * o).sum()
    pd.testing.assert_series_equal(combine_weights(s, o), product.rename("weight"))
    linear = combine_weights(s, o, method="linear", alpha=0.7)
    pd.testing.assert_series_equal(linear, (0.7 * s + 0.3 * o.reindex(s.index)).rename("weight"))
    assert linear.sum() == pytest.approx(1.0)


def test_combine_rescales_inputs_to_sum_one():
    s = pd.Series({"a": 5.0, "b": 5.0})
    o = pd.Series({"a": 0.2, "b": 0.8})
    pd.testing.assert_series_equal(combine_weights(s, o, method="linear", alpha=0.5),
                                   pd.Series({"a": 0.35, "b": 0.65}, name="weight"))


def test_combine_refuses_mismatched_codes_naming_them():
    s = pd.Series({"RS01": 0.5, "RS02": 0.5})
    with pytest.raises(ValueError, match="missing 'RS02'; unexpected 'RS03'"):
        combine_weights(s, pd.Series({"RS01": 0.5, "RS03": 0.5}))
    with pytest.raises(ValueError, match="alpha"):
        combine_weights(s, s, method="linear", alpha=1.5)
    with pytest.raises(ValueError, match="unknown combination"):
        combine_weights(s, s, method="geometric")
