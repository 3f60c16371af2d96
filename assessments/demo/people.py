"""The demo's people: five logins with a known password, and the staff of every city and province, onboarded as
a coordinator does it — a people sheet imported by the national coordinator (accounts invited, not yet active).

The imported people have a mobile number and no e-mail address, so that no invitation or notification is
e-mailed; their one-time links are what the people page hands out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from openpyxl import Workbook

from smartgov.workbooks import workbook_bytes

from ..models import Region, RoleAssignment
from ..people_file import COLUMNS, header
from ..services import person_password_set, role_grant
from ..services.people import people_import_apply, people_import_preview

Role = RoleAssignment.Role
SITE = "http://127.0.0.1:8000"
"""Where `make run` serves: the start of the invitation links."""
FIRST_MOBILE = 13800138000
"""The number Chinese documentation uses as an example; the demo's staff are numbered from it."""


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    region_code: str | None
    first_name: str


DEMO_USERS = (
    DemoUser("demo_officer", Role.CITY_OFFICER, "330100", "杭州市填报员"),
    DemoUser("demo_reviewer", Role.CITY_REVIEWER, "330100", "杭州市审核员"),
    DemoUser("demo_province", Role.PROVINCE_ANALYST, "330000", "浙江省审核员"),
    DemoUser("demo_coordinator", Role.PROVINCE_COORDINATOR, "330000", "浙江省协调员"),
    DemoUser("demo_admin", Role.PLATFORM_ADMIN, None, "平台管理员"),
)
STAFF_TITLES = {Role.CITY_OFFICER: "填报员", Role.CITY_REVIEWER: "审核员", Role.PROVINCE_ANALYST: "审核员",
                Role.PROVINCE_COORDINATOR: "协调员"}


def demo_logins() -> dict[str, User]:
    """The demo's logins (made once; a second run leaves them as they are), by user name."""
    regions = {r.code: r for r in Region.objects.filter(code__in=[u.region_code for u in DEMO_USERS])}
    logins: dict[str, User] = {}
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first()
        if user is None:
            admin = demo.role == Role.PLATFORM_ADMIN
            user = person_password_set(
                person=User(username=demo.username, first_name=demo.first_name, is_staff=admin, is_superuser=admin),
                password=settings.SMARTGOV_DEMO_PASSWORD, actor=None)
        role_grant(user=user, role=demo.role, region=regions.get(demo.region_code), actor=None)
        logins[demo.username] = user
    return logins


def staff_sheet(provinces: Sequence[Region], cities: Sequence[Region]) -> bytes:
    """The people sheet a coordinator would fill in: a coordinator and an analyst per province, a data-entry
    officer and a reviewer per city, as .xlsx bytes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([header(key) for key in COLUMNS])
    rows = [(region, role) for region in provinces for role in (Role.PROVINCE_COORDINATOR, Role.PROVINCE_ANALYST)]
    rows += [(region, role) for region in cities for role in (Role.CITY_OFFICER, Role.CITY_REVIEWER)]
    for number, (region, role) in enumerate(rows):
        sheet.append([f"{region.name_zh}{STAFF_TITLES[role]}", "", str(FIRST_MOBILE + number), region.code, role])
    return workbook_bytes(workbook)


def staff_import(*, provinces: Sequence[Region], cities: Sequence[Region], coordinator: User) -> int:
    """Import the staff sheet as the national coordinator does on the people page (dry run, then apply).
    Returns how many roles were granted: none when everyone is onboarded already."""
    data = staff_sheet(provinces, cities)
    preview = people_import_preview(data=data, actor=coordinator)
    result = people_import_apply(data=data, actor=coordinator, fingerprint=preview.fingerprint, base_url=SITE,
                                 name="demo-staff.xlsx")
    return result.granted


@dataclass(frozen=True)
class Staff:
    """Who holds each role where: the first holder by user name (the imported staff, or a demo login)."""

    holders: dict[tuple[str, int | None], User]

    @classmethod
    def of(cls, regions: Sequence[Region]) -> Staff:
        holders: dict[tuple[str, int | None], User] = {}
        for assignment in (RoleAssignment.objects.filter(region__in=regions).select_related("user")
                           .order_by("user__username")):
            holders.setdefault((assignment.role, assignment.region_id), assignment.user)
        return cls(holders)

    def of_city(self, role: str, city: Region) -> User:
        return self.holders[(role, city.pk)]

    def analyst(self, city: Region) -> User:
        return self.holders[(Role.PROVINCE_ANALYST, city.province_id)]
