"""`aggregate`'s missing-data rule under the geometric mean, and `index_of_weights` — the sensitivity analysis's
matrix-product form of it — against `aggregate` itself."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from indicators.scoring.aggregate import aggregate, index_of_weights

DIMENSION_OF = np.array([0, 0, 0, 1, 1, 2])


def test_a_missing_score_takes_no_part_in_the_geometric_mean_whatever_the_floor():
    scores = np.array([[[50.0, np.nan, 20.0]]])
    weights = np.array([[0.25, 0.5, 0.25]])
    for floor in (1.0, 10.0):
        result = aggregate(scores, weights, np.zeros(3, dtype=int), "geometric", 0.4, floor)
        assert result.dimension_scores[0, 0, 0] == pytest.approx(np.sqrt(50.0 * 20.0))


@settings(max_examples=60, deadline=None)
@given(scores=hnp.arrays(float, (7, 6), elements=st.one_of(st.floats(0, 100), st.just(np.nan))),
       weights=hnp.arrays(float, (5, 6), elements=st.floats(0, 1)),
       method=st.sampled_from(["arithmetic", "geometric"]), min_share=st.sampled_from([0.0, 0.5, 1.0]),
       floor=st.sampled_from([1.0, 5.0]))
def test_index_of_weights_is_aggregates_index_for_every_run(scores, weights, method, min_share, floor):
    weights[weights.sum(axis=1) == 0, 0] = 1.0
    weights /= weights.sum(axis=1, keepdims=True)
    expected = aggregate(np.broadcast_to(scores, (5, *scores.shape)), weights, DIMENSION_OF, method, min_share,
                         floor).index
    got = index_of_weights(scores, weights, DIMENSION_OF, method, min_share, floor)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-10)


def test_index_of_weights_leaves_topsis_to_aggregate():
    with pytest.raises(ValueError, match="topsis"):
        index_of_weights(np.ones((2, 6)), np.full((1, 6), 1 / 6), DIMENSION_OF, "topsis", 0.5, 1.0)
