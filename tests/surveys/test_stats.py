"""The satisfaction arithmetic against a direct pandas computation, on 10,000 generated responses (seeded)."""

import datetime
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.masking import mask_personal_data
from surveys.selectors import questionnaire_estimates
from surveys.stats import (
    Z95,
    bucket_counts,
    likert_score,
    mean_estimate,
    poststratification_weights,
    respondent_scores,
    share_estimate,
    wilson_interval,
)
from tests.factories import Role, generated_answers, open_now, questionnaire, store_responses, user_with_role

TOLERANCE = 1e-9
QUOTAS = {1: 18.0, 2: 20.0, 3: 19.0, 4: 17.0, 5: 26.0}
"""Population shares (%) of the five age bands: the sample is much younger than the population."""


def _frame(band, answers):
    """Long frame: one row per answer (respondent, indicator, value, band)."""
    parts = [pd.DataFrame({"respondent": np.arange(len(band)), "indicator": code, "value": values, "band": band})
             for code, values in answers.items()]
    frame = pd.concat(parts, ignore_index=True)
    return frame[frame["value"] > 0]


def _pandas_unweighted(frame):
    scores = (frame["value"] - 1) / 4 * 100
    per_respondent = scores.groupby([frame["indicator"], frame["respondent"]]).mean()
    result = {}
    for code, group in per_respondent.groupby(level=0):
        n = len(group)
        mean, sd = group.mean(), group.std(ddof=1)
        half = Z95 * sd / math.sqrt(n)
        result[code] = {"n": n, "mean": mean, "sd": sd, "low": max(0, mean - half), "high": min(100, mean + half)}
    return result


def _pandas_weighted(frame, quotas):
    frame = frame.assign(score=(frame["value"] - 1) / 4 * 100)
    result = {}
    for code, rows in frame.groupby("indicator"):
        people = rows.groupby("respondent").agg(score=("score", "mean"), band=("band", "first"))
        people = people[people["band"].isin(list(quotas))]
        sample_share = people["band"].map(people["band"].value_counts(normalize=True))
        present = {b: s for b, s in quotas.items() if b in set(people["band"])}
        population_share = people["band"].map({b: s / sum(present.values()) for b, s in present.items()})
        w = population_share / sample_share
        mean = (w * people["score"]).sum() / w.sum()
        n_eff = w.sum() ** 2 / (w ** 2).sum()
        variance = (w * (people["score"] - mean) ** 2).sum() / w.sum() * n_eff / (n_eff - 1)
        half = Z95 * math.sqrt(variance) / math.sqrt(n_eff)
        result[code] = {"n": len(people), "mean": mean, "n_eff": n_eff, "low": max(0, mean - half),
                        "high": min(100, mean + half), "unweighted": people["score"].mean()}
    return result


def _estimates_pure(band, answers, quotas=None):
    frame = _frame(band, answers)
    result = {}
    for code, rows in frame.groupby("indicator"):
        ids, scores = respondent_scores(rows["respondent"].to_numpy(), rows["value"].to_numpy())
        if quotas is None:
            result[code] = mean_estimate(scores)
        else:
            weights = poststratification_weights([int(band[i]) or None for i in ids], quotas)
            result[code] = mean_estimate(scores, weights.weights)
    return result


def test_it_matches_pandas_on_10000_responses():
    band, answers = generated_answers(10_000)
    expected = _pandas_unweighted(_frame(band, answers))
    got = _estimates_pure(band, answers)
    assert set(got) == set(expected) == {"PS03", "PS04", "PS08"}
    for code, e in expected.items():
        assert got[code].n == e["n"] > 7500
        assert got[code].value == pytest.approx(e["mean"], abs=TOLERANCE)
        assert got[code].sd == pytest.approx(e["sd"], abs=TOLERANCE)
        assert got[code].low == pytest.approx(e["low"], abs=TOLERANCE)
        assert got[code].high == pytest.approx(e["high"], abs=TOLERANCE)
        assert not got[code].weighted


def test_it_matches_pandas_weighted_to_quotas():
    band, answers = generated_answers(10_000)
    expected = _pandas_weighted(_frame(band, answers), QUOTAS)
    got = _estimates_pure(band, answers, QUOTAS)
    for code, e in expected.items():
        estimate = got[code]
        assert estimate.weighted
        assert estimate.n == e["n"]
        assert estimate.value == pytest.approx(e["mean"], abs=TOLERANCE)
        assert estimate.n_effective == pytest.approx(e["n_eff"], abs=TOLERANCE)
        assert estimate.low == pytest.approx(e["low"], abs=TOLERANCE)
        assert estimate.high == pytest.approx(e["high"], abs=TOLERANCE)
        # The older bands are happier and under-represented: weighting raises the score and widens the interval.
        assert estimate.value > e["unweighted"]
        assert estimate.n_effective < estimate.n


