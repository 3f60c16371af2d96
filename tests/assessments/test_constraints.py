"""The invariants of the facts hold in the database itself."""

import pytest
from django.db import IntegrityError, transaction

from assessments.models import IndicatorValue, Region, RoleAssignment, Submission
from indicators.models import Indicator

pytestmark = pytest.mark.django_db


def test_a_second_submission_for_the_same_region_and_cycle_is_refused(submission):
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(region=submission.region, cycle=submission.cycle)


def test_a_second_value_for_the_same_indicator_is_refused(submission):
    indicator = Indicator.objects.get(framework=submission.cycle.framework, code="RS01")
    IndicatorValue.objects.create(submission=submission, indicator=indicator, value=80)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(submission=submission, indicator=indicator, value=90)


def test_a_city_needs_a_parent(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="999900", name_zh="孤城", name_en="Orphan", level=Region.Level.PREFECTURE)


def test_a_country_may_belong_to_a_group(db):
    africa = Region.objects.create(code="UN-AFRICA", name_zh="非洲", name_en="Africa", level=Region.Level.GROUP,
                                   tree="UN")
    kenya = Region.objects.create(code="KEN", name_zh="肯尼亚", name_en="Kenya", level=Region.Level.COUNTRY,
                                  parent=africa, tree="UN")
    assert kenya.parent == africa


def test_a_city_role_needs_a_region(officer):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=officer, role=RoleAssignment.Role.CITY_REVIEWER, region=None)


def test_an_unknown_status_is_refused(submission):
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(status="lost")


def test_a_cycle_closes_after_it_opens(cycle):
    with pytest.raises(IntegrityError), transaction.atomic():
        type(cycle).objects.filter(pk=cycle.pk).update(closes="2026-01-01")
