"""Monte Carlo uncertainty of ranks: reproducible, consistent with `compute`, batch-independent."""

import dataclasses
import importlib

import numpy as np
import pandas as pd
import pytest

from indicators.scoring import NormalisationSpec, compute, uncertainty

from .builders import make_spec, tidy

LAYOUT = {"RS": ["RS01", "RS02"], "PS": ["PS01", "PS02", "PS03"]}
CODES = ["RS01", "RS02", "PS01", "PS02", "PS03"]
ENGINE = importlib.import_module("indicators.scoring.uncertainty")
PARENTS = {f"R{r:02d}": f"P{r % 3}" for r in range(15)}


@pytest.fixture
def values():
    rng = np.random.default_rng(0)
    cube = rng.uniform(0, 100, size=(2, 15, 5))
    cube[0, 4, :3] = np.nan  # R04 incomplete in 2020
    return tidy(cube, CODES)


@pytest.fixture
def spec():
    return make_spec(LAYOUT, aggregation="topsis", weighting="entropy", min_share=0.75)


def test_columns_and_bounds(values, spec):
    result = uncertainty(values, spec, draws=200, parents=PARENTS)
    assert list(result.columns) == [
        "region", "period", "rank", "rank_median", "rank_p05", "rank_p95", "ranked_share",
        "parent", "parent_rank", "parent_rank_median", "parent_rank_p05", "parent_rank_p95"]
    ranked = result.dropna(subset=["rank_median"])
    assert (ranked.rank_p05 <= ranked.rank_median).all()
    assert (ranked.rank_median <= ranked.rank_p95).all()
    assert ranked.rank_p95.max() <= 15
    assert ranked.rank_p05.min() >= 1
    assert (ranked.parent_rank_p95 <= 5).all()
    incomplete = result.set_index(["region", "period"]).loc[("R04", 2020)]
    assert incomplete["ranked_share"] == 0
    assert pd.isna(incomplete["rank"])
    assert np.isnan(incomplete["rank_median"])


def test_same_seed_same_output_and_other_seed_differs(values, spec):
    a = uncertainty(values, spec, draws=150, seed=42)
    b = uncertainty(values, spec, draws=150, seed=42)
    pd.testing.assert_frame_equal(a, b)
    c = uncertainty(values, spec, draws=150, seed=43)
    assert not a[["rank_p05", "rank_p95"]].equals(c[["rank_p05", "rank_p95"]])


def test_batching_does_not_change_the_result(values, spec, monkeypatch):
    whole = uncertainty(values, spec, draws=60, seed=3)
    monkeypatch.setattr(ENGINE, "BATCH_CELLS", 1)
    pd.testing.assert_frame_equal(uncertainty(values, spec, draws=60, seed=3), whole)


def test_without_perturbation_every_draw_is_the_nominal_ranking(values, spec):
    nominal = compute(values, spec, parents=PARENTS).index
    result = uncertainty(values, spec, draws=20, weight_range=0.0, normalisations=("spec",), parents=PARENTS)
    pd.testing.assert_series_equal(result["rank"], nominal["rank"])
    pd.testing.assert_series_equal(result["parent_rank"], nominal["parent_rank"])
    for column in ("rank_median", "rank_p05", "rank_p95"):
        np.testing.assert_array_equal(result[column], nominal["rank"].astype(float))


def test_a_drawn_normalisation_equals_compute_with_that_normalisation(values, spec):
    zscore = make_spec(LAYOUT, aggregation="topsis", weighting="entropy", min_share=0.75,
                       normalisation=NormalisationSpec("zscore"))
    expected = compute(values, zscore).index["rank"].astype(float)
    result = uncertainty(values, spec, draws=5, weight_range=0.0, normalisations=("zscore",))
    np.testing.assert_array_equal(result["rank_median"], expected)


def test_weight_perturbation_spreads_close_ranks(values):
    spec = make_spec(LAYOUT, aggregation="arithmetic", weighting="expert")
    result = uncertainty(values, spec, draws=300, weight_range=0.5, normalisations=("spec",))
    assert (result.rank_p95 - result.rank_p05).max() > 0


def test_invalid_arguments(values, spec):
    with pytest.raises(ValueError, match="draws"):
        uncertainty(values, spec, draws=0)
    with pytest.raises(ValueError, match="weight_range"):
        uncertainty(values, spec, weight_range=1.0)
    with pytest.raises(ValueError, match="normalisations"):
        uncertainty(values, spec, normalisations=("rank",))
    with pytest.raises(ValueError, match="minmax_fixed needs finite goalposts"):
        uncertainty(values, dataclasses.replace(spec, indicators=tuple(
            dataclasses.replace(i, normalisation=NormalisationSpec("zscore")) for i in spec.indicators)),
            normalisations=("minmax_fixed",))