@pytest.mark.django_db
def test_it_aggregates_10000_stored_responses_as_pandas(cycle, regions):
    open_now(cycle)
    reviewer = user_with_role("reviewer", Role.CITY_REVIEWER, regions["hangzhou"])
    q = questionnaire(cycle, regions["hangzhou"], reviewer)
    band, answers = generated_answers(10_000, seed=11)
    store_responses(q, regions["hangzhou"], band, answers)
    frame = _frame(band, answers)

    plain = expected = _pandas_unweighted(frame)
    got = questionnaire_estimates(q)
    for code, e in expected.items():
        assert got[code].n == e["n"]
        assert got[code].value == pytest.approx(e["mean"], abs=TOLERANCE)
        assert (got[code].low, got[code].high) == pytest.approx((e["low"], e["high"]), abs=TOLERANCE)

    age = q.questions.get(text_zh="您的年龄段")
    age.options = [{**o, "share": QUOTAS[i]} for i, o in enumerate(age.options, start=1)]
    age.weighting = True
    age.save()
    expected = _pandas_weighted(frame, QUOTAS)
    got = questionnaire_estimates(q)
    for code, e in expected.items():
        assert got[code].weighted
        assert got[code].n == e["n"]
        assert got[code].value == pytest.approx(e["mean"], abs=TOLERANCE)
        assert got[code].n_effective == pytest.approx(e["n_eff"], abs=TOLERANCE)
        assert (got[code].low, got[code].high) == pytest.approx((e["low"], e["high"]), abs=TOLERANCE)
        assert got[code].unweighted == pytest.approx(plain[code]["mean"], abs=TOLERANCE)  # all respondents
        assert got[code].excluded == int((band[frame[frame.indicator == code].respondent.unique()] == 0).sum())


def test_a_respondent_with_several_questions_on_one_indicator_counts_once():
    ids, scores = respondent_scores([5, 5, 9], [5, 3, 1])
    assert list(ids) == [5, 9]
    assert list(scores) == [75.0, 0.0]
    assert mean_estimate(scores).n == 2


def test_equal_weights_give_the_unweighted_estimate():
    scores = likert_score(np.random.default_rng(3).integers(1, 6, 500))
    plain, weighted = mean_estimate(scores), mean_estimate(scores, np.full(500, 2.5))
    assert weighted.value == pytest.approx(plain.value, abs=TOLERANCE)
    assert (weighted.low, weighted.high) == pytest.approx((plain.low, plain.high), abs=TOLERANCE)
    assert weighted.n_effective == pytest.approx(500)


def test_small_samples():
    assert mean_estimate([]).value is None
    single = mean_estimate([75.0])
    assert (single.value, single.n, single.low, single.high) == (75.0, 1, None, None)
    assert mean_estimate([100.0] * 5).low == 100.0  # no spread: the interval is the point
    assert share_estimate(0, 0).value is None


def test_empty_groups_and_unknown_groups():
    weights = poststratification_weights([1, 1, 2, None, 7], {1: 50, 2: 30, 3: 20})
    assert weights.excluded == 2
    assert weights.empty_groups == (3,)
    # Groups 1 and 2 share 100 %: 50/80 and 30/80 of the weight, against 2/3 and 1/3 of the respondents.
    assert list(weights.weights) == pytest.approx([0.625 / (2 / 3)] * 2 + [0.375 / (1 / 3), 0, 0])


def test_wilson_interval():
    low, high = wilson_interval(81, 263)
    assert (low, high) == pytest.approx((0.2553, 0.3662), abs=1e-4)  # a textbook example
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0)
    low, high = wilson_interval(3, 10)
    assert (1 - high, 1 - low) == pytest.approx(wilson_interval(7, 10))
    estimate = share_estimate(9000, 10_000)
    assert estimate.value == 90.0
    assert estimate.low < 90 < estimate.high
    assert estimate.high - estimate.low == pytest.approx(2 * Z95 * math.sqrt(0.09 / 10_000) * 100, rel=1e-3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=2, max_size=60), st.lists(st.floats(0.1, 10), min_size=60, max_size=60))
def test_weighted_estimates_stay_within_the_scale(answers, weights):
    scores = likert_score(answers)
    estimate = mean_estimate(scores, weights[:len(answers)])
    assert scores.min() - 1e-9 <= estimate.value <= scores.max() + 1e-9
    assert 0 <= estimate.low <= estimate.value <= estimate.high <= 100
    assert 1 - 1e-9 <= estimate.n_effective <= len(answers) + 1e-9


def test_buckets_days_then_weeks():
    day = datetime.date(2026, 3, 2)
    assert bucket_counts([(day, 2), (day + datetime.timedelta(days=1), 3)]) == ("day", [
        (day, 2), (day + datetime.timedelta(days=1), 3)])
    unit, weeks = bucket_counts([(day + datetime.timedelta(days=i), 1) for i in range(0, 100, 3)])
    assert unit == "week"
    assert all(d.weekday() == 0 for d, _n in weeks)
    assert sum(n for _d, n in weeks) == 34


@pytest.mark.parametrize(("text", "masked"), [
    ("请打13812345678联系我", "请打***联系我"),
    ("手机 138-1234-5678，或 +86 139 1234 5678", "手机 ***，或 ***"),
    ("办公室电话 0571-87654321 转 123", "办公室电话 ***"),
    ("座机(010)66668888", "座机***"),
    ("我的身份证号是11010119900307123X。", "我的身份证号是***。"),
    ("老身份证 110101900307123", "老身份证 ***"),
    ("邮箱 zhang.san@example.com.cn 谢谢", "邮箱 *** 谢谢"),
    ("全角号码１３９１２３４５６７８", "全角号码***"),
    ("12345热线很好，等了3天，110来了", "12345热线很好，等了3天，110来了"),
    ("", ""),
])
def test_personal_data_is_masked(text, masked):
    assert mask_personal_data(text) == masked
