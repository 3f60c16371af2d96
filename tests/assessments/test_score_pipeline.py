"""The score pipeline: approved values in one query, the engine, results in bulk, an atomic swap."""

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Cycle, DimensionScore, IndicatorScore, IndicatorValue, RegionScore, ScoreRun, Submission
from assessments.selectors import cycle_values_frame
from assessments.services import cycle_scores_compute, cycle_scores_request
from assessments.services import scores as services
from assessments.services.groups import GroupInput, groups_set
from indicators.scoring import compute
from indicators.services import framework_spec
from outbox.models import Job
from tests.factories import approved_cycle, many_cities

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities(regions):
    return many_cities(12, regions["zhejiang"]) + many_cities(8, regions["jiangsu"])


@pytest.fixture
def scored(framework, cities):
    approved_cycle(framework, cities, 2025, seed=1)
    return approved_cycle(framework, cities, 2026, seed=2)


def _run(cycle):
    return cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)


def test_it_stores_what_the_engine_computes(scored, cities):
    run = _run(scored)
    assert run.status == ScoreRun.Status.SUCCEEDED
    assert run.regions == len(cities)
    values, parents = cycle_values_frame(scored)
    expected = compute(values, framework_spec(scored.framework), parents=parents).index
    expected = expected[expected["period"] == 2026].set_index("region")
    stored = pd.DataFrame(RegionScore.objects.filter(run=run).values(
        "region__code", "index", "rank", "parent_rank", "level", "change")).set_index("region__code")
    assert stored["index"].sort_index().tolist() == pytest.approx(expected["index"].sort_index().tolist())
    assert stored["rank"].sort_index().tolist() == expected["rank"].sort_index().astype(int).tolist()
    assert stored["change"].notna().all()
    assert DimensionScore.objects.filter(run=run).count() == len(cities) * 4
    assert IndicatorScore.objects.filter(run=run).count() == len(cities) * scored.framework.indicators.count()


def test_the_run_becomes_the_cycle_current_one(scored):
    run = _run(scored)
    scored.refresh_from_db()
    assert scored.current_run == run
    assert (run.progress, run.started_at is not None, run.finished_at is not None) == (100, True, True)
    assert run.method["spec"]["code"] == "smartgov-maturity"


def test_only_approved_submissions_are_scored(scored, cities):
    Submission.objects.filter(cycle=scored, region=cities[0]).update(status=Submission.Status.SUBMITTED)
    run = _run(scored)
    assert run.regions == len(cities) - 1
    assert not RegionScore.objects.filter(run=run, region=cities[0]).exists()


