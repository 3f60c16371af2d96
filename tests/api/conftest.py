"""API fixtures: a scored cycle over cities of 浙江 and 江苏, users per role with their tokens, a client."""

import pytest
from django.core.cache import cache

from assessments.models import RoleAssignment
from tests.api.clients import client_for, user_with_token
from tests.factories import many_cities, scored_cycle

Role = RoleAssignment.Role


@pytest.fixture(autouse=True)
def _fresh_throttle_and_quick_scores(settings):
    cache.clear()
    settings.SCORE_SENSITIVITY_SAMPLES = 16
    settings.LANGUAGE_CODE = "en"
    yield
    cache.clear()


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
    scored_cycle(framework, cities, 2024, seed=3)
    return scored_cycle(framework, cities, 2025, seed=4)
