"""A campaign under way, for the tests of the campaign console and the reminders.

`campaign(framework)`: an open cycle whose deadline passed five days ago (today being Beijing's), with four
participants in 浙江 and 江苏 at every stage, plus provincial coordinators. Everything is written directly, not
through the services (as `tests.factories` does).
"""

import datetime

from django.utils import timezone

from assessments.models import Cycle, Evidence, Region, RoleAssignment, Submission
from audit.models import Action
from audit.services import audit_record
from tests.factories import CycleFactory, RegionFactory, in_province, region_tree, user_with_role

Role = RoleAssignment.Role
REQUIRED = ("RS05", "RS08", "MP06", "MP08", "SC08", "SC09", "PS03", "PS04", "PS08")
"""The default framework's indicators marked "evidence required", in framework order."""


def days(n: int) -> datetime.date:
    """Today in Beijing, moved by `n` days."""
    return timezone.localdate() + datetime.timedelta(days=n)


def shangcheng() -> Region:
    """上城区, a county-level division of 杭州市."""
    hangzhou = region_tree()["hangzhou"]
    return in_province(RegionFactory(code="330102", name_zh="上城区", name_en="Shangcheng", parent=hangzhou,
                                     level=Region.Level.COUNTY))


def campaign(framework, *, period: int = 2026, closes: int = -5) -> Cycle:
    """An open cycle closing `closes` days from today, and its participants:

    - 杭州市 (330100): a draft, overdue;
    - 上城区 (330102, a county of 杭州): submitted for the city's sign-off, overdue;
    - 宁波市 (330200): approved;
    - 南京市 (320100): returned, its deadline extended to ten days from today.
    """
    regions = region_tree()
    cycle = CycleFactory(framework=framework, period=period, opens=days(closes - 60), closes=days(closes),
                         status=Cycle.Status.OPEN)
    for region, status, extended in ((regions["hangzhou"], Submission.Status.DRAFT, None),
                                     (shangcheng(), Submission.Status.SUBMITTED, None),
                                     (regions["ningbo"], Submission.Status.APPROVED, None),
                                     (regions["nanjing"], Submission.Status.RETURNED, days(10))):
        Submission.objects.create(cycle=cycle, region=region, status=status, extended_until=extended,
                                  extension_reason="洪涝" if extended else "")
    return cycle


def participant(cycle: Cycle, code: str) -> Submission:
    return Submission.objects.select_related("region", "cycle").get(cycle=cycle, region__code=code)


def coordinator(name: str = "zhejiang_coordinator", province: str = "zhejiang"):
    """A provincial coordinator of `province` (a key of `region_tree()`)."""
    return user_with_role(name, Role.PROVINCE_COORDINATOR, region_tree()[province], email=f"{name}@example.gov.cn")


def attach(submission: Submission, code: str | None) -> Evidence:
    """An evidence row on the indicator `code` (on the submission as a whole when None), without a stored file."""
    indicator = submission.cycle.framework.indicators.get(code=code) if code else None
    return Evidence.objects.create(submission=submission, indicator=indicator, file=f"evidence/{code}.pdf",
                                   original_name=f"{code}.pdf", content_type="application/pdf", size=1,
                                   sha256="0" * 64)


def activity(submission: Submission, actor, action: Action = Action.VALUE_CHANGED, subject: str = "RS01"):
    return audit_record(actor=actor, action=action, submission=submission, subject=subject, old=None,
                        new={"value": 1.0, "note": ""})
