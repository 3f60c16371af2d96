"""`manage.py seed_demo`: China's register, the people of three provinces imported, three annual cycles run through
the campaign's own services — the past two closed and published under the default framework's version 1 (2025
revised once), the current one open with provisional results under its version 2, with values drawn from the
published distributions — and a login per role.

The demo is seeded once for the module (the `demo` fixture)."""

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from assessments.models import (
    Cycle,
    Evidence,
    IndicatorValue,
    Publication,
    Region,
    RoleAssignment,
    ScoreRun,
    Submission,
)
from assessments.selectors import cycle_results
from audit.models import Action, AuditEvent
from indicators.models import Indicator

pytestmark = pytest.mark.django_db


def _counts():
    return (Region.objects.count(), Cycle.objects.count(), Submission.objects.count(),
            IndicatorValue.objects.count(), RoleAssignment.objects.count(), Evidence.objects.count(),
            ScoreRun.objects.count(), Publication.objects.count(), AuditEvent.objects.count())


def test_a_second_run_changes_nothing(demo):
    before = _counts()
    values = list(IndicatorValue.objects.order_by("pk").values_list("value", flat=True))
    call_command("seed_demo")
    assert _counts() == before
    assert list(IndicatorValue.objects.order_by("pk").values_list("value", flat=True)) == values


def test_it_loads_chinas_register_and_assesses_the_prefectures_of_three_provinces(demo):
    assert Region.objects.filter(tree="CN", level=Region.Level.COUNTY).count() == 2850
    assert Region.objects.get(code="330100").name_zh == "杭州市"
    assert Region.objects.get(code="440300").name_zh == "深圳市"
    for period in (2024, 2025, 2026):
        regions = Region.objects.filter(submissions__cycle__period=period)
        assert regions.count() == 45
        assert {r.code[:2] for r in regions} == {"32", "33", "44"}
        assert set(regions.values_list("level", flat=True)) == {Region.Level.PREFECTURE}


def test_past_cycles_are_published_and_2025_was_revised_with_its_reason(demo):
    assert list(Cycle.objects.order_by("period").values_list("period", "status", "is_demo")) == [
        (2024, "published", True), (2025, "published", True), (2026, "open", True)]
    assert list(Publication.objects.filter(cycle__period=2024).values_list("version", flat=True)) == [1]
    v1, v2 = Publication.objects.filter(cycle__period=2025).order_by("version")
    assert (v1.version, v2.version) == (1, 2)
    assert "苏州" in v2.reason
    assert v2.run_id > v1.run_id
    assert (v2.participants, v2.approved) == (45, 45)
    results = cycle_results(Cycle.objects.get(period=2025))
    assert (results.provisional, results.publication) == (False, v2)


def test_the_current_cycle_is_open_with_provisional_results_and_submissions_at_every_step(demo):
    cycle = Cycle.objects.get(period=2026)
    statuses = set(cycle.submissions.values_list("status", flat=True))
    assert {"draft", "submitted", "signed_off", "approved"} <= statuses
    assert cycle.submissions.get(region__code="330100").status == "draft"
    results = cycle_results(cycle)
    assert results.provisional
    assert results.publication is None
    assert results.run is not None
    assert results.run.participants == 45
    assert cycle.groups.count() == 2


def test_every_submitted_value_that_needs_evidence_has_a_file(demo):
    for submission in Submission.objects.exclude(status="draft").select_related("cycle"):
        required = Indicator.objects.filter(framework_id=submission.cycle.framework_id, evidence_required=True)
        assert required.exists()
        evidenced = set(submission.evidence.values_list("indicator__code", flat=True))
        assert {i.code for i in required} <= evidenced, submission


def test_the_past_cycles_assess_version_1_and_the_current_one_version_2(demo):
    assert dict(Cycle.objects.values_list("period", "framework__version")) == {2024: 1, 2025: 1, 2026: 2}
    current = Cycle.objects.get(period=2026)
    codes = set(IndicatorValue.objects.filter(submission__cycle=current).values_list("indicator__code", flat=True))
    assert {"MP09", "SC10", "PS10"} <= codes
    assert "MP03" not in codes


