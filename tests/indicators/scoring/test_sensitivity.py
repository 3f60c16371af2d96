"""Sobol sensitivity of ranks: the estimators, the batched model against `compute`, and the special cases."""

import importlib
import json

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as salib_sobol
from SALib.sample import sobol as salib_sample

from indicators.scoring import (
    DimensionSpec,
    FrameworkSpec,
    IndicatorSpec,
    NormalisationSpec,
    OutlierTreatment,
    UncertainInputs,
    compute,
    sensitivity,
    uncertainty,
)
from indicators.scoring.cube import to_cube
from indicators.scoring.framework import compile_spec
from indicators.scoring.sensitivity import run_inputs, saltelli, sobol_indices

from .builders import make_spec, tidy

ENGINE = importlib.import_module("indicators.scoring.sensitivity")
LAYOUT = {"RS": ["RS01", "RS02"], "PS": ["PS01", "PS02", "PS03"]}
CODES = ["RS01", "RS02", "PS01", "PS02", "PS03"]
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]
"""Analytic indices of the Ishigami function with a = 7, b = 0.1 (Saltelli et al. 2008, §2.9)."""
ALL_INPUTS = UncertainInputs(weight_range=0.3, normalisations=("spec", "minmax_observed", "zscore", "percentile"),
                             aggregations=("arithmetic", "geometric", "topsis"), imputation=True,
                             outliers=OutlierTreatment("winsorise", max_points=3), exclusion=True)


def ishigami(x):
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


@pytest.fixture
def values():
    rng = np.random.default_rng(0)
    cube = rng.uniform(0, 100, size=(2, 30, 5))
    cube[:, :, 3] = rng.lognormal(2, 1.2, size=(2, 30))  # skewed: the outlier rule fails on PS02
    cube[1, 4, 2] = np.nan  # R04 re-weighted unless imputed
    cube[1, 7, 0] = np.nan
    return tidy(cube, CODES)


@pytest.fixture
def spec():
    return make_spec(LAYOUT, aggregation="arithmetic", weighting="entropy",
                     normalisation=NormalisationSpec("minmax_observed"), min_share=0.5)


def test_ishigami_indices_are_the_analytic_ones():
    _, _, result = saltelli(ishigami, [(-np.pi, np.pi)] * 3, ["x1", "x2", "x3"], 1024, seed=3)
    np.testing.assert_allclose(result.s1[:, 0], ISHIGAMI_S1, atol=5e-2, rtol=1e-1)
    np.testing.assert_allclose(result.st[:, 0], ISHIGAMI_ST, atol=5e-2, rtol=1e-1)
    assert (result.s1_conf > 0).all()
    assert (result.s1_conf < 0.1).all()


def test_estimators_equal_salib_analyze_on_the_same_runs():
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[-np.pi, np.pi]] * 3}
    x = salib_sample.sample(problem, 256, seed=1)
    y = ishigami(x)
    reference = salib_sobol.analyze(problem, y, seed=1)
    ours = sobol_indices(y[:, None], 3, seed=1)
    np.testing.assert_allclose(ours.s1[:, 0], reference["S1"], atol=1e-12)
    np.testing.assert_allclose(ours.st[:, 0], reference["ST"], atol=1e-12)
    # Different bootstrap draws: the interval half-widths agree in size, not digit for digit.
    np.testing.assert_allclose(ours.st_conf[:, 0], reference["ST_conf"], rtol=0.5)


def test_batched_runs_equal_compute_with_the_run_spec(values, spec):
    fw = ENGINE.compile_spec(spec)
    cube = ENGINE.to_cube(values, fw.codes)
    model = ENGINE._Model(fw, cube.values[-1:], cube.seen[-1], ALL_INPUTS)
    groups = model.groups()
    problem = {"num_vars": len(groups), "names": [f"x{j}" for j in range(len(groups))],
               "bounds": [[0.0, 1.0]] * len(groups), "groups": groups}
    x = salib_sample.sample(problem, 8, seed=5)
    batched = ENGINE.competition_rank(model.indices(x))
    choices = model.choices(x)
    assert {name: len(np.unique(c)) > 1 for name, c in choices.items()} == dict.fromkeys(choices, True)
    for k in range(x.shape[0]):
        run_values, run_spec = run_inputs(values, spec, ALL_INPUTS, x[k])
        ranks = compute(run_values, run_spec).index["rank"].to_numpy(dtype=float)
        np.testing.assert_array_equal(batched[k], ranks)


