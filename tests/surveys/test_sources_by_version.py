"""Which satisfaction indicators the imported ratings and hotline figures and the questionnaires feed: version 1's
definitions in the default framework v1, none of the imports in v2 (whose record indicators come from
`surveys.records` and whose other PS indicators are third-party samples)."""

import datetime

import pytest

from surveys.models import SatisfactionImport, ServiceRating
from surveys.selectors import city_estimates, question_indicators
from tests.factories import CycleFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


def _rated(framework, region):
    submission = SubmissionFactory(region=region, cycle=CycleFactory(framework=framework, period=2026))
    batch = SatisfactionImport.objects.create(region=region, cycle=submission.cycle, kind="ratings",
                                              file_name="ratings.csv", sha256="0" * 64, rows=2)
    for rating in (5, 2):
        ServiceRating.objects.create(batch=batch, service="营业执照办理", channel="网上", rating=rating,
                                     date=datetime.date(2026, 3, 1))
    return {e.indicator.code: e for e in city_estimates(submission)}


def test_in_version_1_the_imported_ratings_feed_ps01(framework, regions):
    estimates = _rated(framework, regions["hangzhou"])
    assert estimates["PS01"].source == "ratings"
    assert estimates["PS01"].estimate.value == pytest.approx(50.0)
    assert [i.code for i in question_indicators(framework)] == ["PS03", "PS04", "PS08"]


def test_in_version_2_they_feed_nothing_and_questionnaires_feed_ps03_and_ps04_only(framework_v2, regions):
    estimates = _rated(framework_v2, regions["hangzhou"])
    assert {code for code, e in estimates.items() if e.source is not None} == set()
    assert [i.code for i in question_indicators(framework_v2)] == ["PS03", "PS04"]
