"""Schemathesis over every operation of /api/v1/schema/, as a province aggregator's token: no input may give a
500, and every answer must match the schema (the error format included).

Each operation gets at most 25 generated examples, derandomised so that a run is repeatable; the write
operations (PUT values, workflow steps, POST score runs, evidence uploads and removals) are fuzzed too, on the
fixture data.
"""

import zlib

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from assessments.models import Cycle, Evidence, ScoreRun, Submission
from tests.api.clients import user_with_token
from tests.evidence_files import with_required_evidence
from tests.factories import approved_cycle, many_cities, score

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

pytestmark = pytest.mark.django_db


@pytest.fixture
def fuzz_token(framework, regions):
    """浙江's aggregator over a scored 2025 cycle and an open 2026 one with drafts to write into."""
    cities = many_cities(5, regions["zhejiang"]) + many_cities(3, regions["jiangsu"])
    score(approved_cycle(framework, cities, 2025, seed=4))
    open_cycle = Cycle.objects.create(framework=framework, period=2026, opens="2026-01-01", closes="2026-12-31",
                                      status=Cycle.Status.OPEN)
    drafts = Submission.objects.bulk_create(Submission(region=c, cycle=open_cycle) for c in cities)
    for draft in drafts[:2]:
        with_required_evidence(draft)
    REAL.update({
        "id": [*Submission.objects.order_by("pk").values_list("pk", flat=True),
               *ScoreRun.objects.values_list("pk", flat=True)],
        "evidence_id": list(Evidence.objects.values_list("pk", flat=True)),
        "evidence_of": dict(Evidence.objects.values_list("pk", "submission_id")),
        "code": ["330000", "330100", "320100", "smartgov-maturity"], "region_code": ["330100", "320100"],
        "version": [1], "indicators": list(framework.indicators.values_list("code", flat=True)),
    })
    return user_with_token("fuzz-aggregator", "province_analyst", regions["zhejiang"])[2]


REAL = {}
"""Ids and codes that exist in the fixture data: half of the generated cases are steered onto them, so that
the fuzzing reaches the code behind the 404s (values, workflow steps, results of a region, evidence files)."""


def _steer(value, choices):
    digest = zlib.crc32(repr(value).encode())
    return choices[digest // 2 % len(choices)] if choices and digest % 2 == 0 else value


@pytest.fixture
def keep_connection():
    """As Django's test client does: keep the test's connection (and its transaction) across WSGI requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loaded at collection from the application itself (no database is needed to build the schema).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@schema.hook
def map_case(context, case):
    for name, value in (case.path_parameters or {}).items():
        case.path_parameters[name] = _steer(value, REAL.get(name))
    if (submission := REAL.get("evidence_of", {}).get((case.path_parameters or {}).get("evidence_id"))) is not None:
        case.path_parameters["id"] = submission  # a real file, reached through its own submission
    body = case.body
    if isinstance(body, dict) and "file" in body and "indicator" in body:
        body["indicator"] = _steer(body["indicator"], REAL.get("indicators"))
    if isinstance(body, dict) and isinstance(body.get("values"), list):
        for item in body["values"]:
            if isinstance(item, dict) and "indicator" in item:
                item["indicator"] = _steer(item["indicator"], REAL.get("indicators"))
    if isinstance(body, dict) and "version" in body and (case.path_parameters or {}).get("id") in REAL.get("id", ()):
        current = Submission.objects.filter(pk=case.path_parameters["id"]).values_list("version", flat=True).first()
        body["version"] = _steer(body["version"], [current] if current else [])
    return case


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_it_answers_every_input_without_a_server_error_and_as_documented(case, fuzz_token, keep_connection):
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_token}"},
                           checks=[not_a_server_error, response_schema_conformance])
