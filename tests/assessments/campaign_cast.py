"""Builders for the cycle lifecycle's tests: the coordinators, and cycles in each state of the lifecycle.

Imported by the lifecycle, participants, publication and cycle pages tests (a helper module, not a conftest)."""

import datetime

from django.utils import timezone

from assessments.models import Cycle, RoleAssignment, Submission
from tests.factories import CycleFactory, approved_cycle, example_user, published, score, user_with_role

Role = RoleAssignment.Role
ACTORS = ("national", "zj_coordinator", "js_coordinator", "analyst", "officer")
"""Who tries each step: the national coordinator (a platform administrator), the provincial coordinators of
浙江 and 江苏, the provincial analyst of 浙江 and the city officer of 杭州."""


def campaign_actors(regions) -> dict:
    return {
        "national": example_user("admin"),
        "zj_coordinator": user_with_role("zj_coordinator", Role.PROVINCE_COORDINATOR, regions["zhejiang"],
                                         email="zj_coordinator@example.gov.cn"),
        "js_coordinator": user_with_role("js_coordinator", Role.PROVINCE_COORDINATOR, regions["jiangsu"],
                                         email="js_coordinator@example.gov.cn"),
        "analyst": example_user("analyst"),
        "officer": example_user("officer"),
    }


def entry_window(cycle: Cycle, *, days_left: int = 30) -> Cycle:
    """The cycle's entry window around today: opened 30 days ago, closing in `days_left` days (negative: closed
    that many days ago)."""
    today = timezone.localdate()
    Cycle.objects.filter(pk=cycle.pk).update(opens=today - datetime.timedelta(days=30),
                                             closes=today + datetime.timedelta(days=days_left))
    cycle.refresh_from_db()
    return cycle


def planned_cycle(framework, period: int = 2026) -> Cycle:
    return entry_window(CycleFactory(framework=framework, period=period, status=Cycle.Status.PLANNED))


def cycle_in(state: str, framework, regions) -> Cycle:
    """A cycle of 杭州, 宁波 and 南京 in `state`: planned (no participant), open (drafts, entry open today), closed
    (all approved and scored) or published (version 1 published, then a newer run computed)."""
    cities = [regions["hangzhou"], regions["ningbo"], regions["nanjing"]]
    if state in ("planned", "open"):
        cycle = planned_cycle(framework)
        if state == "open":
            Submission.objects.bulk_create(Submission(cycle=cycle, region=city) for city in cities)
            Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.OPEN)
            cycle.refresh_from_db()
        return cycle
    cycle = approved_cycle(framework, cities, 2026)
    score(cycle)
    if state == "published":
        published(cycle)
        score(cycle)
    return cycle
