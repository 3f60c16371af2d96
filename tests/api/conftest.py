"""API fixtures: a scored cycle over cities of 浙江 and 江苏, users per role with their tokens, a client."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.services import token_create
from assessments.models import RoleAssignment, Submission
from assessments.services import cycle_scores_compute, cycle_scores_request
from tests.conftest import UserFactory, approved_cycle, many_cities

Role = RoleAssignment.Role


@pytest.fixture(autouse=True)
def _fresh_throttle_and_quick_scores(settings):
    cache.clear()
    settings.SCORE_UNCERTAINTY_DRAWS = 50
    settings.LANGUAGE_CODE = "en"
    yield
    cache.clear()


def user_with_token(username, role=None, region=None):
    user = UserFactory(username=username)
    if role:
        RoleAssignment.objects.create(user=user, role=role, region=region)
    token, secret = token_create(user=user, name=f"{username} client")
    return user, token, secret


def client_for(secret=None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def zhejiang_aggregator(regions):
    """A province aggregator service account: the provincial role on 浙江 and a token."""
    return user_with_token("zj-aggregator", Role.PROVINCE_ANALYST, regions["zhejiang"])


@pytest.fixture
def zj(zhejiang_aggregator):
    return client_for(zhejiang_aggregator[2])


@pytest.fixture
def officer_client(regions):
    return client_for(user_with_token("hz-officer", Role.CITY_OFFICER, regions["hangzhou"])[2])


@pytest.fixture
def admin_client(db):
    return client_for(user_with_token("platform-admin", Role.PLATFORM_ADMIN)[2])


def score(cycle):
    run = cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
    assert run.status == "succeeded", run.error
    cycle.refresh_from_db()
    return run


@pytest.fixture
def zj_cities(regions):
    return many_cities(6, regions["zhejiang"])


@pytest.fixture
def js_cities(regions):
    return many_cities(4, regions["jiangsu"])


@pytest.fixture
def scored(framework, zj_cities, js_cities):
    """Cycles 2024 and 2025, every submission approved, both scored; 2025 is the one asked for."""
    cities = zj_cities + js_cities
    score(approved_cycle(framework, cities, 2024, seed=3))
    cycle = approved_cycle(framework, cities, 2025, seed=4)
    score(cycle)
    return cycle


def submission_of(cycle, code):
    return Submission.objects.get(cycle=cycle, region__code=code)
