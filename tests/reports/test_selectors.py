"""Reads of stored results (`reports.selectors`): the numbers are the stored ones, the derived ones are right."""

import datetime

import pandas as pd
import pytest
from django.utils import translation

from assessments.models import Cycle, DimensionScore, IndicatorScore, Region, RegionScore, Submission
from assessments.services import cycle_scores_compute, cycle_scores_request
from indicators.models import Framework
from reports.selectors import (
    Named,
    NoResult,
    city_report,
    indicator_matrix,
    province_report,
    scope_report,
    scope_summary,
    scored_cycles,
)
from tests.factories import RegionFactory, approved_cycle, in_province, many_cities

pytestmark = pytest.mark.django_db


def _run(cycle):
    run = cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
    cycle.refresh_from_db()
    return run


@pytest.fixture
def cities(regions):
    return many_cities(5, regions["zhejiang"]) + many_cities(3, regions["jiangsu"])


@pytest.fixture
def scored(framework, cities):
    """Two scored cycles; the later one is returned."""
    _run(approved_cycle(framework, cities, 2025, seed=1))
    cycle = approved_cycle(framework, cities, 2026, seed=2)
    _run(cycle)
    return Cycle.objects.select_related("framework").get(pk=cycle.pk)


def _stored(model, cycle, *fields):
    return pd.DataFrame(list(model.objects.filter(run_id=cycle.current_run_id).values("region__code", *fields)))


def test_it_reads_the_city_result_as_stored(scored, regions):
    report = city_report(scored, regions["hangzhou"])
    row = RegionScore.objects.get(run_id=scored.current_run_id, region=regions["hangzhou"])
    result = report.result
    for key in ("index", "level", "rank", "parent_rank", "change", "complete", "coverage", "rank_median",
                "rank_low", "rank_high"):
        assert getattr(result, key) == pytest.approx(getattr(row, key)), key
    assert (result.code, result.name, result.period) == ("330100", "杭州市", 2026)
    assert result.level_label == scored.framework.bands.get(level=row.level).label_zh
    assert result.regions_ranked == 8
    assert result.province_regions_ranked == 5
    assert report.is_demo is False


def test_dimensions_are_the_stored_scores_with_the_province_mean_and_the_highest_score(scored, regions):
    report = city_report(scored, regions["hangzhou"])
    stored = _stored(DimensionScore, scored, "dimension__code", "score", "rank", "region__parent__code",
                     "region__name_zh")
    index = _stored(RegionScore, scored, "index")
    assert report.best_region.code == index.loc[index["index"].idxmax(), "region__code"]
    assert [d.code for d in report.dimensions] == ["RS", "MP", "SC", "PS"]
    for dimension in report.dimensions:
        rows = stored[stored["dimension__code"] == dimension.code]
        own = rows[rows["region__code"] == "330100"].iloc[0]
        assert dimension.score == pytest.approx(own["score"])
        assert dimension.rank == own["rank"]
        assert dimension.province_mean == pytest.approx(rows[rows["region__parent__code"] == "330000"]["score"]
                                                           .mean())
        top = rows.loc[rows["score"].idxmax()]  # of every region scored, whatever its index
        assert dimension.best == pytest.approx(top["score"])
        assert dimension.best_region == Named(code=top["region__code"], name=top["region__name_zh"])


def test_the_highest_score_of_a_dimension_is_its_own_even_when_another_city_has_the_highest_index(scored,
                                                                                                  regions):
    """A city first in a dimension sees its own score as the highest there, named as its own (the best city of
    the cycle, by index, may score less on that dimension)."""
    run = scored.current_run_id
    RegionScore.objects.filter(run_id=run, region=regions["ningbo"]).update(index=99.0)  # the best city
    DimensionScore.objects.filter(run_id=run, dimension__code="SC").update(score=50.0)
    DimensionScore.objects.filter(run_id=run, region=regions["hangzhou"], dimension__code="SC").update(score=95.1)
    DimensionScore.objects.filter(run_id=run, region=regions["ningbo"], dimension__code="SC").update(score=92.2)

    report = city_report(scored, regions["hangzhou"])

    service = next(d for d in report.dimensions if d.code == "SC")
    assert (service.score, service.best, service.best_region.name) == (95.1, 95.1, "杭州市")
    assert report.best_region.code == "330200"
    with translation.override("en"):
        service = next(d for d in city_report(scored, regions["hangzhou"]).dimensions if d.code == "SC")
    assert service.best_region.name == "Hangzhou"


