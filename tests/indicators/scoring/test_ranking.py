"""Competition ranks (1, 2, 2, 4) and average ranks, vectorised."""

import numpy as np
import pandas as pd

from indicators.scoring import competition_rank
from indicators.scoring.ranking import average_rank


def test_competition_ranks_with_ties():
    np.testing.assert_array_equal(competition_rank(np.array([90.0, 80.0, 80.0, 70.0])), [1, 2, 2, 4])


def test_missing_values_are_not_ranked_and_do_not_count():
    ranks = competition_rank(np.array([50.0, np.nan, 70.0, 50.0]))
    np.testing.assert_array_equal(ranks, [2, np.nan, 1, 2])


def test_ranks_run_along_the_last_axis():
    values = np.array([[1.0, 3.0, 2.0], [5.0, 5.0, 4.0]])
    np.testing.assert_array_equal(competition_rank(values), [[3, 1, 2], [1, 1, 3]])


def test_group_ranks_equal_pandas_groupby_min_rank():
    rng = np.random.default_rng(3)
    values = rng.integers(0, 6, size=40).astype(float)
    values[[4, 9]] = np.nan
    groups = rng.integers(-1, 4, size=40)
    ranks = competition_rank(values, groups)
    frame = pd.DataFrame({"v": values, "g": groups})
    expected = frame[frame.g >= 0].groupby("g")["v"].rank(method="min", ascending=False)
    np.testing.assert_array_equal(ranks[frame.g >= 0], expected.to_numpy())
    assert np.isnan(ranks[groups < 0]).all()


def test_average_rank_equals_pandas():
    rng = np.random.default_rng(4)
    values = rng.integers(0, 5, size=(3, 30)).astype(float)
    values[0, 3] = np.nan
    expected = pd.DataFrame(values.T).rank(method="average").to_numpy().T
    np.testing.assert_array_equal(average_rank(values), expected)


def test_competition_ranks_of_many_rows_with_ties_gaps_and_infinities_equal_pandas():
    rng = np.random.default_rng(5)
    values = rng.integers(0, 8, size=(50, 40)).astype(float)
    values[rng.random(values.shape) < 0.15] = np.nan
    values[3, :2] = [np.inf, -np.inf]
    expected = pd.DataFrame(values.T).rank(method="min", ascending=False).to_numpy().T
    np.testing.assert_array_equal(competition_rank(values), expected)


def test_competition_ranks_over_several_leading_axes_all_missing_rows_and_no_regions():
    rng = np.random.default_rng(6)
    values = rng.integers(0, 5, size=(3, 4, 25)).astype(float)
    values[1, 2] = np.nan
    ranks = competition_rank(values)
    for i in range(3):
        expected = pd.DataFrame(values[i].T).rank(method="min", ascending=False).to_numpy().T
        np.testing.assert_array_equal(ranks[i], expected)
    assert np.isnan(ranks[1, 2]).all()
    assert competition_rank(np.empty((7, 0))).shape == (7, 0)
