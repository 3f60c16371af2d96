"""The score run audits its period and analyses the sensitivity of its ranks to the inputs the framework declares,
stores both, takes the ranks' intervals from the analysis, tells its progress and warns of weak results."""

import copy

import pytest
from django.urls import reverse

from assessments.models import RegionScore, RunAnalysis, ScoreRun
from assessments.services import scores as score_service
from indicators.framework_file import document_spec, parse_framework
from indicators.scoring import sensitivity
from indicators.services import framework_import, framework_publish, framework_spec
from tests.factories import approved_cycle, many_cities, score

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_scores")]


def _framework(default_document, **method):
    document = copy.deepcopy(default_document)
    document["code"] = "declared-analysis"
    document["method"] |= method
    return framework_publish(framework=framework_import(document=parse_framework(document)).framework)


def test_a_run_stores_the_audit_and_the_default_analysis_and_takes_the_intervals_from_it(framework, regions):
    cycle = approved_cycle(framework, many_cities(8, regions["zhejiang"]), 2026)
    run = score(cycle)
    analysis = RunAnalysis.objects.get(run=run)
    [period] = analysis.audit["periods"]
    assert (period["period"], period["regions"], len(period["indicators"])) == (2026, 8, framework.indicators.count())
    assert analysis.sensitivity["inputs"] == ["weights", "normalisation"]
    assert (analysis.sensitivity["base_samples"], analysis.sensitivity["seed"]) == (16, 2026)
    assert run.method["uncertainty"] == {"inputs": ["weights", "normalisation"], "weight_range": 0.2, "samples": 16,
                                         "seed": 2026, "draws": 16 * 6}
    intervals = {r["region"]: (r["rank_median"], r["rank_p05"], r["rank_p95"]) for r in analysis.sensitivity["regions"]}
    stored = {s.region.code: (s.rank_median, s.rank_low, s.rank_high)
              for s in RegionScore.objects.filter(run=run).select_related("region")}
    assert stored == intervals
    assert all(low <= median <= high for median, low, high in stored.values())


def test_the_analysis_is_that_of_the_engine_and_reproducible(framework, regions):
    cycle = approved_cycle(framework, many_cities(6, regions["zhejiang"]), 2026)
    first = RunAnalysis.objects.get(run=score(cycle)).sensitivity
    second = RunAnalysis.objects.get(run=score(cycle)).sensitivity
    assert first == second
    values, _parents = score_service.cycle_values_frame(cycle)
    engine = sensitivity(values, framework_spec(framework), base_samples=16, seed=2026)
    assert first["mean_rank_shift"] == pytest.approx(engine.mean_rank_shift)
    assert [r["rank"] for r in first["regions"]] == [r.rank for r in engine.regions]


def test_the_inputs_seed_and_samples_declared_in_the_framework_are_used(default_document, regions):
    declared = _framework(default_document, sensitivity={
        "aggregations": ["arithmetic", "geometric"], "exclusion": True, "samples": 32, "seed": 7})
    assert framework_spec(declared).sensitivity == document_spec(
        parse_framework({**default_document, "method": {**default_document["method"], "sensitivity": {
            "aggregations": ["arithmetic", "geometric"], "exclusion": True, "samples": 32, "seed": 7}}})).sensitivity
    run = score(approved_cycle(declared, many_cities(5, regions["zhejiang"]), 2026))
    analysis = RunAnalysis.objects.get(run=run).sensitivity
    assert (analysis["inputs"], analysis["base_samples"], analysis["seed"]) == (["aggregation", "exclusion"], 32, 7)
    assert run.method["uncertainty"]["draws"] == 32 * 6
    assert [i["input"] for i in analysis["rank_shift"]] == ["aggregation", "exclusion"]


def test_a_single_region_is_a_visible_warning_and_no_sensitivity_is_made(framework, regions):
    run = score(approved_cycle(framework, many_cities(1, regions["zhejiang"]), 2026))
    codes = [w["code"] for w in run.warnings]
    assert "single_region" in codes
    assert "too_few_regions" in codes
    assert RunAnalysis.objects.get(run=run).sensitivity is None
    assert run.method["uncertainty"]["draws"] == 0
    assert RegionScore.objects.get(run=run).rank_median is None


def test_a_constant_indicator_is_a_visible_warning(framework, regions):
    cycle = approved_cycle(framework, many_cities(5, regions["zhejiang"]), 2026)
    code = framework.indicators.order_by("dimension__order", "order").first().code
    cycle.submissions.first().values.model.objects.filter(submission__cycle=cycle, indicator__code=code).update(
        value=42.0)
    run = score(cycle)
    assert {"code": "constant", "subject": code, "facts": {"count": 5, "value": 42.0}} in run.warnings


def test_the_run_tells_the_progress_of_its_sensitivity_analysis(framework, regions, monkeypatch):
    told = []
    real = score_service._run_progress
    monkeypatch.setattr(score_service, "_run_progress",
                        lambda run, progress, stage: (told.append((progress, stage)), real(run, progress, stage)))
    score(approved_cycle(framework, many_cities(4, regions["zhejiang"]), 2026))
    stages = [stage for _progress, stage in told]
    assert stages[:2] == ["computing", "auditing"]
    assert stages[-1] == "writing"
    analysis = [progress for progress, stage in told if stage == "sensitivity"]
    assert analysis
    assert analysis == sorted(analysis)
    assert analysis[-1] == score_service.SENSITIVITY_PROGRESS[1]


def test_the_coordinator_is_told_of_the_runs_warnings_before_publishing(framework, regions, people, client):
    run = score(approved_cycle(framework, many_cities(1, regions["zhejiang"]), 2026))
    client.force_login(people["admin"])
    page = client.get(reverse("cycle-detail", args=[run.cycle.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"raised {len(run.warnings)} warnings about the data" in page
    assert f'href="{reverse("dashboard-audit")}?cycle={run.cycle.pk}"' in page


def test_the_home_page_tells_the_stage_of_a_run_in_progress(framework, regions, client):
    cycle = approved_cycle(framework, many_cities(2, regions["zhejiang"]), 2026)
    ScoreRun.objects.create(cycle=cycle, status=ScoreRun.Status.RUNNING, progress=55, stage="sensitivity")
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "55%" in page
    assert "敏感性分析" in page
