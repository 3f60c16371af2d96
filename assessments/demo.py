"""Demo data: real provinces and cities, three annual cycles of generated values, one user per role.

Values are generated, not observed: every cycle made here is flagged `is_demo` and shown as demo data.
They are plausible on purpose: each city has a latent capacity (province effect plus its own), each
dimension follows it with its own noise, each indicator follows its dimension, and every city improves a
little each year, so indicators correlate across indicators and across years as real ones do.
"""

import datetime
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from audit.models import Action
from audit.services import audit_record
from indicators.models import Framework, Indicator

from .models import Cycle, IndicatorValue, Region, RoleAssignment, Submission
from .services import cycle_create, person_password_set, regions_load, role_grant

DEMO_PERIODS = (2024, 2025, 2026)
SEED = 20261125
LEADING_CITIES = {"440300": 1.6, "330100": 1.5, "440100": 1.3, "320500": 1.2, "320100": 1.1, "330200": 0.9}
PROVINCE_EFFECT = {"330000": 0.35, "440000": 0.15, "320000": 0.25}


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    region_code: str | None
    first_name: str


DEMO_USERS = (
    DemoUser("demo_officer", RoleAssignment.Role.CITY_OFFICER, "330100", "杭州市填报员"),
    DemoUser("demo_reviewer", RoleAssignment.Role.CITY_REVIEWER, "330100", "杭州市审核员"),
    DemoUser("demo_province", RoleAssignment.Role.PROVINCE_ANALYST, "330000", "浙江省审核员"),
    DemoUser("demo_admin", RoleAssignment.Role.PLATFORM_ADMIN, None, "平台管理员"),
)


def generate_values(city_codes, province_of, indicators, periods, seed=SEED):
    """Generated values, shape (periods, cities, indicators), within each indicator's goalposts and range."""
    rng = np.random.default_rng(seed)
    n_cities, n_indicators = len(city_codes), len(indicators)
    capacity = rng.normal(0, 0.6, n_cities) + np.array(
        [LEADING_CITIES.get(code, 0) + PROVINCE_EFFECT.get(province_of[code], 0) for code in city_codes]
    )
    dimensions = sorted({i.dimension.code for i in indicators})
    dimension_of = np.array([dimensions.index(i.dimension.code) for i in indicators])
    dimension_noise = rng.normal(0, 0.45, (n_cities, len(dimensions)))
    indicator_noise = rng.normal(0, 0.5, (n_cities, n_indicators))
    yearly = rng.normal(0, 0.15, (len(periods), n_cities, n_indicators))
    growth = 0.3 * np.arange(len(periods))[:, None, None]
    latent = (capacity[:, None] + dimension_noise[:, dimension_of] + indicator_noise)[None] + growth + yearly
    share = 1 / (1 + np.exp(-(latent - 0.2)))

    values = np.empty_like(share)
    for j, indicator in enumerate(indicators):
        low, high = _span(indicator)
        s = share[:, :, j] if indicator.direction == Indicator.Direction.HIGHER else 1 - share[:, :, j]
        column = low + (high - low) * s
        if indicator.data_type == Indicator.DataType.BOOLEAN:
            column = (s > 0.45).astype(float)
        elif indicator.data_type == Indicator.DataType.ORDINAL:
            column = np.rint(column)
        elif indicator.data_type == Indicator.DataType.PERCENT:
            column = np.round(column, 1)
        else:
            column = np.round(column, 0 if high - low >= 100 else 2)
        values[:, :, j] = np.clip(column, *_valid(indicator))
    return values


def _span(indicator):
    low = indicator.goalpost_lower if indicator.goalpost_lower is not None else indicator.min_value
    high = indicator.goalpost_upper if indicator.goalpost_upper is not None else indicator.max_value
    if indicator.data_type == Indicator.DataType.PERCENT:
        low, high = (0.0 if low is None else low), (100.0 if high is None else high)
    if low is None or high is None:
        target = indicator.target or 1.0
        low, high = (0.0 if low is None else low), (2 * target if high is None else high)
    return low, high


