"""Indicators assessed at some region levels only (`applies_to`), and bands whose levels require a least score in
every dimension (`gates`)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from indicators.scoring import BandSpec, UncertainInputs, audit, compute, sensitivity, uncertainty
from indicators.scoring.framework import compile_spec
from indicators.scoring.sensitivity import run_inputs

from .builders import make_spec, one_period

LAYOUT = {"RS": ["RS01", "RS02", "RS03"], "PS": ["PS01", "PS02"]}
CODES = ["RS01", "RS02", "RS03", "PS01", "PS02"]
LEVELS = {"P": "province", "C1": "prefecture", "C2": "prefecture", "X1": "county", "X2": "county"}


def city_only(spec, *codes, levels=("province", "prefecture")):
    return dataclasses.replace(spec, indicators=tuple(
        dataclasses.replace(i, applies_to=levels) if i.code in codes else i for i in spec.indicators))


def weighted_spec():
    spec = make_spec(LAYOUT, indicator_weights={"RS01": 0.2, "RS02": 0.5, "RS03": 0.3, "PS01": 0.5, "PS02": 0.5})
    return city_only(spec, "RS02")


def values():
    return one_period({
        "P": [80, 60, 40, 70, 50],
        "C1": [90, 30, 60, 20, 40],
        "C2": [50, 70, 20, 80, 60],
        "X1": [70, np.nan, 30, 60, 40],
        "X2": [40, 90, 80, 50, 30],  # RS02 entered although it does not apply to a county
    }, CODES)


def index_of(result, region):
    return result.index.set_index("region").loc[region]


def test_a_county_is_scored_on_the_indicators_that_apply_their_weights_scaled_up():
    result = compute(values(), weighted_spec(), levels=LEVELS)
    rs = result.dimensions[result.dimensions.dimension == "RS"].set_index("region")
    assert rs.loc["X1", "score"] == pytest.approx((0.2 * 70 + 0.3 * 30) / 0.5)
    assert rs.loc["X1", "coverage"] == pytest.approx(1.0)
    assert rs.loc["C1", "score"] == pytest.approx(0.2 * 90 + 0.5 * 30 + 0.3 * 60)
    assert bool(index_of(result, "X1")["complete"])
    assert index_of(result, "X1")["coverage"] == pytest.approx(1.0)


def test_a_value_entered_where_the_indicator_does_not_apply_counts_for_nothing():
    result = compute(values(), weighted_spec(), levels=LEVELS)
    rows = result.indicators.set_index(["region", "indicator"])
    assert np.isnan(rows.loc[("X2", "RS02"), "value"])
    assert np.isnan(rows.loc[("X2", "RS02"), "score"])
    assert rows.loc[("X2", "RS02"), "weight"] == 0
    rs = result.dimensions[result.dimensions.dimension == "RS"].set_index("region")
    assert rs.loc["X2", "score"] == pytest.approx((0.2 * 40 + 0.3 * 80) / 0.5)
    contributions = result.indicators[result.indicators.region == "X2"]["contribution"].sum()
    assert contributions == pytest.approx(index_of(result, "X2")["index"])


def test_min_share_counts_the_weight_that_applies():
    """Without RS03 a county has 0.2 of the 0.5 that applies to it (40 % < 75 %); a city missing RS03 keeps 0.7
    of 1 (70 % < 75 %) — both unscored — while a county with both present is whole."""
    frame = values()
    frame = frame[~((frame.region.isin(["X1", "C1"])) & (frame.indicator == "RS03"))]
    result = compute(frame, weighted_spec(), levels=LEVELS)
    rs = result.dimensions[result.dimensions.dimension == "RS"].set_index("region")
    assert rs.loc["X1", "coverage"] == pytest.approx(0.4)
    assert np.isnan(rs.loc["X1", "score"])
    assert rs.loc["C1", "coverage"] == pytest.approx(0.7)
    assert np.isnan(rs.loc["C1", "score"])
    assert not bool(index_of(result, "X1")["complete"])


def test_without_levels_or_restrictions_nothing_changes():
    spec = weighted_spec()
    plain = dataclasses.replace(spec, indicators=tuple(dataclasses.replace(i, applies_to=None)
                                                       for i in spec.indicators))
    frame = values()
    expected = compute(frame, plain)
    pd.testing.assert_frame_equal(compute(frame, spec).index, expected.index)
    pd.testing.assert_frame_equal(compute(frame, plain, levels=LEVELS).index, expected.index)
    unknown = {"X1": "group"}
    pd.testing.assert_frame_equal(compute(frame, spec, levels=unknown).index, expected.index)


@pytest.mark.parametrize("aggregation", ["arithmetic", "geometric", "topsis"])
def test_every_aggregation_leaves_out_what_does_not_apply(aggregation):
    spec = dataclasses.replace(weighted_spec(), aggregation=aggregation)
    frame = values()
    with_x2 = compute(frame, spec, levels=LEVELS)
    without_rs02 = compute(frame[~((frame.region == "X2") & (frame.indicator == "RS02"))], spec, levels=LEVELS)
    pd.testing.assert_frame_equal(with_x2.index, without_rs02.index)
    assert with_x2.index["complete"].all()


def test_the_sensitivity_analysis_and_its_one_run_path_agree_with_compute():
    spec = weighted_spec()
    frame = values()
    inputs = UncertainInputs(weight_range=0.2, normalisations=("spec", "zscore"), imputation=True)
    analysed = sensitivity(frame, spec, inputs, base_samples=8, seed=3, levels=LEVELS)
    nominal = compute(frame, spec, levels=LEVELS).index.set_index("region")["rank"]
    assert {r.region: r.rank for r in analysed.regions} == {k: int(v) for k, v in nominal.items()}
    x = np.array([0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8])
    tidy_run, run_spec = run_inputs(frame, spec, inputs, x, levels=LEVELS)
    assert not ((tidy_run.region == "X2") & (tidy_run.indicator == "RS02")).any()
    assert compute(tidy_run, run_spec, levels=LEVELS).index["complete"].all()


def test_the_uncertainty_and_the_audit_leave_it_out_too():
    spec, frame = weighted_spec(), values()
    draws = uncertainty(frame, spec, draws=20, seed=1, levels=LEVELS)
    assert (draws["ranked_share"] == 1.0).all()
    audited = audit(frame, spec, levels=LEVELS).periods[0]
    rs02 = next(s for s in audited.indicators if s.indicator == "RS02")
    assert rs02.n == 3
    assert rs02.missing_share == 0


def test_applies_to_must_name_known_levels():
    spec = city_only(make_spec(LAYOUT), "RS01", levels=("city",))
    with pytest.raises(ValueError, match="RS01: applies_to must name levels"):
        compile_spec(spec)


# --- gates ---------------------------------------------------------------------------------------------------

GATED = (BandSpec(1, 0.0, "起步级"), BandSpec(2, 40.0, "发展级", gates=(("RS", 30.0), ("PS", 30.0))),
         BandSpec(3, 60.0, "成熟级", gates=(("RS", 50.0), ("PS", 50.0))))


def gated_levels(rows):
    spec = make_spec({"RS": ["RS01"], "PS": ["PS01"]}, bands=GATED)
    result = compute(one_period(rows, ["RS01", "PS01"]), spec)
    return result.index.set_index("region")[["index", "level", "label"]]


def test_a_strong_dimension_cannot_buy_a_level_the_other_does_not_support():
    levels = gated_levels({"even": [70, 70], "lopsided": [100, 40], "weak": [95, 25], "low": [20, 20]})
    assert levels.loc["even", "level"] == 3
    assert levels.loc["lopsided", "index"] == pytest.approx(70)
    assert levels.loc["lopsided", "level"] == 2
    assert levels.loc["lopsided", "label"] == "发展级"
    assert levels.loc["weak", "index"] == pytest.approx(60)
    assert levels.loc["weak", "level"] == 1
    assert levels.loc["low", "level"] == 1


def test_a_gate_is_met_at_exactly_its_score_and_bands_without_gates_use_the_index_alone():
    levels = gated_levels({"edge": [50, 70], "under": [49.999, 70.001]})
    assert levels.loc["edge", "level"] == 3
    assert levels.loc["under", "level"] == 2
    plain = make_spec({"RS": ["RS01"], "PS": ["PS01"]})
    result = compute(one_period({"lopsided": [100, 40]}, ["RS01", "PS01"]), plain)
    assert result.index["level"].iloc[0] == 3


def test_a_gate_must_name_a_dimension():
    spec = make_spec({"RS": ["RS01"], "PS": ["PS01"]}, bands=(BandSpec(1, 0.0), BandSpec(2, 50.0, gates=(("MP", 1),))))
    with pytest.raises(ValueError, match="band 2: the gate names 'MP'"):
        compile_spec(spec)