def test_a_single_normalisation_and_a_zero_weight_range_have_no_effect(values):
    spec = make_spec(LAYOUT, weighting="equal", normalisation=NormalisationSpec("minmax_observed"))
    inputs = UncertainInputs(weight_range=0.0, normalisations=("spec",), aggregations=("arithmetic", "topsis"))
    result = sensitivity(values, spec, inputs, base_samples=128, seed=0)
    assert result.inputs == ("weights", "normalisation", "aggregation")
    assert result.runs == 128 * 8
    shift = {i.input: i for i in result.rank_shift}
    assert shift["aggregation"].st > 0.99
    for indices in [result.rank_shift, *(r.indices for r in result.regions)]:
        for index in indices:
            if index.input != "aggregation":
                assert (index.s1, index.st) == (0.0, 0.0)


def test_same_seed_same_result_and_json_ready(values, spec):
    inputs = UncertainInputs(normalisations=("spec", "zscore"), exclusion=True)
    first = sensitivity(values, spec, inputs, base_samples=64, seed=4)
    assert first == sensitivity(values, spec, inputs, base_samples=64, seed=4)
    assert first != sensitivity(values, spec, inputs, base_samples=64, seed=5)
    stored = json.loads(json.dumps(first.as_dict()))
    assert stored["runs"] == 64 * 8
    assert stored["inputs"] == ["weights", "normalisation", "exclusion"]
    assert [r["region"] for r in stored["regions"]] == [f"R{r:02d}" for r in range(30)]
    assert stored["regions"][0]["indices"][0].keys() == {"input", "s1", "s1_conf", "st", "st_conf"}


def test_nominal_ranks_and_intervals(values, spec):
    result = sensitivity(values, spec, ALL_INPUTS, base_samples=64, seed=0)
    nominal = compute(values, spec).index
    latest = nominal[nominal["period"] == 2021]["rank"].to_numpy(dtype=float)
    np.testing.assert_array_equal([r.rank for r in result.regions], latest)
    for r in result.regions:
        assert 1 <= r.rank_p05 <= r.rank_median <= r.rank_p95 <= 30
        assert (r.ranked_share == 1.0) == (r.region not in ("R04", "R07")) == bool(r.indices)
    # R04 lacks PS01, R07 RS01: in the runs that exclude (or weigh down) their other indicators of that
    # dimension below min_share they are not ranked, so their rank has no variance to apportion.
    assert result.mean_rank_shift > 0
    # Five independent indicators, two of them in RS: dropping one moves ranks more than any other choice.
    assert max(result.rank_shift, key=lambda i: i.st).input == "exclusion"


def test_the_monte_carlo_interval_is_the_weights_and_normalisation_special_case(values, spec):
    """`uncertainty` draws pseudo-random weight factors and a normalisation per draw; the weights-and-
    normalisation special case draws the same distribution on a Sobol' sequence. The intervals agree to the
    Monte Carlo error; with nothing uncertain both are the nominal ranking exactly."""
    inputs = UncertainInputs(weight_range=0.2, normalisations=("spec", "minmax_observed", "zscore", "percentile"))
    special = sensitivity(values, spec, inputs, base_samples=512, seed=0)
    monte_carlo = uncertainty(values, spec, draws=3000, seed=0)
    monte_carlo = monte_carlo[monte_carlo["period"] == 2021]
    for column in ("rank_median", "rank_p05", "rank_p95"):
        ours = np.array([getattr(r, column) for r in special.regions])
        assert np.abs(ours - monte_carlo[column].to_numpy()).max() <= 1.0, column

    fixed = sensitivity(values, spec, UncertainInputs(weight_range=0.0, normalisations=("spec",)), base_samples=16)
    still = uncertainty(values, spec, draws=10, weight_range=0.0, normalisations=("spec",))
    still = still[still["period"] == 2021]
    for column in ("rank_median", "rank_p05", "rank_p95"):
        np.testing.assert_array_equal([getattr(r, column) for r in fixed.regions], still[column])


def test_invalid_inputs(values, spec):
    with pytest.raises(ValueError, match="weight_range"):
        sensitivity(values, spec, UncertainInputs(weight_range=1.5))
    with pytest.raises(ValueError, match="unknown normalisation or aggregation"):
        sensitivity(values, spec, UncertainInputs(aggregations=("median",)))
    with pytest.raises(ValueError, match="at least one"):
        sensitivity(values, spec, UncertainInputs(weight_range=None))
    with pytest.raises(ValueError, match="not a multiple"):
        sobol_indices(np.zeros((10, 1)), 3)