def _valid(indicator):
    return (
        -np.inf if indicator.min_value is None else indicator.min_value,
        np.inf if indicator.max_value is None else indicator.max_value,
    )


@transaction.atomic
def demo_seed(*, framework: Framework, regions_data: dict) -> dict:
    """Create or refresh the demo: regions, cycles, submissions, values, users. Running it twice changes nothing."""
    regions_load(data=regions_data)
    cities = list(Region.objects.filter(level=Region.Level.PREFECTURE).select_related("province").order_by("code"))
    indicators = list(framework.indicators.select_related("dimension").order_by("dimension__order", "order"))
    values = generate_values(
        [c.code for c in cities], {c.code: c.province.code for c in cities}, indicators, DEMO_PERIODS
    )
    rows = []
    for p, period in enumerate(DEMO_PERIODS):
        cycle = _demo_cycle(framework, period, is_current=period == DEMO_PERIODS[-1])
        submissions = _demo_submissions(cycle, cities, is_current=period == DEMO_PERIODS[-1])
        for c, city in enumerate(cities):
            submission = submissions[city.pk]
            for j, indicator in enumerate(indicators):
                if submission.status == Submission.Status.DRAFT and (c + j) % 5 == 0:
                    continue
                rows.append(IndicatorValue(submission=submission, indicator=indicator,
                                           value=float(values[p, c, j]), source=IndicatorValue.Source.DEMO))
    IndicatorValue.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["submission", "indicator"], update_fields=["value", "source"]
    )
    users = _demo_users()
    return {"cities": len(cities), "cycles": len(DEMO_PERIODS), "values": len(rows), "users": users}


def _demo_cycle(framework, period, *, is_current):
    cycle = Cycle.objects.filter(framework=framework, period=period).first()
    return cycle or cycle_create(
        actor=None, framework=framework, period=period, opens=datetime.date(period, 9, 1),
        closes=datetime.date(period, 12, 31) if is_current else datetime.date(period, 11, 30),
        status=Cycle.Status.OPEN if is_current else Cycle.Status.CLOSED, is_demo=True)


def _demo_submissions(cycle, cities, *, is_current):
    """Past cycles are all approved. In the current one most are, some await the city's sign-off or the
    province's review, some are drafts — among them the demo users' own city, so that they can try entry."""
    demo_cities = {u.region_code for u in DEMO_USERS}

    def status(index, city):
        if not is_current:
            return Submission.Status.APPROVED
        if city.code in demo_cities:
            return Submission.Status.DRAFT
        return (Submission.Status.APPROVED, Submission.Status.APPROVED, Submission.Status.APPROVED,
                Submission.Status.SIGNED_OFF, Submission.Status.SUBMITTED, Submission.Status.DRAFT)[index % 6]

    existing = {s.region_id: s for s in cycle.submissions.all()}
    new = [Submission(region=city, cycle=cycle, status=status(i, city))
           for i, city in enumerate(cities) if city.pk not in existing]
    Submission.objects.bulk_create(new)
    if new:
        audit_record(actor=None, action=Action.DEMO_SEEDED, target=cycle,
                     new={"submissions": len(new)}, comment="Generated demo data")
    return {s.region_id: s for s in cycle.submissions.all()}


def _demo_users():
    User = get_user_model()
    regions = {r.code: r for r in Region.objects.filter(code__in=[u.region_code for u in DEMO_USERS if u.region_code])}
    names = []
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first()
        if user is None:
            admin = demo.role == RoleAssignment.Role.PLATFORM_ADMIN
            user = person_password_set(
                person=User(username=demo.username, first_name=demo.first_name,
                            email=f"{demo.username}@example.invalid", is_staff=admin, is_superuser=admin),
                password=settings.SMARTGOV_DEMO_PASSWORD, actor=None)
        role_grant(user=user, role=demo.role, region=regions.get(demo.region_code), actor=None)
        names.append(demo.username)
    return names
