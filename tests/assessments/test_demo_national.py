"""`manage.py seed_demo --scale national` on a slice of China's register — 浙江 with its 11 prefecture-level and 90
county-level divisions, filtered from the real file and loaded through the register's service: every one of them
assessed in five demo cycles (2022–2025 published, 2026 open), values in range and correlated as the generator
says, a second run changing nothing.

The national demo is seeded once for the module, in a transaction rolled back after its last test; the tests that
need a database without it come first."""

import numpy as np
import pandas as pd
import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from assessments.demo import CHINA_REGISTER
from assessments.demo.national import NATIONAL_PERIODS
from assessments.models import (
    Cycle,
    Evidence,
    IndicatorValue,
    Publication,
    Region,
    RegionScore,
    RunAnalysis,
    ScoreRun,
    Submission,
)
from audit.models import Action, AuditEvent
from indicators.models import Indicator
from tests.factories import CycleFactory

pytestmark = pytest.mark.django_db
PROVINCE = "330000"


def _slice(path, province=PROVINCE):
    """China's register cut down to the country and one province with everything in it."""
    document = yaml.safe_load(CHINA_REGISTER.read_text(encoding="utf-8"))
    document["regions"] = [r for r in document["regions"] if r["code"] == "CHN" or r["code"][:2] == province[:2]]
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    return _slice(tmp_path_factory.mktemp("register") / "zhejiang.yaml")


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def national(django_db_setup, django_db_blocker, register, media):
    """The register file the demo was seeded from; its evidence files are under `media`."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        call_command("seed_demo", scale="national", regions=register, verbosity=0)
        yield register
        transaction.set_rollback(True)


def _assessed():
    return Region.objects.current().filter(level__in=[Region.Level.PREFECTURE, Region.Level.COUNTY])


def _counts():
    return (Region.objects.count(), Cycle.objects.count(), Submission.objects.count(),
            IndicatorValue.objects.count(), Evidence.objects.count(), ScoreRun.objects.count(),
            Publication.objects.count(), AuditEvent.objects.count())


def test_it_refuses_a_database_with_a_cycle_that_does_not_cover_the_register(framework, tmp_path):
    CycleFactory(framework=framework, period=2024)
    with pytest.raises(CommandError, match="2024"):
        call_command("seed_demo", scale="national", regions=_slice(tmp_path / "zhejiang.yaml"), verbosity=0)
    assert list(Cycle.objects.values_list("period", flat=True)) == [2024]
    assert not Submission.objects.exists()


def test_a_register_file_goes_with_the_national_scale_only(tmp_path):
    with pytest.raises(CommandError, match="--scale national"):
        call_command("seed_demo", regions=tmp_path / "any.yaml")


def test_every_prefecture_and_county_of_the_register_takes_part_in_five_demo_cycles(national):
    regions = set(_assessed().values_list("pk", flat=True))
    assert len(regions) == 101
    assert {r[:2] for r in _assessed().values_list("code", flat=True)} == {"33"}
    assert list(Cycle.objects.order_by("period").values_list("period", "status", "is_demo")) == [
        (2022, "published", True), (2023, "published", True), (2024, "published", True),
        (2025, "published", True), (2026, "open", True)]
    for cycle in Cycle.objects.all():
        assert set(cycle.submissions.values_list("region_id", flat=True)) == regions, cycle.period


def test_past_cycles_are_approved_and_published_and_the_current_one_is_at_every_step(national):
    for period in NATIONAL_PERIODS[:-1]:
        cycle = Cycle.objects.get(period=period)
        assert set(cycle.submissions.values_list("status", flat=True)) == {"approved"}
        assert list(cycle.publications.values_list("version", "participants", "approved")) == [(1, 101, 101)]
    current = Cycle.objects.get(period=2026)
    assert set(current.submissions.values_list("status", flat=True)) == {"draft", "submitted", "signed_off",
                                                                         "approved"}
    assert current.submissions.get(region__code="330100").status == "draft"
    assert not current.publications.exists()


def test_every_cycle_is_scored_with_its_audit_and_sensitivity_analysis(national):
    for cycle in Cycle.objects.select_related("current_run"):
        run = cycle.current_run
        approved = cycle.submissions.filter(status="approved").count()
        assert (run.status, run.regions, run.participants) == ("succeeded", approved, 101), cycle.period
        analysis = RunAnalysis.objects.get(run=run)
        assert analysis.audit
        assert analysis.sensitivity
        assert run.method["uncertainty"]["samples"] == 1024
        assert {g["code"] for g in run.method["groups"]} == {"sub-provincial", "separately-planned",
                                                            "prefecture-level", "county-level"}


def test_it_is_labelled_as_demo_data(national, media, settings):
    assert set(IndicatorValue.objects.values_list("source", flat=True)) == {IndicatorValue.Source.DEMO}
    assert not Cycle.objects.filter(is_demo=False).exists()
    event = AuditEvent.objects.get(action=Action.DEMO_SEEDED)
    assert event.new == {"scale": "national", "regions": 101, "periods": list(NATIONAL_PERIODS), "indicators": 33}
    settings.MEDIA_ROOT = media
    evidence = Evidence.objects.filter(submission__cycle__period=2024).first()
    with evidence.file.open("rb") as file:
        assert b"generated, not a real document" in file.read()


def test_every_submitted_value_needing_evidence_has_a_file_and_drafts_miss_values(national):
    required = set(Indicator.objects.filter(evidence_required=True).values_list("code", flat=True))
    indicators = Indicator.objects.count()
    for submission in Submission.objects.exclude(status="draft").prefetch_related("evidence__indicator"):
        assert {e.indicator.code for e in submission.evidence.all()} == required, submission
    for submission in Submission.objects.filter(status="approved")[:50]:
        assert submission.values.count() == indicators
    draft = Submission.objects.get(cycle__period=2026, region__code="330100")
    assert 0 < draft.values.count() < indicators


def test_values_lie_in_their_valid_ranges(national):
    for indicator in Indicator.objects.all():
        values = np.array(IndicatorValue.objects.filter(indicator=indicator).values_list("value", flat=True))
        assert len(values)
        low = -np.inf if indicator.min_value is None else indicator.min_value
        high = np.inf if indicator.max_value is None else indicator.max_value
        assert ((low <= values) & (values <= high)).all(), indicator.code


def _wide(period):
    rows = IndicatorValue.objects.filter(submission__cycle__period=period, submission__status="approved").values(
        "submission__region__code", "indicator__code", "value")
    return pd.DataFrame(rows).pivot(index="submission__region__code", columns="indicator__code", values="value")


def test_values_correlate_across_years_and_indicators_and_regions_improve(national):
    y2024, y2025 = _wide(2024), _wide(2025)
    year_on_year = [y2024[c].corr(y2025[c]) for c in y2024.columns if y2024[c].std() > 0]
    assert np.median(year_on_year) > 0.7
    assert y2024["RS01"].corr(y2024["RS02"]) > 0.2
    assert _wide(2025)["RS01"].mean() > _wide(2022)["RS01"].mean()


def test_counties_follow_their_prefecture(national):
    run = Cycle.objects.get(period=2025).current_run
    index = dict(RegionScore.objects.filter(run=run).values_list("region__code", "index"))
    pairs = [(index[code], index[parent]) for code, parent in _assessed().filter(
        level=Region.Level.COUNTY, parent__level=Region.Level.PREFECTURE).values_list("code", "parent__code")]
    county, prefecture = np.array(pairs).T
    assert len(pairs) == 90
    assert np.corrcoef(county, prefecture)[0, 1] > 0.3
    assert county.mean() < prefecture.mean()


def test_a_second_run_changes_nothing(national):
    before = _counts()
    values = list(IndicatorValue.objects.order_by("pk").values_list("value", flat=True))
    call_command("seed_demo", scale="national", regions=national, verbosity=0)
    assert _counts() == before
    assert list(IndicatorValue.objects.order_by("pk").values_list("value", flat=True)) == values
