"""Shared fixtures: the default framework, a small region tree, one user per role."""

import datetime
from pathlib import Path

import factory
import pytest
from django.contrib.auth import get_user_model

from assessments.models import Cycle, Region, RoleAssignment, Submission
from indicators.framework_file import load_framework_file
from indicators.services import framework_import, framework_publish

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FRAMEWORK_FILE = ROOT / "indicators" / "frameworks" / "smartgov-maturity.yaml"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-123")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{510100 + n * 100}")
    name_zh = factory.Sequence(lambda n: f"测试市{n}")
    name_en = factory.Sequence(lambda n: f"Test City {n}")
    level = Region.Level.CITY


@pytest.fixture(scope="session")
def default_document():
    return load_framework_file(DEFAULT_FRAMEWORK_FILE)


@pytest.fixture
def framework(db, default_document):
    framework = framework_import(document=default_document).framework
    return framework_publish(framework=framework)


@pytest.fixture
def regions(db):
    china = RegionFactory(code="CHN", name_zh="中国", name_en="China", level=Region.Level.COUNTRY, parent=None)
    zhejiang = RegionFactory(code="330000", name_zh="浙江省", name_en="Zhejiang", level=Region.Level.PROVINCE,
                             parent=china)
    jiangsu = RegionFactory(code="320000", name_zh="江苏省", name_en="Jiangsu", level=Region.Level.PROVINCE,
                            parent=china)
    return {
        "china": china, "zhejiang": zhejiang, "jiangsu": jiangsu,
        "hangzhou": RegionFactory(code="330100", name_zh="杭州市", name_en="Hangzhou", parent=zhejiang),
        "ningbo": RegionFactory(code="330200", name_zh="宁波市", name_en="Ningbo", parent=zhejiang),
        "nanjing": RegionFactory(code="320100", name_zh="南京市", name_en="Nanjing", parent=jiangsu),
    }


@pytest.fixture
def cycle(framework):
    return Cycle.objects.create(framework=framework, period=2026, opens=datetime.date(2026, 9, 1),
                                closes=datetime.date(2026, 12, 31), status=Cycle.Status.OPEN)


@pytest.fixture
def submission(cycle, regions):
    return Submission.objects.create(region=regions["hangzhou"], cycle=cycle)


def _user_with_role(username, role, region):
    user = UserFactory(username=username)
    RoleAssignment.objects.create(user=user, role=role, region=region)
    return user


@pytest.fixture
def officer(regions):
    return _user_with_role("officer", RoleAssignment.Role.CITY_OFFICER, regions["hangzhou"])


@pytest.fixture
def admin_user(db):
    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    RoleAssignment.objects.create(user=user, role=RoleAssignment.Role.PLATFORM_ADMIN)
    return user


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Tasks run in-process during tests, except in tests marked `worker`, which use a real worker."""
    from smartgov.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def plausible_values(framework, cities, period, *, seed=1):
    """Generated values of `cities` (as the demo makes them), shape (cities, indicators), and the indicators."""
    from assessments.demo import generate_values

    indicators = list(framework.indicators.select_related("dimension").order_by("dimension__order", "order"))
    values = generate_values([c.code for c in cities], {c.code: c.parent.code for c in cities}, indicators,
                             [period], seed=seed)[0]
    return values, indicators


def fill(submission, *, seed=1):
    from assessments.models import IndicatorValue

    values, indicators = plausible_values(submission.cycle.framework, [submission.region], submission.cycle.period,
                                          seed=seed)
    IndicatorValue.objects.bulk_create(IndicatorValue(submission=submission, indicator=i, value=float(values[0, j]))
                                       for j, i in enumerate(indicators))
    return submission


def approved_cycle(framework, cities, period, *, seed=1):
    """A closed cycle in which every city's submission is approved, with generated values."""
    from assessments.models import IndicatorValue

    cycle = Cycle.objects.create(framework=framework, period=period, opens=datetime.date(period, 9, 1),
                                 closes=datetime.date(period, 11, 30), status=Cycle.Status.CLOSED)
    values, indicators = plausible_values(framework, cities, period, seed=seed)
    submissions = Submission.objects.bulk_create(
        Submission(region=city, cycle=cycle, status=Submission.Status.APPROVED) for city in cities)
    IndicatorValue.objects.bulk_create(
        IndicatorValue(submission=s, indicator=indicator, value=float(values[c, j]))
        for c, s in enumerate(submissions) for j, indicator in enumerate(indicators))
    return cycle


def many_cities(count, province):
    return [RegionFactory(code=f"{province.code[:2]}{i + 1:02d}00", name_zh=f"测试市{i}", name_en=f"City {i}",
                          parent=province) for i in range(count)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def worker(tmp_path):
    """A real Celery worker on the real broker and the test database (tests marked `worker`)."""
    from tests.workers import Worker, skip_unless_real_services

    skip_unless_real_services()
    started = Worker(tmp_path / "worker.log").start()
    yield started
    started.stop()