def _two_periods():
    """30 regions in 2020, 25 of them in 2021; lognormal indicators, two of them heavily skewed; one gap."""
    rng = np.random.default_rng(1)
    rows = []
    for period in (2020, 2021):
        for r in range(30 if period == 2020 else 25):
            for j in range(6):
                value = rng.lognormal(0, 1.5 if j in (0, 3) else 0.3)
                if not (r == 3 and j == 1):
                    rows.append((f"R{r:02d}", period, f"I{j}", value))
    return pd.DataFrame(rows, columns=["region", "period", "indicator", "value"])


def _zscore_spec(**outliers):
    dimensions = (DimensionSpec("A", 0.5), DimensionSpec("B", 0.5))
    indicators = tuple(IndicatorSpec(f"I{j}", "A" if j < 3 else "B", 1 / 3, normalisation=NormalisationSpec("zscore"),
                                     outliers=outliers.get(f"I{j}", OutlierTreatment())) for j in range(6))
    return FrameworkSpec("t", 1, dimensions, indicators)


def test_imputation_fills_only_the_regions_of_the_period_analysed():
    """Regions present in another period only are not given means (they would move the z-scores of the others):
    the batched run with imputation equals `compute` of its inputs."""
    values, spec = _two_periods(), _zscore_spec()
    inputs = UncertainInputs(weight_range=None, imputation=True)
    x = np.array([[0.9]])
    tidy_run, run_spec = run_inputs(values, spec, inputs, x[0])
    expected = compute(tidy_run, run_spec).index
    fw = compile_spec(spec)
    cube = to_cube(values, fw.codes)
    batched = ENGINE._Model(fw, cube.values[1:], cube.seen[1], inputs).indices(x)[0][cube.seen[1]]
    np.testing.assert_allclose(batched, expected[expected["period"] == 2021]["index"].to_numpy(), atol=1e-9)


def test_the_nominal_ranks_are_those_of_compute_whatever_the_uncertain_treatment():
    """The framework treats I0 only: a fallback treatment of the uncertain input belongs to its "on" level, never
    to the nominal ranking."""
    values = _two_periods()
    values = values[values["period"] == 2021]
    spec = _zscore_spec(I0=OutlierTreatment("winsorise", 5))
    nominal = [None if pd.isna(v) else int(v) for v in compute(values, spec).index["rank"]]
    for fallback in (OutlierTreatment("log"), OutlierTreatment()):
        result = sensitivity(values, spec, UncertainInputs(weight_range=0.2, outliers=fallback), base_samples=16,
                             seed=1)
        assert [r.rank for r in result.regions] == nominal


def test_confidence_intervals_of_the_regions_indices_only_when_asked(values, spec):
    """The bootstrap runs for the mean rank shift always; for each region's rank only with `region_confidence`
    (it would cost more than the runs at national scale). The indices themselves are the same either way."""
    inputs = UncertainInputs(normalisations=("spec", "zscore"))
    plain = sensitivity(values, spec, inputs, base_samples=32, seed=2)
    full = sensitivity(values, spec, inputs, base_samples=32, seed=2, region_confidence=True)
    assert all(i.s1_conf is not None and i.st_conf is not None for i in plain.rank_shift)
    assert [(i.s1, i.st) for i in plain.rank_shift] == [(i.s1, i.st) for i in full.rank_shift]
    assert [c for i in plain.rank_shift for c in (i.s1_conf, i.st_conf)] == pytest.approx(
        [c for i in full.rank_shift for c in (i.s1_conf, i.st_conf)], rel=1e-12)
    assert all(i.s1_conf is None and i.st_conf is None for r in plain.regions for i in r.indices)
    assert all(i.st_conf is not None for r in full.regions for i in r.indices)
    assert [[(i.s1, i.st) for i in r.indices] for r in plain.regions] == [
        [(i.s1, i.st) for i in r.indices] for r in full.regions]


@pytest.mark.parametrize("threads", [1, 2])
def test_the_runs_ranked_in_many_blocks_and_threads_give_the_one_block_result(values, spec, monkeypatch, threads):
    """`evaluate` ranks the runs a block at a time, the blocks shared by threads: blocks of 4 runs (128 of them
    for 512 runs) in 1 and in 2 threads give exactly what one block gives."""
    inputs = UncertainInputs(normalisations=("spec", "zscore"), exclusion=True)
    whole = sensitivity(values, spec, inputs, base_samples=64, seed=4)
    monkeypatch.setattr(ENGINE, "BLOCK_ELEMENTS", 4 * 30)
    monkeypatch.setattr(ENGINE, "RANK_THREADS", threads)
    assert sensitivity(values, spec, inputs, base_samples=64, seed=4) == whole