def test_a_failure_leaves_the_previous_results_current(scored, monkeypatch):
    first = _run(scored)

    def broken(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(services, "compute", broken)
    second = _run(scored)
    scored.refresh_from_db()
    assert second.status == ScoreRun.Status.FAILED
    assert second.error == "engine exploded"
    assert scored.current_run == first
    assert not RegionScore.objects.filter(run=second).exists()


def test_a_failure_while_writing_writes_nothing(scored, monkeypatch):
    """The database refuses the last row of the indicator table (a weight that may not be NULL), after the
    dimension rows were written (by COPY on PostgreSQL, bulk inserts on SQLite): the run fails, nothing of it
    stays and the previous run stays current."""
    first = _run(scored)
    real = services.result_tables

    def with_a_bad_last_row(**kwargs):
        tables = real(**kwargs)
        tables[-1].frame.loc[tables[-1].frame.index[-1], "weight"] = float("nan")
        return tables

    monkeypatch.setattr(services, "result_tables", with_a_bad_last_row)
    second = _run(scored)
    scored.refresh_from_db()
    assert (second.status, scored.current_run) == (ScoreRun.Status.FAILED, first)
    assert "weight" in second.error
    for model in (RegionScore, DimensionScore, IndicatorScore):
        assert not model.objects.filter(run=second).exists()


def test_running_twice_gives_the_same_results_and_no_duplicates(scored):
    first, second = _run(scored), _run(scored)

    def results(run):
        return sorted(RegionScore.objects.filter(run=run).values_list("region_id", "index", "rank", "level"))

    assert results(first) == results(second)
    assert cycle_scores_compute(run_id=second.pk).status == ScoreRun.Status.SUCCEEDED
    assert RegionScore.objects.filter(run=second).count() == len(results(first))


def test_a_newer_run_abandons_an_older_one_still_running(scored):
    older = ScoreRun.objects.create(cycle=scored, status=ScoreRun.Status.RUNNING)
    newer = _run(scored)
    scored.refresh_from_db()
    older.refresh_from_db()
    assert scored.current_run == newer
    assert (older.status, older.error) == (ScoreRun.Status.FAILED, "Abandoned: a later run replaced it.")
    assert cycle_scores_compute(run_id=older.pk).status == ScoreRun.Status.FAILED
    assert not RegionScore.objects.filter(run=older).exists()


def test_a_cycle_without_approved_values_fails_with_a_reason(framework, cities):
    cycle = approved_cycle(framework, cities, 2026)
    Submission.objects.filter(cycle=cycle).update(status=Submission.Status.DRAFT)
    run = _run(cycle)
    assert run.status == ScoreRun.Status.FAILED
    assert "无可计算的数据" in run.error


def test_requests_made_while_a_run_waits_join_it_and_its_job_is_due_later(
        scored, queued_mode, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        runs = {cycle_scores_request(cycle=scored, reason=f"approval {i}").pk for i in range(40)}
    assert len(runs) == 1
    [job] = Job.objects.all()
    assert (job.kind, job.key, job.args, job.state) == ("scores.compute", f"score-run:{runs.pop()}",
                                                        {"run_id": job.args["run_id"]}, "pending")
    assert 55 < (job.due_at - timezone.now()).total_seconds() <= 60
    assert queued_mode == []  # nothing waits in the broker: the sweeper sends it when it is due


def test_in_process_mode_computes_at_once(scored, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = cycle_scores_request(cycle=scored, reason="approval")
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.SUCCEEDED


def test_queries_do_not_grow_with_the_number_of_regions(framework, regions):
    counts = []
    for period, size in ((2025, 5), (2026, 25)):
        cities = many_cities(size, regions["zhejiang" if period == 2025 else "jiangsu"])
        cycle = approved_cycle(framework, cities, period)
        codes = tuple(city.code for city in cities)
        groups_set(cycle=cycle, groups=[GroupInput(f"g{i}", "组", "Group", codes[i:]) for i in range(size // 5)],
                   actor=None)
        run = cycle_scores_request(cycle=cycle, enqueue=False)
        with CaptureQueriesContext(connection) as queries:
            cycle_scores_compute(run_id=run.pk)
        statements = [q["sql"] for q in queries]
        # SQLite caps the parameters of a statement, so its bulk inserts are split; PostgreSQL's are not.
        counts.append(len(statements) if connection.vendor == "postgresql"
                      else sum(not sql.startswith("INSERT") for sql in statements))
    assert counts[0] == counts[1]


def _group_ranks(run):
    return dict(RegionScore.objects.filter(run=run).values_list("region__code", "group_ranks"))


def test_group_ranks_are_stored_with_the_run(scored, cities):
    codes = [city.code for city in cities]
    sub, plan = codes[:5] + codes[12:15], codes[3:7]
    groups_set(cycle=scored, groups=[GroupInput("sub_provincial", "副省级城市", "Sub-provincial cities", tuple(sub)),
                                     GroupInput("plan", "计划单列市", "Separately planned", tuple(plan))], actor=None)
    run = _run(scored)
    values, parents = cycle_values_frame(scored)
    engine = compute(values, framework_spec(scored.framework), parents=parents,
                     groups={"sub_provincial": sub, "plan": plan}).group_ranks
    expected = {code: {} for code in codes}
    for row in engine[engine["period"] == 2026].itertuples():
        expected[row.region][row.group] = int(row.rank)
    stored = _group_ranks(run)
    assert stored == expected
    assert stored[codes[9]] == {}
    assert set(stored[codes[4]]) == {"sub_provincial", "plan"}
    assert sorted(stored[code]["plan"] for code in plan) == [1, 2, 3, 4]
    assert run.method["groups"] == [
        {"code": "plan", "name_zh": "计划单列市", "name_en": "Separately planned", "members": sorted(plan)},
        {"code": "sub_provincial", "name_zh": "副省级城市", "name_en": "Sub-provincial cities", "members": sorted(sub)},
    ]


def test_group_ranks_follow_the_overall_ranks_of_the_members(scored, cities):
    members = [city.code for city in cities[::3]]
    groups_set(cycle=scored, groups=[GroupInput("g", "甲", "A", tuple(members))], actor=None)
    run = _run(scored)
    ranks = dict(RegionScore.objects.filter(run=run, region__code__in=members).values_list("region__code", "rank"))
    by_overall = sorted(members, key=ranks.get)
    assert [_group_ranks(run)[code]["g"] for code in by_overall] == list(range(1, len(members) + 1))


def test_without_groups_every_region_has_no_group_rank(scored, cities):
    run = _run(scored)
    assert set(map(str, _group_ranks(run).values())) == {"{}"}
    assert run.method["groups"] == []


def test_an_incomplete_member_has_no_rank_in_its_group(scored, cities):
    IndicatorValue.objects.filter(submission__cycle=scored, submission__region=cities[0],
                                  indicator__dimension__code="RS").delete()
    groups_set(cycle=scored, groups=[GroupInput("g", "甲", "A", (cities[0].code, cities[1].code))], actor=None)
    stored = _group_ranks(_run(scored))
    assert (stored[cities[0].code], stored[cities[1].code]) == ({}, {"g": 1})


def test_score_cycle_command_computes_and_skips_current_scores(scored, capsys):
    call_command("score_cycle", "2026")
    call_command("score_cycle", all=True, stale=True)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2026: run #")
    assert out[0].endswith("succeeded, 20 regions")
    assert out[-1].startswith("2026: scores are current")
    assert Cycle.objects.get(period=2025).current_run is not None


def test_score_cycle_command_says_which_cycle_is_missing(framework):
    with pytest.raises(CommandError, match="No cycle of framework smartgov-maturity for 1999"):
        call_command("score_cycle", "1999")
