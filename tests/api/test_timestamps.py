"""One rule for every timestamp the API gives: ISO 8601 with its offset, in the platform's time zone (+08:00)."""

import re

import pytest
from django.utils import timezone

from reports.models import Report
from tests.evidence_files import with_required_evidence
from tests.factories import published, submission_of

pytestmark = pytest.mark.django_db

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def timestamps(data, path=""):
    """(where, text) of every timestamp in a JSON answer."""
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in timestamps(value, f"{path}.{key}")]
    if isinstance(data, list):
        return [found for index, value in enumerate(data) for found in timestamps(value, f"{path}[{index}]")]
    return [(path, data)] if isinstance(data, str) and TIMESTAMP.fullmatch(data) else []


def test_every_timestamp_of_every_answer_is_in_the_platforms_time_zone(zj, scored, regions):
    hangzhou = submission_of(scored, "330100")
    with_required_evidence(hangzhou)
    published(scored)
    Report.objects.create(kind="city", cycle=scored, region=regions["hangzhou"], started_at=timezone.now(),
                          finished_at=timezone.now())
    urls = ["/api/v1/frameworks/", "/api/v1/frameworks/smartgov-maturity/1/", "/api/v1/cycles/",
            "/api/v1/cycles/2025/publications/", "/api/v1/submissions/", f"/api/v1/submissions/{hangzhou.pk}/",
            f"/api/v1/submissions/{hangzhou.pk}/values/", f"/api/v1/submissions/{hangzhou.pk}/evidence/",
            "/api/v1/score-runs/", "/api/v1/results/", "/api/v1/results/330100/", "/api/v1/aggregates/",
            "/api/v1/reports/"]
    found = {url: timestamps(zj.get(url).json()) for url in urls}
    assert all(found.values()), [url for url, stamps in found.items() if not stamps]
    assert [(url, where, text) for url, stamps in found.items() for where, text in stamps
            if not text.endswith("+08:00")] == []