def test_the_province_report_names_its_participants_without_a_result(scored, regions):
    late = [in_province(RegionFactory(code=code, name_zh=name, name_en=english, parent=regions["zhejiang"]))
            for code, name, english in (("330900", "舟山市", "Zhoushan"), ("331000", "台州市", "Taizhou"))]
    for city in late:
        Submission.objects.create(cycle=scored, region=city)
    Submission.objects.create(cycle=scored, region=regions["zhejiang"])  # the province itself: not one of its cities

    report = province_report(scored, regions["zhejiang"])

    assert report.unscored == (Named(code="330900", name="舟山市"), Named(code="331000", name="台州市"))
    assert "330900" not in {city.code for city in report.cities}
    assert province_report(scored, regions["jiangsu"]).unscored == ()


def test_indicators_come_in_framework_order_with_contributions_that_add_up_to_the_index(scored, regions):
    report = city_report(scored, regions["hangzhou"])
    order = list(scored.framework.indicators.order_by("dimension__order", "order").values_list("code", flat=True))
    assert [i.code for i in report.indicators] == order
    stored = _stored(IndicatorScore, scored, "indicator__code", "value", "score", "weight", "contribution", "gap")
    own = stored[stored["region__code"] == "330100"].set_index("indicator__code")
    for row in report.indicators:
        for key in ("value", "score", "weight", "contribution", "gap"):
            assert getattr(row, key) == pytest.approx(own.loc[row.code, key]), (row.code, key)
    assert sum(i.contribution for i in report.indicators) == pytest.approx(report.result.index)
    assert sum(i.gap for i in report.indicators) == pytest.approx(
        report.best_region.index - report.result.index)
    first = report.indicators[0]
    assert first.unit
    assert first.dimension == "RS"
    assert first.dimension_name == "资源共享度"


def test_strengths_and_weaknesses_are_the_scores_furthest_from_the_province_mean(scored, regions):
    report = city_report(scored, regions["hangzhou"])
    differences = sorted((i.score - i.province_mean, i.code) for i in report.indicators)
    assert [s.code for s in report.strengths] == [code for _d, code in differences[::-1][:3]]
    assert [w.code for w in report.weaknesses] == [code for _d, code in differences[:3]]
    assert not {s.code for s in report.strengths} & {w.code for w in report.weaknesses}
    for item in report.strengths + report.weaknesses:
        assert item.difference == pytest.approx(item.score - item.province_mean)


def test_a_city_alone_in_its_province_gets_its_highest_and_lowest_scores(scored, regions):
    guangdong = in_province(RegionFactory(code="440000", name_zh="广东省", name_en="Guangdong", level="province",
                                          parent=regions["china"]))
    lonely = in_province(RegionFactory(code="440100", name_zh="广州市", name_en="Guangzhou", parent=guangdong))
    cycle = approved_cycle(scored.framework, [lonely, regions["hangzhou"]], 2027)
    _run(cycle)
    report = city_report(cycle, lonely)
    scores = sorted((i.score, i.code) for i in report.indicators)
    assert all(item.difference == 0 for item in report.strengths + report.weaknesses)
    assert report.strengths[0].score == scores[-1][0]
    assert report.weaknesses[0].score == scores[0][0]


def test_priorities_are_the_largest_weighted_gaps_to_the_best_region(scored, regions):
    report = city_report(scored, regions["ningbo"])
    gaps = sorted(((i.gap, i.code) for i in report.indicators if i.gap > 0), reverse=True)
    assert [p.code for p in report.priorities] == [code for _gap, code in gaps[:5]]
    best = report.best_region.code
    best_report = city_report(scored, Region.objects.get(code=best))
    assert best_report.priorities == ()


