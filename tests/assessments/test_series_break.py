"""A new version of the framework breaks the series: last period's values under the old version are neither shown
nor checked against (the same code may mean something else), no change is computed across the break, and the
city's trend draws one line per version with the break explained."""

import pytest

from assessments.models import Region
from assessments.selectors import previous_values, submission_findings_of
from reports.figures import city_trend
from reports.selectors import city_report
from tests.factories import SubmissionFactory, approved_cycle, many_cities, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken(framework, framework_v2, regions):
    cities = many_cities(4, regions["zhejiang"])
    score(approved_cycle(framework, cities, 2025))
    current = approved_cycle(framework_v2, cities, 2026)
    score(current)
    return current


def test_last_periods_values_under_another_version_are_not_compared(broken, framework_v2):
    submission = broken.submissions.get(region__code="330100")
    assert previous_values(submission) == {}
    assert not [f for f in submission_findings_of(submission) if f.kind == "anomaly"]
    later = SubmissionFactory(region=submission.region, cycle=approved_cycle(framework_v2, [], 2027))
    assert previous_values(later)["PS01"] == submission.values.get(indicator__code="PS01").value


def test_no_change_is_computed_across_the_break(broken):
    assert not broken.current_run.region_scores.filter(change__isnull=False).exists()


def test_the_trend_draws_one_line_per_version_and_says_why(broken, client, people):
    report = city_report(broken, Region.objects.get(code="330100"))
    assert [(p.period, p.version) for p in report.trend] == [(2025, 1), (2026, 2)]
    assert [(b.period, b.version, b.earlier) for b in report.breaks] == [(2026, 2, 1)]
    figure = city_trend(report)
    assert [list(trace.x) for trace in figure.data] == [["2025"], ["2026"]]
    client.force_login(people["officer"])
    page = client.get(f"/dashboards/cities/330100/?cycle={broken.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "From 2026 the cycles are assessed under version 2 of the framework, before under version 1" in page


def test_the_overview_says_no_change_is_computed_across_the_break(broken, client, people):
    client.force_login(people["analyst"])
    page = client.get(f"/dashboards/?cycle={broken.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="series-break-2026"' in page
    earlier = broken.submissions.first().region.submissions.exclude(cycle=broken).first().cycle
    assert 'id="series-break-' not in client.get(f"/dashboards/?cycle={earlier.pk}").content.decode()
