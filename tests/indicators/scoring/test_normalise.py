"""Normalisations against the same computation done with pandas / scipy."""

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from indicators.scoring import normalise


@pytest.fixture
def frame():
    rng = np.random.default_rng(7)
    data = pd.DataFrame(rng.normal(50, 15, size=(40, 5)), columns=list("ABCDE"))
    data.iloc[[3, 17], 1] = np.nan
    data.iloc[5, 4] = np.nan
    data["C"] = data["C"].round(-1)  # ties
    return data


def test_minmax_observed_matches_pandas(frame):
    expected = 100 * (frame - frame.min()) / (frame.max() - frame.min())
    pd.testing.assert_frame_equal(normalise(frame, "minmax_observed"), expected)
    lower = 100 * (frame.max() - frame) / (frame.max() - frame.min())
    pd.testing.assert_frame_equal(normalise(frame, "minmax_observed", direction="lower"), lower)


def test_minmax_observed_constant_column_scores_100_and_keeps_missing():
    values = np.array([4.0, 4.0, np.nan, 4.0])
    np.testing.assert_array_equal(normalise(values, "minmax_observed"), [100, 100, np.nan, 100])
    np.testing.assert_array_equal(normalise(values, "minmax_observed", direction="lower"), [100, 100, np.nan, 100])


def test_minmax_fixed_clips_to_goalposts():
    values = pd.Series([-10.0, 0.0, 25.0, 50.0, 120.0, np.nan])
    expected = 100 * ((values - 0) / 100).clip(0, 1)
    pd.testing.assert_series_equal(normalise(values, "minmax_fixed", lower=0, upper=100), expected)
    flipped = normalise(values, "minmax_fixed", direction="lower", lower=0, upper=100)
    pd.testing.assert_series_equal(flipped, 100 - expected)


def test_target_distance_higher_and_lower_is_better():
    values = np.array([0.0, 20.0, 40.0, 80.0, 95.0, np.nan])
    higher = normalise(values, "target", lower=0, target=80)
    np.testing.assert_allclose(higher, [0, 25, 50, 100, 100, np.nan])
    days = np.array([2.0, 5.0, 10.0, 20.0, 30.0])  # processing days, 5 is the target, 20 the cap
    lower = normalise(days, "target", direction="lower", upper=20, target=5)
    np.testing.assert_allclose(lower, [100, 100, 100 * 10 / 15, 0, 0])


def test_target_baseline_defaults_to_the_observed_extreme():
    values = np.array([10.0, 30.0, 50.0, 70.0])
    np.testing.assert_allclose(normalise(values, "target", target=50), [0, 50, 100, 100])
    np.testing.assert_allclose(normalise(values, "target", direction="lower", target=30), [100, 100, 50, 0])


def test_zscore_matches_scipy(frame):
    z = scipy.stats.zscore(frame.to_numpy(), nan_policy="omit")
    expected = np.clip(50 + 10 * z, 0, 100)
    np.testing.assert_allclose(normalise(frame, "zscore").to_numpy(), expected, rtol=1e-12)
    flipped = normalise(frame, "zscore", direction="lower").to_numpy()
    np.testing.assert_allclose(flipped, np.clip(50 - 10 * z, 0, 100), rtol=1e-12)


def test_zscore_clips_and_constant_is_centre():
    values = np.r_[np.zeros(99), 1000.0]
    assert normalise(values, "zscore")[-1] == 100.0
    np.testing.assert_array_equal(normalise(np.full(5, 3.0), "zscore"), np.full(5, 50.0))


def test_percentile_matches_pandas_rank(frame):
    expected = frame.rank(pct=True) * 100
    pd.testing.assert_frame_equal(normalise(frame, "percentile"), expected)
    lower = (-frame).rank(pct=True) * 100
    pd.testing.assert_frame_equal(normalise(frame, "percentile", direction="lower"), lower)


def test_log_minmax_matches_manual_formula(frame):
    positive = frame.abs()
    logged = np.log1p(positive)
    expected = 100 * (logged - logged.min()) / (logged.max() - logged.min())
    pd.testing.assert_frame_equal(normalise(positive, "log_minmax"), expected)


def test_log_minmax_refuses_values_at_or_below_minus_one():
    with pytest.raises(ValueError, match=r"log_minmax needs values > -1.*'B'"):
        normalise(pd.DataFrame({"A": [1.0, 2.0], "B": [-1.0, 3.0]}), "log_minmax")


@pytest.mark.parametrize("method", ["minmax_observed", "zscore", "percentile", "log_minmax"])
def test_missing_stays_missing_and_scores_stay_in_range(method, frame):
    scores = normalise(frame.abs(), method)
    pd.testing.assert_frame_equal(scores.isna(), frame.isna())
    present = scores.to_numpy()[~frame.isna().to_numpy()]
    assert ((present >= 0) & (present <= 100)).all()


def test_per_column_parameters_are_keyed_by_code(frame):
    directions = pd.Series({"E": "lower", "A": "higher", "C": "lower", "B": "higher", "D": "higher"})
    scores = normalise(frame, "minmax_observed", direction=directions)
    pd.testing.assert_series_equal(scores["C"], normalise(frame["C"], "minmax_observed", direction="lower"))
    pd.testing.assert_series_equal(scores["A"], normalise(frame["A"], "minmax_observed"))
    with pytest.raises(ValueError, match="missing 'E'"):
        normalise(frame, "minmax_observed", direction=directions.drop("E"))


def test_array_shapes_are_kept():
    values = np.arange(12.0).reshape(6, 2)
    assert normalise(values, "percentile").shape == (6, 2)
    assert normalise(values[:, 0], "percentile").shape == (6,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "minmax_fixed", "lower": 5, "upper": 5}, "lower < upper"),
        ({"method": "minmax_fixed"}, "finite goalposts"),
        ({"method": "target"}, "finite target"),
        ({"method": "target", "lower": 90, "target": 80}, "above `lower`"),
        ({"method": "nope"}, "unknown normalisation"),
        ({"method": "zscore", "direction": "up"}, "direction must be"),
    ],
)
def test_invalid_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        normalise(np.array([1.0, 2.0]), **kwargs)