def test_the_trend_follows_the_current_run_of_every_cycle_up_to_this_one(scored, regions, framework):
    later = approved_cycle(framework, [regions["hangzhou"]], 2027)
    _run(later)
    report = city_report(scored, regions["hangzhou"])
    stored = dict(RegionScore.objects.filter(region=regions["hangzhou"], run__cycle__current_run_id__isnull=False)
                  .exclude(run__cycle=later).values_list("run__cycle__period", "index"))
    assert [(p.period, p.index) for p in report.trend] == [
        (2025, pytest.approx(stored[2025])), (2026, pytest.approx(stored[2026]))]
    assert all(p.level_label for p in report.trend)


def test_the_method_and_bands_describe_the_framework(scored, regions):
    report = city_report(scored, regions["hangzhou"])
    assert [b.level for b in report.bands] == [1, 2, 3, 4, 5]
    assert report.bands[0].label == "起步级"
    method = report.framework
    assert (method.code, method.version) == ("smartgov-maturity", 1)
    assert method.weighting == str(Framework.Weighting.EXPERT.label)
    assert method.aggregation == str(Framework.Aggregation.ARITHMETIC.label)
    assert len(method.indicators) == len(report.indicators)
    assert method.indicators[0].normalisation
    assert method.uncertainty.draws
    assert method.computed_at is not None


def test_texts_follow_the_active_language(scored, regions):
    with translation.override("en"):
        report = city_report(scored, regions["hangzhou"])
        province = province_report(scored, regions["zhejiang"])
    assert report.result.name == "Hangzhou"
    assert report.dimensions[0].name == "Resource sharing"
    assert report.result.level_label in {"Initial", "Developing", "Established", "Optimising", "Leading"}
    assert province.province.name == "Zhejiang"
    assert province.cities[0].province == "Zhejiang"


def test_no_result_is_an_explicit_error(scored, regions, framework):
    with pytest.raises(NoResult):
        city_report(scored, RegionFactory(code="320900", parent=regions["jiangsu"]))  # no submission in the cycle
    empty = Cycle.objects.create(framework=framework, period=2030, opens=datetime.date(2030, 1, 1),
                                 closes=datetime.date(2030, 2, 1))
    with pytest.raises(NoResult):
        city_report(empty, regions["hangzhou"])
    with pytest.raises(NoResult):
        province_report(empty, regions["zhejiang"])


def test_the_province_report_lists_its_cities_by_rank(scored, regions):
    report = province_report(scored, regions["zhejiang"])
    stored = _stored(RegionScore, scored, "index", "rank", "parent_rank", "level", "change",
                     "region__parent__code")
    own = stored[stored["region__parent__code"] == "330000"].sort_values("rank")
    assert [c.code for c in report.cities] == own["region__code"].tolist()
    assert [c.parent_rank for c in report.cities] == [1, 2, 3, 4, 5]
    assert report.best.code == own["region__code"].iloc[0]
    first = report.cities[0]
    assert first.index == pytest.approx(own["index"].iloc[0])
    assert first.previous == pytest.approx(first.index - first.change)
    assert set(first.dimensions) == {"RS", "MP", "SC", "PS"}
    assert sum(row.count for row in report.level_counts) == 5
    assert [row.level for row in report.level_counts] == [1, 2, 3, 4, 5]
    assert report.province == Named(code="330000", name="浙江省")
    assert report.regions_ranked == 8


def test_dimension_statistics_are_over_the_province_cities(scored, regions):
    report = province_report(scored, regions["zhejiang"])
    stored = _stored(DimensionScore, scored, "dimension__code", "score", "region__parent__code")
    stored = stored[stored["region__parent__code"] == "330000"]
    for stats in report.dimension_stats:
        scores = stored.loc[stored["dimension__code"] == stats.code, "score"]
        assert stats.count == 5
        for name in ("mean", "median", "min", "max"):
            assert getattr(stats, name) == pytest.approx(getattr(scores, name)()), (stats.code, name)


