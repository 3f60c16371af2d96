"""`compute`: weights, aggregation, missing-data rule, levels, ranks, change, contributions and gaps."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from pymcdm.methods import TOPSIS
from pymcdm.normalizations import vector_normalization

from indicators.scoring import InconsistentMatrix, NormalisationSpec, compute, entropy_weights, topsis

from .builders import make_spec, one_period, tidy

LAYOUT = {"RS": ["RS01", "RS02"], "PS": ["PS01", "PS02", "PS03"]}
CODES = ["RS01", "RS02", "PS01", "PS02", "PS03"]


def random_values(seed=0, periods=3, regions=12, missing=0.0):
    rng = np.random.default_rng(seed)
    cube = rng.uniform(0, 100, size=(periods, regions, len(CODES)))
    cube[rng.random(cube.shape) < missing] = np.nan
    return tidy(cube, CODES)


def by_region(frame, column, period=None):
    rows = frame if period is None else frame[frame.period == period]
    return rows.set_index("region")[column]


def test_result_frames_and_columns():
    result = compute(random_values(), make_spec(LAYOUT))
    assert list(result.indicators.columns) == [
        "region", "period", "indicator", "dimension", "value", "score", "weight", "contribution", "gap"]
    assert list(result.dimensions.columns) == ["region", "period", "dimension", "score", "coverage", "weight", "rank"]
    assert list(result.index.columns) == [
        "region", "period", "index", "level", "label", "rank", "parent", "parent_rank", "change", "complete",
        "coverage"]
    assert list(result.weights.columns) == ["period", "indicator", "dimension", "weight"]
    assert len(result.indicators) == 3 * 12 * 5
    assert len(result.dimensions) == 3 * 12 * 2
    assert len(result.index) == 3 * 12
    assert len(result.weights) == 3 * 5


def test_expert_arithmetic_index_equals_the_hand_computation():
    spec = make_spec(LAYOUT, dimension_weights={"RS": 0.6, "PS": 0.4},
                     indicator_weights={"RS01": 0.75, "RS02": 0.25, "PS01": 0.5, "PS02": 0.3, "PS03": 0.2})
    values = random_values(seed=1)
    result = compute(values, spec)
    overall = pd.Series({"RS01": 0.45, "RS02": 0.15, "PS01": 0.2, "PS02": 0.12, "PS03": 0.08})
    expected = (values.pivot_table("value", ["period", "region"], "indicator") * overall).sum(axis=1)
    got = result.index.set_index(["period", "region"])["index"]
    np.testing.assert_allclose(got, expected.reindex(got.index.astype(object)), rtol=1e-12)
    weights = result.weights.pivot_table("weight", "period", "indicator")
    np.testing.assert_allclose(weights[overall.index], np.tile(overall, (3, 1)))


def test_lower_is_better_is_visible_after_normalisation():
    spec = make_spec({"D": ["A", "B"]}, lower_is_better=("B",),
                     normalisation=NormalisationSpec("minmax_observed"))
    values = one_period({"X": [10, 1], "Y": [20, 5], "Z": [30, 9]}, ["A", "B"])
    scores = compute(values, spec).indicators.pivot_table("score", "region", "indicator", observed=True)
    assert list(scores["A"]) == [0, 50, 100]
    assert list(scores["B"]) == [100, 50, 0]


def test_missing_indicator_is_reweighted_within_its_dimension():
    spec = make_spec({"D1": ["A", "B", "C", "E"], "D2": ["F"]}, min_share=0.75)
    values = one_period({"X": [40, 60, 80, np.nan, 50], "Y": [10, 20, 30, 40, 50]}, ["A", "B", "C", "E", "F"])
    result = compute(values, spec)
    x = result.index.set_index("region").loc["X"]
    assert x["complete"]
    assert x["index"] == pytest.approx(0.5 * 60 + 0.5 * 50)
    assert x["coverage"] == pytest.approx(0.5 * 0.75 + 0.5)
    dims = result.dimensions.set_index(["region", "dimension"])
    assert dims.loc[("X", "D1"), "coverage"] == pytest.approx(0.75)
    assert dims.loc[("X", "D1"), "score"] == pytest.approx(60)
    rows = result.indicators[result.indicators.region == "X"].set_index("indicator")
    assert rows.loc["E", "weight"] == 0
    assert np.isnan(rows.loc["E", "score"])
    assert rows.loc["A", "weight"] == pytest.approx(0.5 / 3)
    assert rows["weight"].sum() == pytest.approx(1.0)


def test_dimension_below_min_share_makes_the_region_incomplete_and_unranked():
    spec = make_spec({"D1": ["A", "B", "C", "E"], "D2": ["F"]}, min_share=0.75)
    values = one_period({"X": [40, np.nan, np.nan, 70, 50], "Y": [10, 20, 30, 40, 50], "Z": [0, 0, 0, 0, 0]},
                        ["A", "B", "C", "E", "F"])
    result = compute(values, spec)
    index = result.index.set_index("region")
    assert not index.loc["X", "complete"]
    assert np.isnan(index.loc["X", "index"])
    assert index["level"].isna()["X"]
    assert index["rank"].isna()["X"]
    assert index["label"].isna()["X"]
    assert index.loc["X", "coverage"] == pytest.approx(0.5 * 0.5 + 0.5)
    assert list(index.loc[["Y", "Z"], "rank"]) == [1, 2]
    dims = result.dimensions.set_index(["region", "dimension"])
    assert np.isnan(dims.loc[("X", "D1"), "score"])
    assert dims.loc[("X", "D2"), "score"] == 50
    rows = result.indicators[result.indicators.region == "X"]
    assert rows[["weight", "contribution", "gap"]].isna().all().all()


def test_complete_regions_never_carry_a_silent_nan():
    for aggregation in ("arithmetic", "geometric", "topsis"):
        for weighting in ("expert", "entropy", "combined"):
            spec = make_spec(LAYOUT, aggregation=aggregation, weighting=weighting, min_share=0.5)
            result = compute(random_values(seed=2, regions=30, missing=0.15), spec)
            complete = result.index[result.index.complete]
            assert 0 < len(complete) < len(result.index)
            assert complete[["index", "coverage", "change"]].drop(columns="change").notna().all().all()
            assert complete["rank"].notna().all()
            assert complete["level"].notna().all()
            keys = complete[["region", "period"]]
            dims = result.dimensions.merge(keys)
            assert dims["score"].notna().all()
            rows = result.indicators.merge(keys)
            assert rows[["weight", "contribution", "gap"]].notna().all().all()


def test_competition_ranks_per_period_and_within_parent():
    spec = make_spec({"D": ["A"]})
    values = pd.concat([
        one_period({"a": [90], "b": [80], "c": [80], "d": [70], "e": [95]}, ["A"], period=2023),
        one_period({"a": [10], "b": [20], "c": [30], "d": [30], "e": [np.nan]}, ["A"], period=2024),
    ])
    parents = {"a": "P1", "b": "P1", "c": "P2", "d": "P2", "e": "P1"}
    index = compute(values, spec, parents=parents).index.set_index(["period", "region"])
    assert list(index.loc[2023, "rank"]) == [2, 3, 3, 5, 1]
    assert list(index.loc[2023, "parent_rank"]) == [2, 3, 1, 2, 1]
    assert list(index.loc[2024, "rank"]) == [4, 3, 1, 1]
    assert list(index.loc[2024, "parent_rank"]) == [2, 1, 1, 1]
    assert list(index.loc[2024, "parent"]) == ["P1", "P1", "P2", "P2"]


def test_rank_decimals_ranks_the_rounded_index():
    values = one_period({"a": [80.004], "b": [80.001], "c": [79.2]}, ["A"])
    exact = compute(values, make_spec({"D": ["A"]})).index
    rounded = compute(values, make_spec({"D": ["A"]}, rank_decimals=1)).index
    assert list(exact["rank"]) == [1, 2, 3]
    assert list(rounded["rank"]) == [1, 1, 3]


def test_levels_follow_the_bands():
    values = one_period({"a": [0], "b": [39.99], "c": [40], "d": [75]}, ["A"])
    index = compute(values, make_spec({"D": ["A"]})).index
    assert list(index["level"]) == [1, 1, 2, 3]
    assert list(index["label"]) == ["起步级", "起步级", "发展级", "成熟级"]
    no_bands = compute(values, make_spec({"D": ["A"]}, bands=())).index
    assert no_bands["level"].isna().all()


def test_change_looks_back_to_the_latest_period_with_an_index():
    spec = make_spec({"D": ["A", "B"]}, min_share=1.0)
    cube = np.array([[[10, 10], [50, 50]], [[np.nan, 20], [60, 60]], [[40, 40], [55, 55]]], dtype=float)
    index = compute(tidy(cube, ["A", "B"]), spec).index.set_index(["region", "period"])
    assert np.isnan(index.loc[("R00", 2020), "change"])
    assert np.isnan(index.loc[("R00", 2021), "change"])
    assert not index.loc[("R00", 2021), "complete"]
    assert index.loc[("R00", 2022), "change"] == pytest.approx(30)
    assert list(index.loc["R01", "change"].iloc[1:]) == pytest.approx([10, -5])


@pytest.mark.parametrize("aggregation", ["arithmetic", "geometric", "topsis"])
def test_contributions_sum_to_the_index_and_gaps_to_the_distance_from_the_best(aggregation):
    spec = make_spec(LAYOUT, aggregation=aggregation, weighting="entropy", min_share=0.5)
    result = compute(random_values(seed=3, regions=20, missing=0.1), spec)
    sums = result.indicators.groupby(["period", "region"], observed=True)[["contribution", "gap"]].sum(min_count=1)
    index = result.index.set_index(["period", "region"])
    np.testing.assert_allclose(sums["contribution"], index["index"].reindex(sums.index), rtol=1e-9)
    best = index.groupby(level="period")["index"].transform("max")
    np.testing.assert_allclose(sums["gap"], (best - index["index"]).reindex(sums.index), atol=1e-9)


def test_arithmetic_contribution_is_weight_times_score():
    result = compute(random_values(seed=4), make_spec(LAYOUT))
    rows = result.indicators
    np.testing.assert_allclose(rows["contribution"], rows["weight"] * rows["score"], rtol=1e-12)


def test_entropy_weights_per_period_and_dimension_weights_as_their_sums():
    spec = make_spec(LAYOUT, weighting="entropy", entropy_standardise=True, lower_is_better=("PS02",))
    values = random_values(seed=5)
    result = compute(values, spec)
    for period, rows in values.groupby("period"):
        matrix = rows.pivot(index="region", columns="indicator", values="value")[CODES]
        expected = entropy_weights(matrix, standardise=True, benefit=pd.Series(
            {c: c != "PS02" for c in CODES}))
        got = result.weights[result.weights.period == period].set_index("indicator")["weight"]
        np.testing.assert_allclose(got[CODES], expected, rtol=1e-12)
        dims = result.dimensions[result.dimensions.period == period].groupby("dimension", observed=True)["weight"]
        assert dims.first()["RS"] == pytest.approx(expected[["RS01", "RS02"]].sum())


def test_combined_weights_mix_expert_and_entropy_linearly():
    spec = make_spec(LAYOUT, weighting="combined", combine_alpha=0.3, entropy_standardise=False)
    values = random_values(seed=6)
    result = compute(values, spec)
    expert = pd.Series({"RS01": 0.25, "RS02": 0.25, "PS01": 1 / 6, "PS02": 1 / 6, "PS03": 1 / 6})
    for period, rows in values.groupby("period"):
        objective = entropy_weights(rows.pivot(index="region", columns="indicator", values="value")[CODES])
        got = result.weights[result.weights.period == period].set_index("indicator")["weight"][CODES]
        np.testing.assert_allclose(got, 0.3 * expert[CODES] + 0.7 * objective, rtol=1e-12)


def test_topsis_index_equals_pymcdm_on_the_scores():
    spec = make_spec(LAYOUT, aggregation="topsis", weighting="entropy",
                     normalisation=NormalisationSpec("minmax_observed"))
    result = compute(random_values(seed=7, regions=25), spec)
    for period in (2020, 2022):
        rows = result.indicators[result.indicators.period == period]
        scores = rows.pivot(index="region", columns="indicator", values="score")[CODES]
        weights = result.weights[result.weights.period == period].set_index("indicator")["weight"][CODES]
        expected = 100 * TOPSIS(vector_normalization)(scores.to_numpy(), weights.to_numpy(), np.ones(5))
        index = by_region(result.index, "index", period)
        np.testing.assert_allclose(index[scores.index], expected, atol=1e-9)
        benefit = pd.Series(True, index=CODES)
        np.testing.assert_allclose(index[scores.index], 100 * topsis(scores, weights, benefit), atol=1e-9)


def test_geometric_index_uses_the_floor_for_zero_scores():
    spec = make_spec({"D1": ["A", "B"], "D2": ["C"]}, aggregation="geometric")
    values = one_period({"X": [100, 0, 25], "Y": [64, 16, 100]}, ["A", "B", "C"])
    index = by_region(compute(values, spec).index, "index")
    assert index["X"] == pytest.approx(np.sqrt(np.sqrt(100 * 1)) * np.sqrt(25))
    assert index["Y"] == pytest.approx(np.sqrt(np.sqrt(64 * 16)) * np.sqrt(100))


@pytest.mark.parametrize("floor", [0.1, 5.0, 30.0])
def test_geometric_index_uses_the_declared_floor(floor):
    spec = make_spec({"D1": ["A", "B"], "D2": ["C"]}, aggregation="geometric", geometric_floor=floor)
    values = one_period({"X": [100, 0, 25], "Y": [64, 16, 100]}, ["A", "B", "C"])
    result = compute(values, spec)
    index = by_region(result.index, "index")
    assert index["X"] == pytest.approx(np.sqrt(np.sqrt(100 * floor)) * np.sqrt(max(25, floor)))
    assert index["Y"] == pytest.approx(np.sqrt(np.sqrt(64 * max(16, floor))) * np.sqrt(100))
    contributions = result.indicators.groupby("region", observed=True)["contribution"].sum()
    np.testing.assert_allclose(contributions[index.index], index, rtol=1e-12)
    assert (result.indicators["contribution"] >= 0).all()


def test_a_lower_floor_weighs_a_zero_harder():
    values = one_period({"X": [100, 0, 100], "Y": [50, 50, 50]}, ["A", "B", "C"])
    indices = [by_region(compute(values, make_spec({"D1": ["A", "B"], "D2": ["C"]}, aggregation="geometric",
                                                   geometric_floor=floor)).index, "index")["X"]
               for floor in (10.0, 1.0, 0.1)]
    assert indices == sorted(indices, reverse=True)
    assert indices[1] / indices[2] == pytest.approx((1 / 0.1) ** 0.25)


def test_the_floor_must_be_positive():
    with pytest.raises(ValueError, match="geometric_floor must lie in"):
        compute(one_period({"X": [1, 2, 3]}, ["A", "B", "C"]),
                make_spec({"D1": ["A", "B"], "D2": ["C"]}, aggregation="geometric", geometric_floor=0.0))


def test_ahp_weighting_uses_the_pairwise_matrices():
    spec = dataclasses.replace(
        make_spec(LAYOUT, weighting="ahp"),
        dimension_pairwise=((1, 3), (1 / 3, 1)),
        dimensions=(dataclasses.replace(make_spec(LAYOUT).dimensions[0]),
                    dataclasses.replace(make_spec(LAYOUT).dimensions[1],
                                        pairwise=((1, 3, 5), (1 / 3, 1, 3), (1 / 5, 1 / 3, 1)))),
    )
    weights = compute(random_values(), spec).weights.query("period == 2020").set_index("indicator")["weight"]
    assert weights[["RS01", "RS02"]].tolist() == pytest.approx([0.375, 0.375])
    assert weights[["PS01", "PS02", "PS03"]].tolist() == pytest.approx(
        [0.25 * 0.637, 0.25 * 0.2583, 0.25 * 0.1047], abs=1e-4)


def test_inconsistent_pairwise_matrix_is_refused_by_name():
    bad = ((1, 9, 1 / 9), (1 / 9, 1, 9), (9, 1 / 9, 1))
    dims = make_spec(LAYOUT).dimensions
    spec = dataclasses.replace(make_spec(LAYOUT, weighting="ahp"),
                               dimensions=(dims[0], dataclasses.replace(dims[1], pairwise=bad)))
    with pytest.raises(InconsistentMatrix, match="AHP matrix 'dimension PS' is inconsistent: CR = "):
        compute(random_values(), spec)


def test_results_are_keyed_by_code_not_by_position():
    spec = make_spec(LAYOUT, weighting="entropy", aggregation="topsis",
                     indicator_weights={"RS01": 0.7, "RS02": 0.3, "PS01": 0.2, "PS02": 0.5, "PS03": 0.3})
    shuffled_spec = dataclasses.replace(spec, indicators=tuple(spec.indicators[i] for i in (3, 0, 4, 2, 1)))
    values = random_values(seed=8, missing=0.1)
    shuffled_values = values.sample(frac=1, random_state=1)
    a, b = compute(values, spec), compute(shuffled_values, shuffled_spec)
    pd.testing.assert_frame_equal(a.index, b.index, rtol=1e-12)
    pd.testing.assert_frame_equal(a.dimensions, b.dimensions, rtol=1e-12)
    for name, keys in (("indicators", ["period", "region", "indicator"]), ("weights", ["period", "indicator"])):
        left, right = (getattr(r, name).astype({"indicator": str}).sort_values(keys).reset_index(drop=True)
                       for r in (a, b))
        pd.testing.assert_frame_equal(left, right, rtol=1e-12)


def test_only_region_periods_with_data_are_reported():
    values = pd.concat([one_period({"a": [1], "b": [2]}, ["A"], 2023), one_period({"a": [3]}, ["A"], 2024)])
    index = compute(values, make_spec({"D": ["A"]})).index
    assert list(zip(index.period, index.region, strict=True)) == [(2023, "a"), (2023, "b"), (2024, "a")]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (pd.DataFrame({"region": ["a", "a"], "period": [1, 1], "indicator": ["A", "A"], "value": [1.0, 2.0]}),
         "more than one value for region/period/indicator a/1/A"),
        (pd.DataFrame({"region": ["a"], "period": [1], "indicator": ["Q9"], "value": [1.0]}),
         "indicator codes not in the framework: Q9"),
        (pd.DataFrame({"region": ["a"], "period": [1], "value": [1.0]}), "missing indicator"),
        (pd.DataFrame({"region": ["a"], "period": [1], "indicator": ["A"], "value": [np.inf]}), "infinite"),
    ],
)
def test_invalid_values_are_refused(values, message):
    with pytest.raises(ValueError, match=message):
        compute(values, make_spec({"D": ["A"]}))


def test_invalid_spec_is_refused_naming_the_field():
    spec = make_spec({"D": ["A"]}, normalisation=NormalisationSpec("minmax_fixed", lower=5, upper=1))
    with pytest.raises(ValueError, match="lower < upper; not so for 'A'"):
        compute(one_period({"a": [1]}, ["A"]), spec)
    with pytest.raises(ValueError, match="aggregation must be one of"):
        compute(one_period({"a": [1]}, ["A"]), make_spec({"D": ["A"]}, aggregation="median"))


def test_categorical_columns_and_text_periods_give_the_same_result():
    values = random_values(seed=9, missing=0.1)
    values["period"] = values["period"].map({2020: "2020H1", 2021: "2020H2", 2022: "2021H1"})
    spec = make_spec(LAYOUT, weighting="entropy", aggregation="topsis")
    plain = compute(values, spec)
    categorical = compute(values.astype({"region": "category", "indicator": "category"}), spec)
    pd.testing.assert_frame_equal(plain.index, categorical.index)
    pd.testing.assert_frame_equal(plain.indicators, categorical.indicators)
    assert list(plain.index.period.unique()) == ["2020H1", "2020H2", "2021H1"]
