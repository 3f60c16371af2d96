"""Properties that must hold for any data (hypothesis)."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from indicators.scoring import NormalisationSpec, compute, uncertainty

from .builders import make_spec, tidy

LAYOUT = {"RS": ["RS01", "RS02"], "PS": ["PS01", "PS02", "PS03"]}
CODES = ["RS01", "RS02", "PS01", "PS02", "PS03"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
METHODS = ["minmax_observed", "minmax_fixed", "target", "zscore", "percentile", "log_minmax"]


@st.composite
def cubes(draw, max_regions=7, max_periods=2, missing=True):
    periods = draw(st.integers(1, max_periods))
    regions = draw(st.integers(2, max_regions))
    cell = st.one_of(st.integers(0, 100).map(float), st.floats(0, 100, allow_nan=False))
    if missing:
        cell = st.one_of(cell, st.just(np.nan))
    flat = draw(st.lists(cell, min_size=periods * regions * 5, max_size=periods * regions * 5))
    cube = np.array(flat).reshape(periods, regions, 5)
    assume(not np.isnan(cube).all())
    return cube


weights = st.lists(st.floats(0.05, 1.0), min_size=5, max_size=5).map(lambda w: dict(zip(CODES, w, strict=True)))


@SETTINGS
@given(cube=cubes(), w=weights, aggregation=st.sampled_from(["arithmetic", "geometric"]),
       min_share=st.sampled_from([0.0, 0.5, 1.0]), data=st.data())
def test_raising_a_higher_is_better_value_never_lowers_the_index(cube, w, aggregation, min_share, data):
    spec = make_spec(LAYOUT, indicator_weights=w, aggregation=aggregation, min_share=min_share,
                     normalisation=NormalisationSpec("minmax_fixed", lower=0, upper=100))
    present = np.argwhere(~np.isnan(cube))
    if not len(present):
        return
    p, r, i = present[data.draw(st.integers(0, len(present) - 1))]
    raised = cube.copy()
    raised[p, r, i] += data.draw(st.floats(0, 200))
    before = compute(tidy(cube, CODES), spec).index
    after = compute(tidy(raised, CODES), spec).index
    pd.testing.assert_series_equal(before["complete"], after["complete"])
    row = (before.period == 2020 + p) & (before.region == f"R{r:02d}")
    assert (after.loc[row, "index"].fillna(0) >= before.loc[row, "index"].fillna(0) - 1e-9).all()


@SETTINGS
@given(cube=cubes(), weighting=st.sampled_from(["expert", "equal", "entropy", "combined"]),
       standardise=st.booleans(), w=weights)
def test_weights_sum_to_one(cube, weighting, standardise, w):
    spec = make_spec(LAYOUT, weighting=weighting, entropy_standardise=standardise, indicator_weights=w)
    result = compute(tidy(cube, CODES), spec)
    sums = result.weights.groupby("period")["weight"].sum()
    np.testing.assert_allclose(sums, 1.0, rtol=1e-12)
    assert (result.weights.weight >= 0).all()
    complete = result.indicators.merge(result.index.loc[result.index.complete, ["region", "period"]])
    np.testing.assert_allclose(complete.groupby(["period", "region"], observed=True)["weight"].sum(), 1.0)


@SETTINGS
@given(cube=cubes(), method=st.sampled_from(METHODS),
       aggregation=st.sampled_from(["arithmetic", "geometric", "topsis"]),
       weighting=st.sampled_from(["expert", "entropy"]), lower=st.booleans())
def test_every_score_lies_in_0_100(cube, method, aggregation, weighting, lower):
    norm = NormalisationSpec(method, lower=0, upper=100, target=60)
    spec = make_spec(LAYOUT, normalisation=norm, aggregation=aggregation, weighting=weighting,
                     lower_is_better=("PS02",) if lower else ())
    result = compute(tidy(cube, CODES), spec)
    for scores in (result.indicators.score, result.dimensions.score, result.index["index"]):
        present = scores.dropna()
        assert ((present >= 0) & (present <= 100)).all()
    assert result.indicators.score.isna().equals(result.indicators.value.isna())
    assert ((result.index.coverage >= 0) & (result.index.coverage <= 1 + 1e-12)).all()


@SETTINGS
@given(cube=cubes(missing=True), seed=st.integers(0, 10_000), aggregation=st.sampled_from(["arithmetic", "topsis"]),
       method=st.sampled_from(["minmax_observed", "percentile", "zscore"]))
def test_permuting_the_regions_permutes_the_results_and_nothing_else(cube, seed, aggregation, method):
    spec = make_spec(LAYOUT, aggregation=aggregation, weighting="entropy", rank_decimals=6, min_share=0.5,
                     normalisation=NormalisationSpec(method))
    rng = np.random.default_rng(seed)
    n_regions = cube.shape[1]
    names = [f"R{r:02d}" for r in range(n_regions)]
    relabel = dict(zip(names, rng.permutation(names), strict=True))
    values = tidy(cube, CODES)
    moved = values.assign(region=values.region.map(relabel)).sample(frac=1, random_state=seed)
    parents = {n: "P" + str(int(n[1:]) % 2) for n in names}
    a = compute(values, spec, parents=parents).index
    b = compute(moved, spec, parents={relabel[k]: v for k, v in parents.items()}).index
    b = b.assign(region=b.region.astype(str).map({v: k for k, v in relabel.items()}))
    b = b.sort_values(["period", "region"]).reset_index(drop=True)
    a = a.astype({"region": str, "parent": str})
    b = b.astype({"parent": str})
    pd.testing.assert_frame_equal(a, b, rtol=1e-9, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(cube=cubes(max_regions=6, max_periods=1), seed=st.integers(0, 2**32 - 1))
def test_uncertainty_is_reproducible_with_a_seed(cube, seed):
    spec = make_spec(LAYOUT, weighting="entropy", aggregation="topsis")
    values = tidy(cube, CODES)
    a = uncertainty(values, spec, draws=50, seed=seed)
    b = uncertainty(values, spec, draws=50, seed=seed)
    pd.testing.assert_frame_equal(a, b)