def test_the_scope_report_keeps_to_the_regions_given(scored, regions):
    everything = scope_report(scored)
    jiangsu = scope_report(scored, Region.objects.filter(parent=regions["jiangsu"]))
    assert len(everything.cities) == 8
    assert [p.code for p in everything.provinces] == ["320000", "330000"]
    assert {c.province_code for c in jiangsu.cities} == {"320000"}
    assert [c.rank for c in everything.cities] == sorted(c.rank for c in everything.cities)


def test_an_incomplete_region_is_counted_as_not_rated(scored, regions):
    RegionScore.objects.filter(run_id=scored.current_run_id, region=regions["hangzhou"]).update(
        index=None, level=None, rank=None, parent_rank=None, complete=False)
    report = province_report(scored, regions["zhejiang"])
    assert report.level_counts[-1].level is None
    assert report.level_counts[-1].count == 1
    assert report.cities[-1].code == "330100"
    assert report.cities[-1].rank is None


def test_the_indicator_matrix_is_regions_by_indicators(scored, regions):
    matrix = indicator_matrix(scored, [regions["hangzhou"].pk, regions["ningbo"].pk])
    scores = matrix.scores
    assert sorted(scores.index) == ["330100", "330200"]
    assert scores.shape[1] == scored.framework.indicators.count()
    stored = IndicatorScore.objects.get(run_id=scored.current_run_id, region=regions["ningbo"], indicator__code="SC03")
    assert scores.loc["330200", "SC03"] == pytest.approx(stored.score)
    assert matrix.regions["330100"] == "杭州市"
    assert matrix.indicators[0].code == "RS01"


def test_scored_cycles_are_those_with_a_current_run_latest_first(scored, framework, cities):
    approved_cycle(framework, cities, 2027)  # not scored
    assert [c.period for c in scored_cycles()] == [2026, 2025]


def test_the_city_report_runs_a_fixed_number_of_queries(scored, regions, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):  # with the 3 queries of `cycle_results` and the shares by provenance
        city_report(scored, regions["hangzhou"])
    with django_assert_max_num_queries(11):
        province_report(scored, regions["zhejiang"])


def _set_changes(cycle, province, changes):
    """Give the province's cities, by code, the changes (and indices, where given) listed."""
    codes = RegionScore.objects.filter(run_id=cycle.current_run_id, region__parent=province).order_by(
        "region__code").values_list("region__code", flat=True)
    for code, fields in zip(list(codes), changes, strict=True):
        RegionScore.objects.filter(run_id=cycle.current_run_id, region__code=code).update(**fields)


def test_the_summary_of_an_odd_number_of_regions_has_the_middle_change(scored, regions):
    _set_changes(scored, regions["zhejiang"], [{"change": c} for c in (4.0, -2.0, 1.0, 7.5, 0.5)])
    report = province_report(scored, regions["zhejiang"])
    summary = scope_summary(report)
    indices = [c.index for c in report.cities]
    assert (summary.count, summary.ranked) == (5, 5)
    assert summary.mean == pytest.approx(sum(indices) / 5)
    assert summary.median_change == 1.0


def test_the_summary_of_an_even_number_of_regions_has_the_mean_of_the_two_middle_changes(scored, regions):
    _set_changes(scored, regions["zhejiang"], [
        {"change": 3.0}, {"change": -2.0}, {"change": None, "index": None, "level": None, "rank": None,
                                            "parent_rank": None, "complete": False},
        {"change": 7.5}, {"change": 0.5}])
    report = province_report(scored, regions["zhejiang"])
    summary = scope_summary(report)
    indices = [c.index for c in report.cities if c.index is not None]
    assert (summary.count, summary.ranked) == (5, 4)
    assert summary.mean == pytest.approx(sum(indices) / 4)
    assert summary.median_change == 1.75  # (0.5 + 3.0) / 2, not 3.0


def test_the_summary_of_no_region_has_no_figures(scored, regions):
    summary = scope_summary(scope_report(scored, Region.objects.none()))
    assert (summary.count, summary.ranked, summary.mean, summary.median_change) == (0, 0, None, None)
