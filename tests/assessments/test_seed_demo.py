"""`manage.py seed_demo`: real regions, three cycles of plausible generated values, a user per role."""

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from assessments.models import Cycle, IndicatorValue, Region, RoleAssignment, Submission
from indicators.models import Indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo")


def _counts():
    return (Region.objects.count(), Cycle.objects.count(), Submission.objects.count(),
            IndicatorValue.objects.count(), RoleAssignment.objects.count())


def test_it_is_idempotent(seeded):
    before = _counts()
    values = list(IndicatorValue.objects.order_by("pk").values_list("value", flat=True))
    call_command("seed_demo")
    assert _counts() == before
    assert list(IndicatorValue.objects.order_by("pk").values_list("value", flat=True)) == values


def test_it_covers_three_provinces_and_forty_cities_with_gbt2260_codes(seeded):
    provinces = Region.objects.filter(level=Region.Level.PROVINCE)
    cities = Region.objects.filter(level=Region.Level.PREFECTURE)
    assert provinces.count() >= 3
    assert cities.count() >= 40
    assert Region.objects.get(code="330100").name_zh == "杭州市"
    assert Region.objects.get(code="440300").name_zh == "深圳市"
    for city in cities.select_related("parent"):
        assert city.code[:2] == city.parent.code[:2]
        assert city.code.endswith("00")
        assert city.code[2:4] != "00"


def test_it_makes_three_annual_demo_cycles(seeded):
    assert list(Cycle.objects.order_by("period").values_list("period", "is_demo")) == [
        (2024, True), (2025, True), (2026, True)]


def test_it_creates_one_user_per_role(seeded):
    assert set(RoleAssignment.objects.values_list("user__username", "role")) == {
        ("demo_officer", "city_officer"), ("demo_reviewer", "city_reviewer"),
        ("demo_province", "province_analyst"), ("demo_admin", "platform_admin")}


def test_values_lie_in_their_valid_ranges(seeded):
    for indicator in Indicator.objects.all():
        values = IndicatorValue.objects.filter(indicator=indicator).values_list("value", flat=True)
        low = -np.inf if indicator.min_value is None else indicator.min_value
        high = np.inf if indicator.max_value is None else indicator.max_value
        assert all(low <= v <= high for v in values), indicator.code


def _wide(period):
    rows = IndicatorValue.objects.filter(submission__cycle__period=period).values(
        "submission__region__code", "indicator__code", "value")
    frame = pd.DataFrame(rows)
    return frame.pivot(index="submission__region__code", columns="indicator__code", values="value")


def test_values_correlate_across_years_and_indicators(seeded):
    y2024, y2025 = _wide(2024), _wide(2025)
    year_on_year = [y2024[c].corr(y2025[c]) for c in y2024.columns if y2024[c].std() > 0]
    assert np.median(year_on_year) > 0.7
    assert y2024["RS01"].corr(y2024["RS02"]) > 0.2


def test_cities_improve_on_average(seeded):
    assert _wide(2026)["RS01"].mean() > _wide(2024)["RS01"].mean()