def test_the_current_cycle_shows_no_ceiling_and_its_change_is_not_computed_across_the_break(demo):
    run = Cycle.objects.get(period=2026).current_run
    assert run.warnings is not None
    assert [w for w in run.warnings if w["code"] == "ceiling"] == []
    scores = run.region_scores.filter(complete=True)
    assert scores.exists()
    assert not scores.filter(change__isnull=False).exists()


def test_people_are_imported_per_province_and_city_and_the_logins_cover_every_role(demo):
    assert set(RoleAssignment.objects.filter(user__username__startswith="demo_")
               .values_list("user__username", "role", "region__code")) == {
        ("demo_officer", "city_officer", "330100"), ("demo_reviewer", "city_reviewer", "330100"),
        ("demo_province", "province_analyst", "330000"), ("demo_coordinator", "province_coordinator", "330000"),
        ("demo_admin", "platform_admin", None)}
    for role in ("city_officer", "city_reviewer"):
        assert RoleAssignment.objects.filter(role=role).values("region").distinct().count() == 45
    for role in ("province_analyst", "province_coordinator"):
        assert set(RoleAssignment.objects.filter(role=role).values_list("region__code", flat=True)) == {
            "320000", "330000", "440000"}
    assert AuditEvent.objects.filter(action=Action.PEOPLE_IMPORTED).exists()


def test_the_current_cycle_was_worked_by_the_imported_staff(demo):
    approvals = AuditEvent.objects.filter(action=Action.SUBMISSION_APPROVED, submission__cycle__period=2026)
    assert approvals.exists()
    assert set(approvals.values_list("actor__roles__role", flat=True)) == {"province_analyst"}


def test_the_current_cycle_keeps_four_eyes_and_the_past_ones_recorded_by_one_administrator_do_not(demo):
    assert dict(Cycle.objects.values_list("period", "separation_of_duties")) == {2024: False, 2025: False, 2026: True}
    cycle = Cycle.objects.get(period=2026)
    entry = (Action.VALUE_CHANGED, Action.VALUES_IMPORTED, Action.EVIDENCE_ADDED, Action.EVIDENCE_REMOVED)
    checked = 0
    for submission in cycle.submissions.filter(status__in=["signed_off", "approved"]):
        events = AuditEvent.objects.filter(submission=submission)
        prepared = set(events.filter(action__in=[*entry, Action.SUBMISSION_SUBMITTED]).values_list("actor",
                                                                                                   flat=True))
        signers = set(events.filter(action=Action.SUBMISSION_SIGNED_OFF).values_list("actor", flat=True))
        approvers = set(events.filter(action=Action.SUBMISSION_APPROVED).values_list("actor", flat=True))
        assert signers, submission
        assert not signers & prepared, submission
        assert not approvers & (prepared | signers), submission
        checked += 1
    assert checked


def test_values_lie_in_their_valid_ranges(demo):
    for indicator in Indicator.objects.all():
        values = IndicatorValue.objects.filter(indicator=indicator).values_list("value", flat=True)
        low = -np.inf if indicator.min_value is None else indicator.min_value
        high = np.inf if indicator.max_value is None else indicator.max_value
        assert all(low <= v <= high for v in values), indicator.code


def _wide(period):
    rows = IndicatorValue.objects.filter(submission__cycle__period=period, submission__status="approved").values(
        "submission__region__code", "indicator__code", "value")
    frame = pd.DataFrame(rows)
    return frame.pivot(index="submission__region__code", columns="indicator__code", values="value")


def test_values_correlate_across_years_and_indicators(demo):
    y2024, y2025 = _wide(2024), _wide(2025)
    year_on_year = [y2024[c].corr(y2025[c]) for c in y2024.columns if y2024[c].std() > 0]
    assert np.median(year_on_year) > 0.7
    assert y2024["RS01"].corr(y2024["RS02"]) > 0.2


def test_cities_improve_on_average(demo):
    assert _wide(2025)["RS01"].mean() > _wide(2024)["RS01"].mean()
