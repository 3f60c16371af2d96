"""Schemathesis over every operation of /api/v1/schema/, as a province aggregator's token, with every check it
has (schemathesis 4's default set): no 5xx; every answer documented (status, content type, headers) and in its
schema (the error format included); a request the schema allows is not refused with a 4xx other than 401, 403,
404, 409 and 429, and a request it forbids is refused; a removed resource is gone; authentication is enforced.

Each operation gets at most 25 generated examples, derandomised so that a run is repeatable; the write
operations (PUT values, workflow steps, POST score runs and reports, evidence uploads and removals) are fuzzed
too, on the fixture data.

What a schema cannot state is supplied to the cases the schema allows (never to those it forbids): half of the
ids and codes are steered onto objects that exist (the other half are 404s, which a valid request may get);
indicator codes onto the framework's (an unknown code in a body is a 400 naming it; the schema cannot list the
codes of every framework), and a value onto its indicator's type and valid range; a submission's `version` onto
one it has had (half of them its current one; a version it never had is a 400 naming it, even in a body that
breaks the schema elsewhere, which may turn out valid); an uploaded file's
bytes onto a PDF of their own (the type is read from the content).
"""

import itertools
import zlib

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from assessments.models import Cycle, Evidence, ScoreRun, Submission
from tests.api.clients import user_with_token
from tests.evidence_files import PDF, with_required_evidence
from tests.factories import approved_cycle, many_cities, score

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.core.parameters import ParameterLocation  # noqa: E402

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
        "code": ["smartgov-maturity"], "region_code": ["330000", "330100", "320100"],
        "version": [1], "indicators": list(framework.indicators.values_list("code", flat=True)),
        "ranges": {i.code: (i.data_type, i.min_value, i.max_value) for i in framework.indicators.all()},
    })
    return user_with_token("fuzz-aggregator", "province_analyst", regions["zhejiang"])[2]


REAL = {}
"""Ids and codes that exist in the fixture data."""
UPLOADS = itertools.count()


def _steer(value, choices, *, always=False):
    digest = zlib.crc32(repr(value).encode())
    return choices[digest // 2 % len(choices)] if choices and (always or digest % 2 == 0) else value


def _distinct(codes, choices):
    """Each of `codes` steered onto a different one of `choices` (a code twice in a body is a 400)."""
    taken = []
    for code in codes:
        start = choices.index(_steer(code, choices, always=True))
        taken.append(next(c for c in choices[start:] + choices[:start] if c not in taken))
    return taken


def _fitting(value, data_type, low, high):
    """`value` if its indicator takes it, else one it takes (a yes/no indicator takes booleans, the others
    numbers within their valid range)."""
    if value is None:
        return None
    if data_type == "boolean":
        return value if isinstance(value, bool) else zlib.crc32(repr(value).encode()) % 2 == 0
    number = None if isinstance(value, bool) else float(value)
    if (number is None or (low is not None and number < low) or (high is not None and number > high)
            or (data_type == "ordinal" and number != int(number))):
        return low if low is not None else high if high is not None else 0
    return value


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


def _allowed(case, location):
    """Whether `location` of the case is one the schema allows (only those are steered). `_meta`: reading
    `case.meta` would revalidate the case before its request is settled."""
    return case._meta is None or not case._meta.is_negative_at(location)


@schema.hook
def map_case(context, case):
    if _allowed(case, ParameterLocation.PATH):
        for name, value in (case.path_parameters or {}).items():
            case.path_parameters[name] = _steer(value, REAL.get(name))
        evidence = REAL.get("evidence_of", {}).get((case.path_parameters or {}).get("evidence_id"))
        if evidence is not None:
            case.path_parameters["id"] = evidence  # a real file, reached through its own submission
    if REAL and isinstance(case.body, dict):
        if _allowed(case, ParameterLocation.BODY):
            _steer_body(case.body, case.path_parameters or {})
        _steer_version(case.body, case.path_parameters or {})
    return case


def _steer_body(body, path):
    indicators = REAL.get("indicators")
    if "file" in body:
        if body.get("indicator") not in ("", "general", None):
            body["indicator"] = _steer(body["indicator"], indicators, always=True)
        body["file"] = PDF + f"% upload {next(UPLOADS)}\n".encode()
    items = [item for item in body.get("values") or [] if isinstance(item, dict) and "indicator" in item]
    for item, code in zip(items, _distinct([item["indicator"] for item in items], indicators), strict=True):
        item["indicator"] = code
        if "value" in item:
            item["value"] = _fitting(item["value"], *REAL["ranges"][code])
    if isinstance(body.get("indicator_comments"), dict):
        body["indicator_comments"] = {_steer(code, indicators, always=True): text
                                      for code, text in body["indicator_comments"].items()}
    if "version" in body:
        current = _current_version(path)
        body["version"] = _steer(body["version"], [current] if current else [])


def _steer_version(body, path):
    """A version the schema allows (a body generated to break the schema elsewhere may still hold one) onto one
    the submission has had: whether it had it is no part of the schema."""
    version = body.get("version")
    if type(version) is int and 1 <= version <= 2**31 - 1:
        current = _current_version(path)
        if current and version > current:
            body["version"] = 1 + version % current


def _current_version(path):
    """The current version of the submission the path names, if it names one (an id may come as text)."""
    pk = str(path.get("id"))
    if not (pk.isascii() and pk.isdigit()) or int(pk) not in REAL.get("id", ()):
        return None
    return Submission.objects.filter(pk=int(pk)).values_list("version", flat=True).first()


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_it_answers_every_input_as_documented_with_every_check(case, fuzz_token, keep_connection):
    token = {"Authorization": f"Bearer {fuzz_token}"} if _allowed(case, ParameterLocation.HEADER) else None
    case.call_and_validate(headers=token)
