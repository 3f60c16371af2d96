"""Ranks within comparison groups (docs/scoring.md §9.1): the overall order restricted to each group's members."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.scoring import NormalisationSpec, compute

from .builders import make_spec, one_period, tidy

LAYOUT = {"RS": ["RS01", "RS02"], "PS": ["PS01", "PS02", "PS03"]}
CODES = ["RS01", "RS02", "PS01", "PS02", "PS03"]
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ranks_of(result, group, period=2024):
    rows = result.group_ranks
    rows = rows[(rows.group == group) & (rows.period == period)]
    return {str(region): (None if pd.isna(rank) else int(rank)) for region, rank in zip(rows.region, rows["rank"],
                                                                                          strict=True)}


@st.composite
def scored_with_groups(draw):
    """A cube of 1–2 periods × 2–9 regions (values on a coarse grid, so that ties are common; some missing) and
    0–4 groups drawn from the regions (and a few codes that are not scored), possibly empty or overlapping.
    At least one value is present: the engine refuses an empty cube."""
    periods, regions = draw(st.integers(1, 2)), draw(st.integers(2, 9))
    cell = st.one_of(st.sampled_from([0.0, 25.0, 50.0, 75.0, 100.0]), st.floats(0, 100), st.just(np.nan))
    cube = np.array(draw(st.lists(cell, min_size=periods * regions * 5, max_size=periods * regions * 5)
                         .filter(lambda cells: not np.isnan(cells).all())))
    codes = [f"R{r:02d}" for r in range(regions)]
    pool = [*codes, "X01", "X02"]
    groups = draw(st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3),
                                  st.lists(st.sampled_from(pool), max_size=12), max_size=4))
    return cube.reshape(periods, regions, 5), groups


@SETTINGS
@given(case=scored_with_groups(), decimals=st.sampled_from([None, 0, 1]),
       aggregation=st.sampled_from(["arithmetic", "geometric", "topsis"]))
def test_a_group_ranks_its_members_as_the_overall_order_restricted_to_them(case, decimals, aggregation):
    cube, groups = case
    spec = make_spec(LAYOUT, rank_decimals=decimals, aggregation=aggregation, min_share=0.5,
                     normalisation=NormalisationSpec("minmax_observed"))
    values = tidy(cube, CODES)
    result = compute(values, spec, groups=groups)
    index = result.index
    rows = result.group_ranks
    # One row per reported region–period per group it is a member of, in period, region, group order.
    expected_rows = [(period, region, code) for period, region in zip(index.period, index.region.astype(str),
                                                                      strict=True)
                     for code in groups if region in groups[code]]
    assert list(zip(rows.period, rows.region.astype(str), rows.group.astype(str), strict=True)) == expected_rows
    assert list(rows.columns) == ["region", "period", "group", "rank"]
    for (period, code), group_rows in rows.groupby(["period", "group"], observed=True):
        members = index[(index.period == period) & index.region.astype(str).isin(groups[code])].set_index("region")
        basis = members["index"] if decimals is None else members["index"].round(decimals)
        expected = basis.rank(method="min", ascending=False)
        got = group_rows.set_index("region")["rank"]
        assert got.isna().equals(basis.reindex(got.index).isna())
        np.testing.assert_array_equal(got.dropna().astype(float), expected.reindex(got.dropna().index))
        # The overall order restricted to the members: same order, same ties.
        overall = members["rank"].reindex(got.index)
        ranked = got.notna()
        a, b = np.meshgrid(got[ranked].astype(float), got[ranked].astype(float))
        oa, ob = np.meshgrid(overall[ranked].astype(float), overall[ranked].astype(float))
        assert ((a < b) == (oa < ob)).all()
        assert ((a == b) == (oa == ob)).all()


@SETTINGS
@given(case=scored_with_groups())
def test_groups_change_nothing_else(case):
    cube, groups = case
    spec = make_spec(LAYOUT, normalisation=NormalisationSpec("minmax_observed"))
    values = tidy(cube, CODES)
    with_groups, without = compute(values, spec, groups=groups), compute(values, spec)
    for name in ("indicators", "dimensions", "index", "weights"):
        pd.testing.assert_frame_equal(getattr(with_groups, name), getattr(without, name))
    assert without.group_ranks.empty


def test_ties_share_the_best_rank_and_the_next_skips():
    values = one_period({"a": [90], "b": [80], "c": [80], "d": [70], "e": [95]}, ["A"])
    result = compute(values, make_spec({"D": ["A"]}), groups={"g": ["a", "b", "c", "d"]})
    assert ranks_of(result, "g") == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_groups_rank_the_rounded_index_as_the_overall_rank_does():
    values = one_period({"a": [80.004], "b": [80.001], "c": [79.2], "d": [99]}, ["A"])
    groups = {"g": ["a", "b", "c"]}
    assert ranks_of(compute(values, make_spec({"D": ["A"]}), groups=groups), "g") == {"a": 1, "b": 2, "c": 3}
    rounded = compute(values, make_spec({"D": ["A"]}, rank_decimals=1), groups=groups)
    assert ranks_of(rounded, "g") == {"a": 1, "b": 1, "c": 3}


def test_a_region_in_two_groups_is_ranked_in_each():
    values = one_period({"hz": [90], "nb": [80], "nj": [85], "wz": [60], "xm": [70]}, ["A"])
    groups = {"sub_provincial": ["hz", "nb", "nj", "xm"], "separately_planned": ["nb", "xm"]}
    result = compute(values, make_spec({"D": ["A"]}), groups=groups)
    assert ranks_of(result, "sub_provincial") == {"hz": 1, "nb": 3, "nj": 2, "xm": 4}
    assert ranks_of(result, "separately_planned") == {"nb": 1, "xm": 2}
    assert "wz" not in set(result.group_ranks.region.astype(str))
    assert list(result.group_ranks.group.cat.categories) == ["sub_provincial", "separately_planned"]


def test_empty_groups_and_groups_of_unscored_regions_have_no_rows():
    values = one_period({"a": [90], "b": [80]}, ["A"])
    result = compute(values, make_spec({"D": ["A"]}), groups={"empty": [], "elsewhere": ["zz"], "g": ["b", "b"]})
    assert ranks_of(result, "empty") == {}
    assert ranks_of(result, "elsewhere") == {}
    assert ranks_of(result, "g") == {"b": 1}
    assert compute(values, make_spec({"D": ["A"]}), groups={}).group_ranks.empty


def test_incomplete_members_are_not_ranked_and_do_not_count():
    values = one_period({"a": [90, np.nan], "b": [80, 80], "c": [85, 85]}, ["A", "B"])
    result = compute(values, make_spec({"D": ["A", "B"]}, min_share=1.0), groups={"g": ["a", "b"]})
    assert ranks_of(result, "g") == {"a": None, "b": 1}


def test_groups_are_ranked_per_period():
    values = pd.concat([one_period({"a": [90], "b": [80], "c": [99]}, ["A"], period=2023),
                        one_period({"a": [10], "b": [20]}, ["A"], period=2024)])
    result = compute(values, make_spec({"D": ["A"]}), groups={"g": ["a", "b", "c"]})
    assert ranks_of(result, "g", 2023) == {"a": 2, "b": 3, "c": 1}
    assert ranks_of(result, "g", 2024) == {"a": 2, "b": 1}


def test_members_given_as_a_string_are_refused():
    values = one_period({"ab": [90], "b": [80]}, ["A"])
    with pytest.raises(TypeError, match="group 'g': members must be a collection of region codes"):
        compute(values, make_spec({"D": ["A"]}), groups={"g": "ab"})
    with pytest.raises(TypeError, match="group codes must be non-empty strings"):
        compute(values, make_spec({"D": ["A"]}), groups={"": ["ab"]})


def test_rank_only_members_an_international_index_ranks_its_members_among_themselves():
    """The UN E-Government Survey ranks the UN Member States only: scored non-members (an observer state, a
    territory) do not take a member's place."""
    scores = {"DNK": [97.5], "PSE": [96.0], "KOR": [95.8], "SGP": [95.8], "HKG": [94.0], "CHN": [88.0],
              "VAT": [90.0], "USA": [91.0]}
    members = ["DNK", "KOR", "SGP", "CHN", "USA"]
    values = one_period(scores, ["A"])
    spec = make_spec({"D": ["A"]}, rank_decimals=1)
    result = compute(values, spec, groups={"un_members": members})
    overall = dict(zip(result.index.region.astype(str), result.index["rank"], strict=True))
    assert [overall[m] for m in members] == [1, 3, 3, 8, 6]
    assert ranks_of(result, "un_members") == {"DNK": 1, "KOR": 2, "SGP": 2, "CHN": 5, "USA": 4}
    # Exactly the ranks the members get when only they are ranked (fixed goalposts: scores do not depend on
    # who else is scored).
    alone = compute(values[values.region.isin(members)], spec).index
    assert ranks_of(result, "un_members") == dict(zip(alone.region.astype(str), alone["rank"].astype(int),
                                                      strict=True))
